import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import { setProviderAccount } from '../../../src/billing/providers/accounts.ts';

let t: TestApp;
let stripe: FakeStripe;
let close: () => Promise<void>;
before(async () => ({ t, stripe, close } = await startWithFakeProviders()));
after(() => close());

const metered = simplePlan('metered', 4900, {
  features: [
    { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000, period: 'monthly' },
    { key: 'sso', name: 'SSO', type: 'boolean', limit: 1, period: 'none' },
  ],
  pricing: { base_amount: { amount: 4900 }, billing_period: 'monthly', tiers: [{ feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 3 } }] },
});

test("the export holds everything the reference lists about one customer, and nothing of another customer's or another app's", async () => {
  t.clock.set('2025-01-15T00:00:00.000Z');
  // Two apps, each with customers of the same tenant names.
  const a = await billingApp(t);
  const b = await billingApp(t);
  const planA = await a.made('/ledger/plans', metered);
  const planB = await b.made('/ledger/plans', metered);
  const acme = await a.made('/ledger/customers', { name: 'Acme', email: 'billing@acme.example' }, { 'x-tenant-id': 'acme' });
  const globex = await a.made('/ledger/customers', { name: 'Globex', email: 'billing@globex.example' }, { 'x-tenant-id': 'globex' });
  const acmeInB = await b.made('/ledger/customers', { name: 'Acme in B', email: 'billing@acme.example' }, { 'x-tenant-id': 'acme' });
  const subAcme = await a.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: planA.id });
  await a.made('/ledger/subscriptions', { tenant_id: 'globex', plan_id: planA.id });
  await b.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: planB.id });

  t.clock.set('2025-01-20T00:00:00.000Z');
  const event = (app: typeof a, tenant: string, quantity: number, key: string) => app.as(tenant)('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity, idempotency_key: key });
  assert.equal((await event(a, 'acme', 700, 'a-1')).statusCode, 202);
  assert.equal((await event(a, 'acme', 800, 'a-2')).statusCode, 202);
  assert.equal((await event(a, 'globex', 5, 'g-1')).statusCode, 202);
  assert.equal((await event(b, 'acme', 9, 'b-1')).statusCode, 202);
  // An invoice each, acme's paid.
  const invAcme = await a.made('/ledger/invoices', { subscription_id: subAcme.id });
  await a.made(`/ledger/invoices/${invAcme.id}/finalize`, {}, {}, 200);
  // Paid by card through the app's Stripe account: the export lists that payment.
  await t.db.transaction((tx) => setProviderAccount(tx, { orgId: a.orgId, mode: 'live' }, { provider: 'stripe', apiKey: stripe.key, webhookSecret: 'whsec_test' }, t.clock.now()));
  await a.made('/ledger/payment-methods', { customer_id: acme.id, token: 'tok_visa_4242', set_default: true });
  const payment = await a.made('/ledger/payments', { invoice_id: invAcme.id });
  const paid = (await a.call('GET', `/ledger/invoices/${invAcme.id}`)).json();
  await a.made('/ledger/invoices', { subscription_id: (await a.as('globex')('GET', '/ledger/subscriptions')).json().data[0].id });

  t.clock.set('2025-01-21T00:00:00.000Z');
  const res = await a.call('GET', `/ledger/customers/${acme.id}/export`);
  assert.equal(res.statusCode, 200, res.body);
  const x = res.json();
  assert.deepEqual(Object.keys(x).sort(), ['customer', 'entitlement_checks', 'exported_at', 'invoices', 'payments', 'subscriptions', 'usage_events']);
  assert.deepEqual(x.customer, (await a.call('GET', `/ledger/customers/${acme.id}`)).json());
  assert.deepEqual(x.subscriptions.map((s: any) => s.id), [subAcme.id]);
  assert.deepEqual(x.invoices, [paid]);
  assert.equal(paid.status, 'paid');
  assert.deepEqual(x.payments, [(await a.call('GET', `/ledger/payments/${payment.id}`)).json()]);
  assert.equal(x.payments[0].status, 'succeeded');
  assert.deepEqual(x.usage_events.map((e: any) => [e.tenant_id, e.quantity, e.idempotency_key]).sort(), [['acme', 700, 'a-1'], ['acme', 800, 'a-2']]);
  assert.deepEqual(
    x.entitlement_checks.map((c: any) => [c.feature, c.allowed, c.used, c.limit]),
    [['api_calls', false, 1500, 1000], ['sso', true, 0, 1]],
  );
  assert.equal(x.exported_at, '2025-01-21T00:00:00.000Z');

  // Globex's export is globex's alone.
  const g = (await a.call('GET', `/ledger/customers/${globex.id}/export`)).json();
  assert.equal(g.customer.id, globex.id);
  assert.deepEqual(g.usage_events.map((e: any) => e.idempotency_key), ['g-1']);
  assert.equal(g.invoices.length, 1);
  assert.notEqual(g.invoices[0].id, paid.id);
  assert.deepEqual(g.payments, []);

  // Another app's key: app A's customer id is no customer of B's; B's own acme sees B's data only.
  assertError(await b.call('GET', `/ledger/customers/${acme.id}/export`), 404, 'customer_not_found');
  const inB = (await b.call('GET', `/ledger/customers/${acmeInB.id}/export`)).json();
  assert.deepEqual(inB.usage_events.map((e: any) => e.idempotency_key), ['b-1']);
  assert.deepEqual([inB.invoices, inB.payments], [[], []]);
  // A tenant in context reaches only its own customer.
  assertError(await a.as('globex')('GET', `/ledger/customers/${acme.id}/export`), 404, 'customer_not_found');
  // No live subscription: no entitlement checks to show.
  await a.made(`/ledger/subscriptions/${subAcme.id}/cancel`, { immediately: true }, {}, 200);
  assert.deepEqual((await a.call('GET', `/ledger/customers/${acme.id}/export`)).json().entitlement_checks, []);
});
