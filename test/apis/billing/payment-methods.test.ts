import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import type { FakePaddle } from '../../helpers/fake-paddle.ts';
import { setProviderAccount } from '../../../src/billing/providers/accounts.ts';
import { billingCommands } from '../../../src/apis/billing/commands.ts';
import type { KeyMode } from '../../../src/platform/identity/key-formats.ts';

let t: TestApp;
let stripe: FakeStripe;
let paddle: FakePaddle;
let close: () => Promise<void>;
before(async () => ({ t, stripe, paddle, close } = await startWithFakeProviders()));
after(() => close());

async function appWith(provider: 'stripe' | 'paddle' | null, mode: KeyMode = 'live') {
  const app = await billingApp(t, { mode });
  if (provider) {
    const apiKey = provider === 'stripe' ? stripe.key : paddle.key;
    await t.db.transaction((tx) => setProviderAccount(tx, { orgId: app.orgId, mode }, { provider, apiKey, webhookSecret: 'whsec_test' }, t.clock.now()));
  }
  const customer = await app.made('/ledger/customers', { name: 'Alice Johnson', email: `alice-${app.orgId}@example.com` }, { 'x-tenant-id': 'acme-corp' });
  return { ...app, customer };
}

test('no provider configured: adding is 500 provider_not_configured (its message kept), the list is empty', async () => {
  const app = await appWith(null);
  const res = await app.call('POST', '/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_visa_4242', set_default: true });
  assertError(res, 500, 'provider_not_configured');
  assert.equal(res.json().error.type, 'provider');
  assert.match(res.json().error.message, /kontor billing provider set/);
  const list = await app.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`);
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json(), []);
});

test('Stripe: the reference example adds a card (201); the first is the default, set_default moves it; a provider customer is made once', async () => {
  const app = await appWith('stripe');
  const before = stripe.payments.customers.size;
  const res = await app.call('POST', '/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_visa_4242', set_default: true });
  assert.equal(res.statusCode, 201, res.body);
  const visa = res.json();
  assert.match(visa.id, /^pm_[0-9a-z]{26}$/);
  assert.match(visa.provider_id, /^pm_[0-9a-f]{24}$/);
  assert.deepEqual(
    { ...visa, id: undefined, provider_id: undefined, created_at: undefined },
    { id: undefined, customer_id: app.customer.id, type: 'card', last4: '4242', brand: 'visa', expiry_month: 12, expiry_year: 2030, is_default: true, provider_name: 'stripe', provider_id: undefined, created_at: undefined },
  );
  assert.equal(stripe.payments.paymentMethods.get(visa.provider_id).customer, [...stripe.payments.customers.values()].at(-1).id);
  const master = await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_mastercard' });
  assert.equal(master.is_default, false);
  assert.equal(stripe.payments.customers.size, before + 1);
  const declined = await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_chargeDeclined', set_default: true });
  assert.equal(declined.is_default, true);
  const list = (await app.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`)).json();
  assert.deepEqual(list.map((m: any) => [m.last4, m.is_default]), [['0002', true], ['4242', false], ['4444', false]]);

  // Deleting the default makes the oldest other one the default; the provider detaches it.
  const del = await app.call('DELETE', `/ledger/payment-methods/${declined.id}`);
  assert.equal(del.statusCode, 204, del.body);
  assert.equal(stripe.payments.paymentMethods.get(declined.provider_id).customer, null);
  assertError(await app.call('DELETE', `/ledger/payment-methods/${declined.id}`), 404, 'not_found');
  assert.deepEqual((await app.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`)).json().map((m: any) => [m.last4, m.is_default]), [['4242', true], ['4444', false]]);
});

test('payment methods: every documented error, other apps, tenants and modes → 404, replays', async () => {
  const app = await appWith('stripe');
  const post = (body: object, extra: Record<string, string> = {}) => app.call('POST', '/ledger/payment-methods', body, extra);
  assertError(await post({ token: 'tok_visa' }), 400, 'invalid_input', 'customer_id');
  assertError(await post({ customer_id: app.customer.id }), 400, 'invalid_input', 'token');
  assertError(await post({ customer_id: app.customer.id, token: 'tok_nonsense' }), 400, 'invalid_input', 'token');
  assertError(await post({ customer_id: 'cst_01hqx3qfz5ekth2h5y6z6r099x', token: 'tok_visa' }), 404, 'customer_not_found');
  assertError(await post({ customer_id: app.customer.id, token: 'tok_visa' }, { 'x-tenant-id': 'globex' }), 404, 'customer_not_found');
  assertError(await post({ customer_id: app.customer.id, token: 7 }), 400, 'invalid_input');
  assertError(await app.call('GET', '/ledger/payment-methods'), 400, 'invalid_input', 'customer_id');
  assertError(await app.call('GET', '/ledger/payment-methods?customer_id=cst_01hqx3qfz5ekth2h5y6z6r099x'), 404, 'customer_not_found');

  // The same Idempotency-Key replays the first answer and calls Stripe no more.
  const calls = stripe.requests.length;
  const first = await post({ customer_id: app.customer.id, token: 'tok_visa' }, { 'idempotency-key': 'pm-1' });
  const again = await post({ customer_id: app.customer.id, token: 'tok_visa' }, { 'idempotency-key': 'pm-1' });
  assert.equal(first.statusCode, 201, first.body);
  assert.equal(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.ok(stripe.requests.length - calls <= 4, 'a replay calls no provider');
  const method = first.json();

  const other = await appWith('stripe');
  assertError(await other.call('DELETE', `/ledger/payment-methods/${method.id}`), 404, 'not_found');
  assertError(await other.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`), 404, 'customer_not_found');
  assertError(await app.call('DELETE', `/ledger/payment-methods/${method.id}`, undefined, { 'x-tenant-id': 'globex' }), 404, 'not_found');
  assertError(await app.call('DELETE', '/ledger/payment-methods/pm_nonsense'), 404, 'not_found');
  const sandbox = await appWith('stripe', 'sandbox');
  assertError(await sandbox.call('DELETE', `/ledger/payment-methods/${method.id}`), 404, 'not_found');

  // Stripe failing is 502 provider_error, with nothing recorded.
  stripe.fail = { status: 500 };
  try {
    assertError(await post({ customer_id: app.customer.id, token: 'tok_mastercard' }), 502, 'provider_error');
  } finally {
    stripe.fail = null;
  }
  assert.equal((await app.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`)).json().length, 1);
});

test('Paddle: a method saved in Paddle Checkout is added by its id; an existing Paddle customer is found by email; delete removes it at Paddle', async () => {
  const app = await appWith('paddle');
  // The customer already exists at Paddle (a checkout made it): Kontor's create meets 409 and finds it.
  const ctm = (await (await fetch(`${paddle.url}/customers`, { method: 'POST', headers: { authorization: `Bearer ${paddle.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: app.customer.email, name: 'Alice' }) })).json()).data.id;
  const saved = paddle.savePaymentMethod(ctm, { brand: 'mastercard', last4: '5454' });
  const res = await app.call('POST', '/ledger/payment-methods', { customer_id: app.customer.id, token: saved });
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual([res.json().provider_name, res.json().provider_id, res.json().brand, res.json().last4, res.json().expiry_month, res.json().expiry_year, res.json().is_default], ['paddle', saved, 'mastercard', '5454', 11, 2031, true]);
  assertError(await app.call('POST', '/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_visa' }), 400, 'invalid_input', 'token');
  assertError(await app.call('POST', '/ledger/payment-methods', { customer_id: app.customer.id, token: 'paymtd_01hv8x2cq4s0kd9m3zv8h6k7aa' }), 400, 'invalid_input', 'token');
  assert.equal((await app.call('GET', `/ledger/payment-methods?customer_id=${app.customer.id}`)).json().length, 1);
  assert.equal((await app.call('DELETE', `/ledger/payment-methods/${res.json().id}`)).statusCode, 204);
  assert.equal(paddle.methods.has(saved), false);
});

test('kontor billing provider set / show / remove: keys masked, one provider per mode', async () => {
  const app = await billingApp(t);
  const out: string[] = [];
  const context = {
    config: t.core.config,
    io: { env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => {} } },
    withServices: <T>(fn: (s: any) => Promise<T>) => fn({ db: t.db, clock: t.clock, apiKeys: t.core.apiKeys, writes: t.core.writes, appliedMigrations: [] }),
  };
  const run = (name: string, values: Record<string, string | boolean>) => billingCommands.find((c) => c.name === name)!.run(values, context as any);
  await run('billing provider set', { org: app.orgId, provider: 'stripe', 'api-key': stripe.key, 'webhook-secret': 'whsec_abc', mode: 'sandbox' });
  out.length = 0;
  await run('billing provider show', { org: app.orgId, json: true });
  const shown = JSON.parse(out.join(''));
  assert.deepEqual(shown.map((a: any) => [a.mode, a.provider, a.api_key, a.webhook_secret]), [['sandbox', 'stripe', `…${stripe.key.slice(-4)}`, true]]);
  assert.ok(!out.join('').includes(stripe.key));
  await assert.rejects(run('billing provider set', { org: app.orgId, provider: 'square', 'api-key': 'x' }), /--provider/);
  await assert.rejects(run('billing provider set', { org: app.orgId, provider: 'stripe', 'api-key': 'x', mode: 'test' }), /--mode/);
  await run('billing provider remove', { org: app.orgId, mode: 'sandbox' });
  out.length = 0;
  await run('billing provider show', { org: app.orgId, json: true });
  assert.deepEqual(JSON.parse(out.join('')), []);
});

test('delete: the only method of a customer with an invoice waiting for payment is 400 invalid_state; with another method it goes', async () => {
  const app = await appWith('stripe');
  const plan = await app.made('/ledger/plans', { name: 'basic', slug: 'basic', currency: 'usd', status: 'active', pricing: { base_amount: { amount: 4900 }, billing_period: 'monthly' } });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  await app.made('/ledger/coupons', { code: 'TEN', type: 'percentage', percentage: 10 });
  await app.made('/ledger/coupons/TEN/redeem', { subscription_id: sub.id }, {}, 200);
  const invoice = await app.made('/ledger/invoices', { subscription_id: sub.id });
  // The coupon reaches the invoice through the invoices' seam: 4900 with 10 % → 490 off.
  const discount = invoice.line_items?.find((l: any) => l.description === 'Discount TEN') ?? invoice.lines?.find((l: any) => l.description === 'Discount TEN');
  assert.ok(discount, JSON.stringify(invoice));
  await app.made(`/ledger/invoices/${invoice.id}/finalize`, {}, {}, 200);
  const only = await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_visa' });
  assertError(await app.call('DELETE', `/ledger/payment-methods/${only.id}`), 400, 'invalid_state', 'id');
  await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: 'tok_mastercard' });
  assert.equal((await app.call('DELETE', `/ledger/payment-methods/${only.id}`)).statusCode, 204);
});
