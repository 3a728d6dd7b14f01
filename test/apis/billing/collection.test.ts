import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import { setProviderAccount } from '../../../src/billing/providers/accounts.ts';
import { bookBalances } from '../../../src/billing/books.ts';
import { BillingScheduler } from '../../../src/billing/scheduler.ts';
import { billingSettings } from '../../../src/apis/billing/settings.ts';
import type { KeyMode } from '../../../src/platform/identity/key-formats.ts';

let t: TestApp;
let stripe: FakeStripe;
let close: () => Promise<void>;
before(async () => ({ t, stripe, close } = await startWithFakeProviders()));
after(() => close());

const DAY = 86_400_000;

/** A sandbox app on Stripe whose tenant `acme` pays 4999 a month with `token` as its default card. */
async function subscribed(token: string, mode: KeyMode = 'sandbox') {
  const app = await billingApp(t, { mode });
  await t.db.transaction((tx) => setProviderAccount(tx, { orgId: app.orgId, mode }, { provider: 'stripe', apiKey: stripe.key, webhookSecret: 'whsec_x' }, t.clock.now()));
  const customer = await app.made('/ledger/customers', { name: 'Alice', email: `alice-${app.orgId}@example.com` }, { 'x-tenant-id': 'acme' });
  const plan = await app.made('/ledger/plans', simplePlan('p', 4999));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  await app.made('/ledger/payment-methods', { customer_id: customer.id, token });
  const advance = async (to: Date) => {
    const res = await app.call('POST', '/ledger/test-clock/advance', { to: to.toISOString() });
    assert.equal(res.statusCode, 200, res.body);
  };
  const state = async () => {
    const invoices = (await app.call('GET', '/ledger/invoices')).json().data;
    const payments = (await app.call('GET', '/ledger/payments?limit=100')).json().data;
    const subscription = (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
    return { invoices, payments, subscription };
  };
  const types = async () => (await t.db.query<{ type: string }>(`SELECT type FROM webhook_events WHERE org_id = $1 AND (type LIKE 'payment.%' OR type LIKE 'invoice.pa%' OR type IN ('subscription.past_due', 'subscription.recovered', 'subscription.canceled')) ORDER BY id`, [app.orgId])).map((r) => r.type);
  return { ...app, customer, sub, periodEnd: new Date(sub.current_period_end), advance, state, types, mode };
}

test('collection under the test clock: the period-end invoice is charged at once; a decline makes it and the subscription past_due; a retry after a new card recovers both', async () => {
  const app = await subscribed('tok_chargeDeclined');
  const first = new Date(app.periodEnd.getTime() + 60_000);
  await app.advance(first);
  let s = await app.state();
  assert.equal(s.invoices.length, 1);
  const [invoice] = s.invoices;
  assert.deepEqual([invoice.status, invoice.amount_due.amount], ['past_due', 4999]);
  assert.equal(s.subscription.status, 'past_due');
  assert.deepEqual(s.payments.map((p: any) => [p.status, p.collection_attempt, p.idempotency_key]), [['failed', 1, `${invoice.id}:collection:1`]]);

  // Retry 1, a day after the first failure: declined again.
  await app.advance(new Date(first.getTime() + DAY + 1000));
  s = await app.state();
  assert.deepEqual(s.payments.map((p: any) => [p.status, p.collection_attempt]), [['failed', 2], ['failed', 1]]);
  // Nothing more before retry 2 (3 days after the first failure).
  await app.advance(new Date(first.getTime() + 2 * DAY));
  assert.equal((await app.state()).payments.length, 2);

  await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_visa', set_default: true });
  await app.advance(new Date(first.getTime() + 3 * DAY + 1000));
  s = await app.state();
  assert.deepEqual(s.payments.map((p: any) => [p.status, p.collection_attempt]), [['succeeded', 3], ['failed', 2], ['failed', 1]]);
  assert.equal(s.invoices[0].status, 'paid');
  assert.equal(s.subscription.status, 'active');
  assert.deepEqual(await app.types(), ['payment.failed', 'invoice.past_due', 'subscription.past_due', 'payment.failed', 'invoice.paid', 'subscription.recovered', 'payment.succeeded']);
  const scope = { orgId: app.orgId, mode: app.mode };
  assert.equal((await bookBalances(t.core.ledger, t.db, scope, 'cash:stripe:')).get('cash:stripe:usd'), 4999n);
  assert.equal((await bookBalances(t.core.ledger, t.db, scope, 'receivable:')).get(`receivable:${app.customer.id}:usd`) ?? 0n, 0n);
  // Paid: the last retry day passes with nothing more charged.
  await app.advance(new Date(first.getTime() + 8 * DAY));
  assert.equal((await app.state()).payments.length, 3);
});

test('dunning gives up after 3 retries over 7 days: the subscription is canceled (the default), or kept past_due when the app says keep', async () => {
  for (const rule of ['cancel', 'keep'] as const) {
    const app = await subscribed('tok_chargeDeclined');
    if (rule === 'keep') {
      assertError(await app.call('PUT', '/ledger/collection-settings', { after_final_failure: 'never' }), 400, 'invalid_input', 'after_final_failure');
      const set = await app.call('PUT', '/ledger/collection-settings', { after_final_failure: 'keep' });
      assert.deepEqual(set.json(), { retry_days: [1, 3, 7], after_final_failure: 'keep' });
    } else {
      assert.deepEqual((await app.call('GET', '/ledger/collection-settings')).json(), { retry_days: [1, 3, 7], after_final_failure: 'cancel' });
    }
    const first = new Date(app.periodEnd.getTime() + 60_000);
    await app.advance(first);
    for (const day of [1, 3, 7]) {
      assert.notEqual((await app.state()).subscription.status, 'canceled');
      await app.advance(new Date(first.getTime() + day * DAY + 1000));
    }
    const s = await app.state();
    assert.deepEqual(s.payments.map((p: any) => p.collection_attempt), [4, 3, 2, 1]);
    assert.ok(s.payments.every((p: any) => p.status === 'failed'));
    assert.equal(s.invoices[0].status, 'past_due');
    assert.equal(s.subscription.status, rule === 'cancel' ? 'canceled' : 'past_due', rule);
    // Nothing is tried again.
    await app.advance(new Date(first.getTime() + 9 * DAY));
    assert.equal((await app.state()).payments.length, 4);
    // Paid by hand later: a kept subscription is active again.
    const paid = await app.call('POST', `/ledger/invoices/${s.invoices[0].id}/pay`, { payment_ref: 'wire-42' });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal((await app.state()).subscription.status, rule === 'cancel' ? 'canceled' : 'active');
  }
});

test('the scheduler collects a finalised live invoice with the default card; a customer without one is left to pay otherwise', async () => {
  const scheduler = new BillingScheduler(t.db, t.core.writes, t.clock, (e) => assert.fail(String(e)), t.core.ledger, billingSettings({ STRIPE_API_BASE: stripe.url }).providers);
  const app = await subscribed('tok_visa', 'live');
  const draft = await app.made('/ledger/invoices', { subscription_id: app.sub.id });
  const invoice = await app.made(`/ledger/invoices/${draft.id}/finalize`, {}, {}, 200);
  assert.equal(invoice.status, 'pending');
  const charges = stripe.payments.charges;
  await scheduler.runDue(t.clock.now());
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');
  assert.equal(stripe.payments.charges, charges + 1);
  await scheduler.runDue(t.clock.now());
  assert.equal(stripe.payments.charges, charges + 1, 'charged once');

  // No payment method: nothing charged, the invoice waits.
  const bare = await billingApp(t);
  await t.db.transaction((tx) => setProviderAccount(tx, { orgId: bare.orgId, mode: 'live' }, { provider: 'stripe', apiKey: stripe.key, webhookSecret: null }, t.clock.now()));
  await bare.made('/ledger/customers', { name: 'Bob', email: `bob-${bare.orgId}@example.com` }, { 'x-tenant-id': 'bob' });
  const plan = await bare.made('/ledger/plans', simplePlan('p', 1000));
  const sub = await bare.made('/ledger/subscriptions', { tenant_id: 'bob', plan_id: plan.id });
  const d2 = await bare.made('/ledger/invoices', { subscription_id: sub.id });
  await bare.made(`/ledger/invoices/${d2.id}/finalize`, {}, {}, 200);
  await scheduler.runDue(t.clock.now());
  assert.equal((await bare.call('GET', `/ledger/invoices/${d2.id}`)).json().status, 'pending');
  assert.equal((await bare.call('GET', '/ledger/payments')).json().pagination.total, 0);
  const [row] = await t.db.query<{ next_collection_at: Date | null }>(`SELECT next_collection_at FROM billing_invoices WHERE org_id = $1`, [bare.orgId]);
  assert.equal(row.next_collection_at, null);
});

test('two schedulers collecting at once charge an invoice once', async () => {
  const endpoints = billingSettings({ STRIPE_API_BASE: stripe.url }).providers;
  const schedulers = [1, 2].map(() => new BillingScheduler(t.db, t.core.writes, t.clock, (e) => assert.fail(String(e)), t.core.ledger, endpoints));
  const app = await subscribed('tok_visa', 'live');
  const draft = await app.made('/ledger/invoices', { subscription_id: app.sub.id });
  const invoice = await app.made(`/ledger/invoices/${draft.id}/finalize`, {}, {}, 200);
  const charges = stripe.payments.charges;
  await Promise.all(schedulers.map((s) => s.runDue(t.clock.now())));
  assert.equal(stripe.payments.charges, charges + 1);
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');
  assert.equal((await app.call('GET', '/ledger/payments')).json().pagination.total, 1);
});
