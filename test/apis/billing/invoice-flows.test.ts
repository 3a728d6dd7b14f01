import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { extractText, getDocumentProxy } from 'unpdf';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan } from '../../helpers/billing.ts';
import { bookBalances } from '../../../src/billing/books.ts';
import { BillingScheduler } from '../../../src/billing/scheduler.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const scheduler = () => new BillingScheduler(t.db, t.core.writes, t.clock, () => {}, t.core.ledger);
const metered = (slug: string, extra: Record<string, unknown> = {}) =>
  simplePlan(slug, 4900, {
    features: [{ key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000, period: 'monthly' }],
    pricing: { base_amount: { amount: 4900 }, billing_period: 'monthly', tiers: [{ feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 3 } }] },
    ...extra,
  });
const customerOf = (tenant: string, extra: Record<string, unknown> = {}) => ({ name: `Customer ${tenant}`, email: `${tenant}@example.com`, ...extra });

/** Each customer's receivable in the ledger equals what their finalised, unpaid invoices still ask. */
async function assertReceivablesMatch(app: { orgId: string; call: any }, mode: 'live' | 'sandbox' = 'live') {
  const books = await bookBalances(t.core.ledger, t.db, { orgId: app.orgId, mode }, 'receivable:');
  const invoices = (await app.call('GET', '/ledger/invoices?limit=100')).json().data;
  const owed = new Map<string, bigint>();
  for (const i of invoices) {
    if (i.status !== 'pending' && i.status !== 'past_due') continue;
    const code = `receivable:${i.customer_id}:${i.currency}`;
    owed.set(code, (owed.get(code) ?? 0n) + BigInt(i.amount_due.amount));
  }
  for (const [code, balance] of books) assert.equal(balance, owed.get(code) ?? 0n, code);
  for (const [code, amount] of owed) assert.equal(books.get(code) ?? 0n, amount, code);
}

test('the clock invoices the period that ended: the scheduler makes, numbers and posts it; credit is taken automatically', async () => {
  t.clock.set('2025-01-15T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', metered('m1'));
  const customer = await app.made('/ledger/customers', customerOf('acme'), { 'x-tenant-id': 'acme' });
  await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  t.clock.set('2025-01-20T00:00:00.000Z');
  assert.equal((await app.as('acme')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1500 })).statusCode, 202);
  // Credit: the reference example, 10000 → balance -10000.
  const credit = await app.made(`/ledger/customers/${customer.id}/credit`, { amount: { amount: 10000, currency: 'usd' }, reason: 'Loyalty credit' }, {}, 200);
  assert.deepEqual(credit, {
    customer_id: customer.id,
    balance: { amount: -10000, currency: 'usd', display: '-$100.00' },
    credit_applied: { amount: 10000, currency: 'usd', display: '$100.00' },
  });

  t.clock.set('2025-02-15T00:00:05.000Z');
  await scheduler().runDue(t.clock.now());
  let list = (await app.call('GET', `/ledger/customers/${customer.id}/invoices`)).json();
  assert.equal(list.pagination.total, 1);
  let [inv] = list.data;
  assert.equal(inv.number, 'INV-2025-0001');
  assert.equal(inv.period_start, '2025-01-15T00:00:00.000Z');
  assert.equal(inv.period_end, '2025-02-15T00:00:00.000Z');
  assert.deepEqual(inv.line_items.map((l: any) => [l.type, l.amount.amount]), [['base', 4900], ['overage', 1500], ['credit', -6400]]);
  // 6400 ≤ 10000 of credit: nothing left to pay, so paid at once; 3600 of credit left.
  assert.equal(inv.status, 'paid');
  assert.equal(inv.total.amount, 6400);
  assert.equal(inv.credit_applied.amount, 6400);
  assert.equal(inv.amount_due.amount, 0);
  assert.equal((await app.call('GET', `/ledger/customers/${customer.id}`)).json().balance.amount, -3600);
  // Running again makes nothing more.
  await scheduler().runDue(t.clock.now());
  assert.equal((await app.call('GET', '/ledger/invoices')).json().pagination.total, 1);

  // The next period: 4900, 3600 credit taken, 1300 due.
  t.clock.set('2025-03-15T00:00:01.000Z');
  await scheduler().runDue(t.clock.now());
  list = (await app.call('GET', '/ledger/invoices?status=pending')).json();
  [inv] = list.data;
  assert.deepEqual([inv.number, inv.total.amount, inv.credit_applied.amount, inv.amount_due.amount], ['INV-2025-0002', 4900, 3600, 1300]);
  assert.equal((await app.call('GET', `/ledger/customers/${customer.id}`)).json().balance.amount, 1300);
  await assertReceivablesMatch(app);
  const credits = await bookBalances(t.core.ledger, t.db, { orgId: app.orgId, mode: 'live' }, 'customer_credit:');
  assert.equal(credits.get(`customer_credit:${customer.id}:usd`), 0n);
  const revenue = await bookBalances(t.core.ledger, t.db, { orgId: app.orgId, mode: 'live' }, 'revenue:');
  assert.equal(revenue.get(`revenue:plan:${plan.id}:usd`), 9800n);
  assert.equal(revenue.get(`revenue:feature:${plan.id}:api_calls:usd`), 1500n);
});

test('a sandbox test clock advance invoices every period that ended before answering, as a year of billing', async () => {
  t.clock.set('2025-01-01T00:00:00.000Z');
  const app = await billingApp(t, { mode: 'sandbox' });
  const plan = await app.made('/ledger/plans', metered('m2'));
  await app.made('/ledger/customers', customerOf('box', { billing_address: { country: 'DE' } }), { 'x-tenant-id': 'box' });
  const tax = await app.call('PUT', '/ledger/tax-settings', { rates: [{ country: 'de', rate: '19', exempt_with_tax_id: true }] });
  assert.deepEqual(tax.json().rates, [{ country: 'DE', rate: '19', exempt_with_tax_id: true }]);
  await app.made('/ledger/subscriptions', { tenant_id: 'box', plan_id: plan.id });
  const res = await app.call('POST', '/ledger/test-clock/advance', { to: '2026-01-01T00:00:00.000Z' });
  assert.equal(res.statusCode, 200, res.body);
  const { data } = (await app.call('GET', '/ledger/invoices?limit=100')).json();
  assert.equal(data.length, 12);
  // Newest first; numbers consecutive in order of finalisation.
  assert.deepEqual(data.map((i: any) => i.number).reverse(), Array.from({ length: 12 }, (_, k) => `INV-2026-${String(k + 1).padStart(4, '0')}`));
  for (const i of data) {
    assert.equal(i.status, 'pending');
    assert.deepEqual([i.subtotal.amount, i.tax_amount.amount, i.total.amount, i.tax_rate], [4900, 931, 5831, '19']);
    assert.deepEqual(i.line_items.at(-1), { ...i.line_items.at(-1), type: 'tax', description: 'Tax' });
  }
  await assertReceivablesMatch(app, 'sandbox');
  // A live key sees none of it.
  const live = await billingApp(t);
  assert.equal((await live.call('GET', '/ledger/invoices')).json().pagination.total, 0);
});

test('unhappy paths: unknown and foreign ids 404, bad input 400, a paused subscription is not invoiced, finalize without a customer is incomplete', async () => {
  t.clock.set('2025-05-01T00:00:00.000Z');
  const app = await billingApp(t);
  const other = await billingApp(t);
  const sandbox = await billingApp(t, { mode: 'sandbox' });
  const plan = await app.made('/ledger/plans', metered('m3'));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'nocustomer', plan_id: plan.id });
  assertError(await app.call('POST', '/ledger/invoices', {}), 400, 'invalid_input', 'subscription_id');
  assertError(await app.call('POST', '/ledger/invoices', { subscription_id: 'sub_01hqx3qg8w5kjyhwkrp5j4wsy3' }), 404, 'subscription_not_found');
  assertError(await app.call('POST', '/ledger/invoices', { subscription_id: 42 }), 400, 'invalid_input');
  assertError(await app.call('POST', '/ledger/invoices', '{"subscription_id":', { 'content-type': 'application/json' }), 400, 'invalid_input');
  const inv = await app.made('/ledger/invoices', { subscription_id: sub.id });
  for (const stranger of [other, sandbox]) {
    assertError(await stranger.call('GET', `/ledger/invoices/${inv.id}`), 404, 'invoice_not_found');
    assertError(await stranger.call('POST', `/ledger/invoices/${inv.id}/finalize`), 404, 'invoice_not_found');
    assertError(await stranger.call('POST', '/ledger/invoices', { subscription_id: sub.id }), 404, 'subscription_not_found');
  }
  // Another tenant in context: not found either.
  assertError(await app.as('someone-else')('GET', `/ledger/invoices/${inv.id}`), 404, 'invoice_not_found');
  assertError(await app.call('GET', '/ledger/invoices/INV-2025-9999'), 404, 'invoice_not_found');
  assertError(await app.call('GET', '/ledger/invoices/nonsense'), 404, 'invoice_not_found');
  assertError(await app.call('GET', '/ledger/invoices?start=yesterday'), 400, 'invalid_input', 'start');
  assertError(await app.call('GET', '/ledger/invoices?status=open'), 400, 'invalid_input');
  // Nobody to bill: finalising is refused, the draft stays a draft.
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/finalize`), 400, 'invoice_incomplete');
  assert.equal((await app.call('GET', `/ledger/invoices/${inv.id}`)).json().status, 'draft');
  await app.made(`/ledger/invoices/${inv.id}/void`, {}, {}, 200);
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/void`, {}), 400, 'invoice_voided');
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/pay`, {}), 400, 'invoice_voided');
  assertError(await app.call('POST', `/ledger/invoices/${inv.id}/finalize`), 400, 'invoice_voided');
  await app.made(`/ledger/subscriptions/${sub.id}/pause`, {}, {}, 200);
  assertError(await app.call('POST', '/ledger/invoices', { subscription_id: sub.id }), 400, 'invalid_state', 'subscription_id');
  // Credit refusals.
  const customer = await app.made('/ledger/customers', customerOf('c1'), { 'x-tenant-id': 'c1' });
  assertError(await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 0 } }), 400, 'invalid_input', 'amount.amount');
  assertError(await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: -5 } }), 400, 'invalid_input', 'amount.amount');
  assertError(await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 1.5 } }), 400, 'invalid_input');
  assertError(await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 100, currency: 'eur' } }), 400, 'invalid_input', 'amount.currency');
  assertError(await app.call('POST', `/ledger/customers/${customer.id}/credit`, {}), 400, 'invalid_input', 'amount.amount');
  assertError(await other.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 100 } }), 404, 'customer_not_found');
  assertError(await app.call('PUT', '/ledger/tax-settings', { rates: [{ country: 'DE', rate: '190' }] }), 400, 'invalid_input', 'rates[0].rate');
  // A replay of a credit with its Idempotency-Key grants once.
  const key = { 'idempotency-key': 'credit-once' };
  const first = await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 700 } }, key);
  const again = await app.call('POST', `/ledger/customers/${customer.id}/credit`, { amount: { amount: 700 } }, key);
  assert.equal(again.body, first.body);
  assert.equal((await app.call('GET', `/ledger/customers/${customer.id}`)).json().balance.amount, -700);
});

test('100 parallel finalisations take 100 consecutive numbers, none skipped or repeated', async () => {
  t.clock.set('2025-06-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('flat100', 1000));
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    await app.made('/ledger/customers', customerOf(`t${i}`), { 'x-tenant-id': `t${i}` });
    const sub = await app.made('/ledger/subscriptions', { tenant_id: `t${i}`, plan_id: plan.id });
    ids.push((await app.made('/ledger/invoices', { subscription_id: sub.id })).id);
  }
  const answers = await Promise.all(ids.map((id) => app.call('POST', `/ledger/invoices/${id}/finalize`)));
  for (const a of answers) assert.equal(a.statusCode, 200, a.body);
  const numbers = answers.map((a) => a.json().number).sort();
  assert.deepEqual(numbers, Array.from({ length: 100 }, (_, k) => `INV-2025-${String(k + 1).padStart(4, '0')}`));
  await assertReceivablesMatch(app);
});

test('the PDF: a real document with the app, customer, address, tax id, lines, totals, number and dates in the currency', async () => {
  t.clock.set('2025-07-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', metered('m4', { currency: 'eur', pricing: { base_amount: { amount: 123456 }, billing_period: 'monthly', tiers: [{ feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 3 } }] } }));
  await app.made(
    '/ledger/customers',
    customerOf('pdf', { name: 'Alice Johnson', currency: 'eur', billing_address: { line1: '123 Main St', city: 'Berlin', postal_code: '10115', country: 'DE' }, tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }] }),
    { 'x-tenant-id': 'pdf' },
  );
  assert.equal((await app.call('PUT', '/ledger/tax-settings', { rates: [{ country: 'DE', rate: '19' }] })).statusCode, 200);
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'pdf', plan_id: plan.id });
  t.clock.set('2025-07-02T00:00:00.000Z');
  await app.as('pdf')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1500, timestamp: '2025-07-01T12:00:00Z' });
  const inv = await app.made('/ledger/invoices', { subscription_id: sub.id });
  const fin = await app.made(`/ledger/invoices/${inv.id}/finalize`, {}, {}, 200);
  const res = await app.call('GET', `/ledger/invoices/${fin.number}/pdf`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.equal(res.rawPayload.subarray(0, 5).toString(), '%PDF-');
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(res.rawPayload)), { mergePages: true });
  for (const expected of ['Billing app', 'Alice Johnson', '123 Main St', '10115 Berlin', 'DE', 'Tax ID (eu_vat): DE123456789', fin.number, 'Base subscription fee', '€1234.56', 'API Calls overage', '500', '€0.03', '€15.00', 'Subtotal', '€1249.56', 'Tax (19%)', '€237.42', 'Total', '€1486.98', '2025-07-02', '2025-08-01', '2025-07-01 to 2025-08-01']) {
    assert.ok(text.includes(expected), `${expected} in ${text}`);
  }
  assert.deepEqual([fin.subtotal.amount, fin.tax_amount.amount, fin.total.amount], [124956, 23742, 148698]);
  assertError(await app.call('GET', '/ledger/invoices/inv_01hqx3qgf2c8mhwy9s6zwmf3yh/pdf'), 404, 'invoice_not_found');
});
