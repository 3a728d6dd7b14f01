import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp } from '../../helpers/billing.ts';
import { bookBalances } from '../../../src/billing/books.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/** The notes' metered plan: $49.00 a month, 1,000 API calls included, then 3¢ each. */
const meteredPlan = (slug = 'metered', extra: Record<string, unknown> = {}) => ({
  name: 'Metered',
  slug,
  currency: 'usd',
  status: 'active',
  features: [
    { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000, period: 'monthly' },
    { key: 'seats', name: 'Team Seats', type: 'seat', limit: 10, period: 'none' },
  ],
  pricing: {
    base_amount: { amount: 4900 },
    billing_period: 'monthly',
    tiers: [
      { feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 3 } },
      { feature_key: 'seats', type: 'graduated', up_to: -1, unit_amount: { amount: 500 } },
    ],
  },
  ...extra,
});

const ADDRESS = { line1: '123 Main St', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' };

/** An app with the metered plan, tenant acme-corp's customer and subscription (from `start`), and 1,500 calls metered. */
async function setup(start = '2025-01-15T00:00:00.000Z', options: { customer?: boolean; calls?: number; seats?: number; mode?: 'live' | 'sandbox' } = {}) {
  t.clock.set(start);
  const app = await billingApp(t, { mode: options.mode });
  const acme = app.as('acme-corp');
  const plan = await app.made('/ledger/plans', meteredPlan());
  const customer = options.customer === false ? null : await app.made('/ledger/customers', { name: 'Alice Johnson', email: 'alice@example.com', billing_address: ADDRESS, tax_ids: [{ type: 'us_ein', value: '12-3456789' }] }, { 'x-tenant-id': 'acme-corp' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id, seats: options.seats ?? 0 });
  if ((options.calls ?? 1500) > 0) {
    const res = await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: options.calls ?? 1500 });
    assert.equal(res.statusCode, 202, res.body);
  }
  return { app, acme, plan, customer, sub };
}

test('POST /ledger/invoices: base fee and overage priced by the tiers (1,500 calls, 1,000 included, 3¢: qty 500, 1500)', async () => {
  const { app, sub } = await setup();
  t.clock.set('2025-01-20T00:00:00.000Z');
  const res = await app.call('POST', '/ledger/invoices', { subscription_id: sub.id });
  assert.equal(res.statusCode, 201, res.body);
  const inv = res.json();
  assert.match(inv.id, /^inv_[0-9a-z]{26}$/);
  assert.equal(inv.status, 'draft');
  assert.equal(inv.number, null);
  assert.deepEqual(
    inv.line_items.map((l: any) => [l.type, l.description, l.quantity, l.unit_amount.amount, l.amount.amount]),
    [
      ['base', 'Base subscription fee', 1, 4900, 4900],
      ['overage', 'API Calls overage', 500, 3, 1500],
    ],
  );
  assert.deepEqual(inv.subtotal, { amount: 6400, currency: 'usd', display: '$64.00' });
  assert.deepEqual(inv.total, { amount: 6400, currency: 'usd', display: '$64.00' });
  assert.equal(inv.period_start, '2025-01-15T00:00:00.000Z');
  assert.equal(inv.period_end, '2025-02-15T00:00:00.000Z');
  // A second invoice of the same period: 409; after a void it can be made again.
  assertError(await app.call('POST', '/ledger/invoices', { subscription_id: sub.id }), 409, 'already_exists', 'subscription_id');
  const voided = (await app.call('POST', `/ledger/invoices/${inv.id}/void`, { reason: 'wrong usage' })).json();
  assert.equal(voided.status, 'voided');
  assert.equal(voided.void_reason, 'wrong usage');
  assert.equal((await app.call('POST', '/ledger/invoices', { subscription_id: sub.id })).statusCode, 201);
});

test('finalize numbers the invoice, posts it; pay marks it paid; the customer receivable in the ledger follows', async () => {
  const { app, sub, customer } = await setup('2025-03-01T00:00:00.000Z');
  t.clock.set('2025-03-01T00:00:01.000Z');
  const inv = await app.made('/ledger/invoices', { subscription_id: sub.id });
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/pay`, {}), 400, 'invalid_state');
  const fin = await app.made(`/ledger/invoices/${inv.id}/finalize`, {}, {}, 200);
  assert.equal(fin.status, 'pending');
  assert.equal(fin.number, 'INV-2025-0001');
  assert.equal(fin.due_date, '2025-03-31T00:00:01.000Z');
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/finalize`), 400, 'invoice_finalized');
  // By number, too.
  assert.equal((await app.call('GET', '/ledger/invoices/INV-2025-0001')).json().id, inv.id);
  const scope = { orgId: app.orgId, mode: 'live' as const };
  const receivable = async () => (await bookBalances(t.core.ledger, t.db, scope, 'receivable:')).get(`receivable:${customer!.id}:usd`) ?? 0n;
  assert.equal(await receivable(), 6400n);
  assert.equal((await app.call('GET', `/ledger/customers/${customer!.id}`)).json().balance.amount, 6400);
  const paid = await app.made(`/ledger/invoices/${inv.id}/pay`, { payment_ref: 'wire-42', paid_at: '2025-03-02T12:00:00Z' }, {}, 200);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.paid_at, '2025-03-02T12:00:00.000Z');
  assert.equal(await receivable(), 0n);
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/pay`, {}), 400, 'invoice_paid');
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/void`, {}), 400, 'invoice_paid');
});

test('outgoing webhook events are recorded with each change: invoice.created, finalized, paid, voided, customer.credit_added', async () => {
  const { app, sub, customer } = await setup('2025-04-01T00:00:00.000Z');
  t.clock.set('2025-04-02T00:00:00.000Z');
  await app.made(`/ledger/customers/${customer!.id}/credit`, { amount: { amount: 100 }, reason: 'sorry' }, {}, 200);
  const inv = await app.made('/ledger/invoices', { subscription_id: sub.id });
  await app.made(`/ledger/invoices/${inv.id}/finalize`, {}, {}, 200);
  await app.made(`/ledger/invoices/${inv.id}/pay`, {}, {}, 200);
  const second = await app.made('/ledger/subscriptions', { tenant_id: 'beta', plan_id: (await app.made('/ledger/plans', meteredPlan('other'))).id });
  const draft = await app.made('/ledger/invoices', { subscription_id: second.id });
  await app.made(`/ledger/invoices/${draft.id}/void`, {}, {}, 200);
  // A refused change records nothing.
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/void`, {}), 400, 'invoice_paid');
  // (the customer's and subscriptions' own events are recorded too: webhooks.test.ts covers them)
  const events = await t.db.query<{ type: string; body: string; mode: string; surface: string }>(
    `SELECT type, body, mode, surface FROM webhook_events WHERE org_id = $1 AND (type LIKE 'invoice.%' OR type = 'customer.credit_added') ORDER BY id`,
    [app.orgId],
  );
  assert.deepEqual(events.map((e) => e.type), ['customer.credit_added', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.created', 'invoice.voided']);
  assert.ok(events.every((e) => e.mode === 'live' && e.surface === 'billing'));
  const finalized = JSON.parse(events[2].body);
  assert.deepEqual([finalized.data.id, finalized.data.number, finalized.data.credit_applied.amount], [inv.id, 'INV-2025-0001', 100]);
  assert.deepEqual(JSON.parse(events[0].body).data.balance, { amount: -100, currency: 'usd', display: '-$1.00' });
});
