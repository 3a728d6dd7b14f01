import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import type { FakePaddle } from '../../helpers/fake-paddle.ts';
import { setProviderAccount, getProviderAccount } from '../../../src/billing/providers/accounts.ts';
import { bookBalances } from '../../../src/billing/books.ts';
import { openPayment, listCustomerPayments } from '../../../src/billing/payments.ts';
import { chargeAtProvider } from '../../../src/billing/payment-calls.ts';
import { billingSettings } from '../../../src/apis/billing/settings.ts';
import { parseId } from '../../../src/platform/ids.ts';
import type { KeyMode } from '../../../src/platform/identity/key-formats.ts';

let t: TestApp;
let stripe: FakeStripe;
let paddle: FakePaddle;
let close: () => Promise<void>;
before(async () => ({ t, stripe, paddle, close } = await startWithFakeProviders()));
after(() => close());

type App = Awaited<ReturnType<typeof billingApp>> & { customer: any; mode: KeyMode };

/** An app with `provider`, a customer of tenant `acme` and a 4999 monthly plan it is subscribed to. */
async function appWith(provider: 'stripe' | 'paddle' | null, mode: KeyMode = 'live'): Promise<App> {
  const app = await billingApp(t, { mode });
  if (provider) {
    const apiKey = provider === 'stripe' ? stripe.key : paddle.key;
    await t.db.transaction((tx) => setProviderAccount(tx, { orgId: app.orgId, mode }, { provider, apiKey, webhookSecret: 'whsec_test' }, t.clock.now()));
  }
  const customer = await app.made('/ledger/customers', { name: 'Alice Johnson', email: `alice-${app.orgId}@example.com` }, { 'x-tenant-id': 'acme' });
  const plan = await app.made('/ledger/plans', simplePlan('p', 4999));
  await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  return { ...app, customer, mode };
}

/** A finalised invoice of the current period (voids the previous one so a period can be billed again). */
async function pendingInvoice(app: App) {
  const subs = (await app.call('GET', '/ledger/subscriptions')).json().data;
  for (const old of (await app.call('GET', '/ledger/invoices?status=draft')).json().data) await app.made(`/ledger/invoices/${old.id}/void`, {}, {}, 200);
  for (const old of (await app.call('GET', '/ledger/invoices?status=pending')).json().data) await app.made(`/ledger/invoices/${old.id}/void`, {}, {}, 200);
  const draft = await app.made('/ledger/invoices', { subscription_id: subs[0].id });
  return app.made(`/ledger/invoices/${draft.id}/finalize`, {}, {}, 200);
}

async function addCard(app: App, token: string, setDefault = true) {
  return app.made('/ledger/payment-methods', { customer_id: app.customer.id, token, set_default: setDefault });
}

async function events(app: App, prefix: string) {
  return (await t.db.query<{ type: string; body: string }>(`SELECT type, body FROM webhook_events WHERE org_id = $1 AND type LIKE $2 ORDER BY id`, [app.orgId, `${prefix}%`])).map((e) => ({ type: e.type, data: JSON.parse(e.body).data }));
}

/** Each customer's receivable equals what their unpaid invoices ask; and cash and refunds as given. */
async function assertBooks(app: App, expected: Record<string, bigint>) {
  const scope = { orgId: app.orgId, mode: app.mode };
  const receivable = await bookBalances(t.core.ledger, t.db, scope, 'receivable:');
  const invoices = (await app.call('GET', '/ledger/invoices?limit=100')).json().data;
  const owed = new Map<string, bigint>();
  for (const i of invoices) if (i.status === 'pending' || i.status === 'past_due') owed.set(`receivable:${i.customer_id}:usd`, (owed.get(`receivable:${i.customer_id}:usd`) ?? 0n) + BigInt(i.amount_due.amount));
  for (const [code, balance] of receivable) assert.equal(balance, owed.get(code) ?? 0n, code);
  for (const [code, amount] of owed) assert.equal(receivable.get(code) ?? 0n, amount, code);
  for (const [code, amount] of Object.entries(expected)) {
    const got = await bookBalances(t.core.ledger, t.db, scope, code);
    assert.equal(got.get(code) ?? 0n, amount, code);
  }
}

test('no provider configured: 500 provider_not_configured, nothing recorded', async () => {
  const app = await appWith(null);
  const invoice = await pendingInvoice(app);
  const res = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
  assertError(res, 500, 'provider_not_configured');
  assert.equal(res.json().error.type, 'provider');
  assert.equal((await app.call('GET', '/ledger/payments')).json().pagination.total, 0);
});

test('Stripe: the reference example charges the invoice; the same idempotency_key is the same payment; refunds partial and full', async () => {
  const app = await appWith('stripe');
  const card = await addCard(app, 'tok_visa_4242');
  const invoice = await pendingInvoice(app);
  assert.equal(invoice.amount_due.amount, 4999);
  const charges = stripe.payments.charges;
  const body = { invoice_id: invoice.id, customer_id: app.customer.id, amount: { amount: 4999, currency: 'usd' }, payment_method_id: card.id, idempotency_key: `inv:${invoice.id}` };
  const res = await app.call('POST', '/ledger/payments', body);
  assert.equal(res.statusCode, 201, res.body);
  const payment = res.json();
  assert.match(payment.id, /^pay_[0-9a-z]{26}$/);
  assert.match(payment.processor_id, /^pi_/);
  assert.deepEqual(
    [payment.invoice_id, payment.customer_id, payment.amount, payment.status, payment.processor_name, payment.payment_method_id, payment.idempotency_key],
    [invoice.id, app.customer.id, { amount: 4999, currency: 'usd', display: '$49.99' }, 'succeeded', 'stripe', card.id, `inv:${invoice.id}`],
  );
  assert.equal(stripe.payments.charges, charges + 1);
  const intent = stripe.payments.intents.get(payment.processor_id);
  assert.equal(intent.metadata.kontor_payment, payment.id);
  const paid = (await app.call('GET', `/ledger/invoices/${invoice.id}`)).json();
  assert.deepEqual([paid.status, paid.payment_ref], ['paid', payment.processor_id]);
  await assertBooks(app, { 'cash:stripe:usd': 4999n });

  // Again with the same key: the same payment, no second charge.
  const again = await app.call('POST', '/ledger/payments', body);
  assert.equal(again.statusCode, 201, again.body);
  assert.equal(again.json().id, payment.id);
  assert.equal(stripe.payments.charges, charges + 1);
  // A new key on a paid invoice: invoice_paid.
  assertError(await app.call('POST', '/ledger/payments', { ...body, idempotency_key: 'other' }), 400, 'invoice_paid', 'invoice_id');

  assert.deepEqual((await events(app, 'payment.')).map((e) => [e.type, e.data.id, e.data.status]), [['payment.succeeded', payment.id, 'succeeded']]);
  assert.deepEqual((await events(app, 'invoice.paid')).map((e) => e.data.id), [invoice.id]);

  // Refunds: the reference's partial example, another partial, too much, the rest, then nothing left.
  const partial = await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 2500, currency: 'usd' }, reason: 'Customer requested partial refund' });
  assert.equal(partial.statusCode, 200, partial.body);
  assert.deepEqual([partial.json().status, partial.json().refunded_amount, partial.json().refund_reason], ['refunded', { amount: 2500, currency: 'usd', display: '$25.00' }, 'Customer requested partial refund']);
  assertError(await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 2500 } }), 400, 'invalid_amount', 'amount.amount');
  assertError(await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 0 } }), 400, 'invalid_amount', 'amount.amount');
  assertError(await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 10, currency: 'eur' } }), 400, 'invalid_amount', 'amount.currency');
  const rest = await app.call('POST', `/ledger/payments/${payment.id}/refund`, {});
  assert.equal(rest.statusCode, 200, rest.body);
  assert.equal(rest.json().refunded_amount.amount, 4999);
  assertError(await app.call('POST', `/ledger/payments/${payment.id}/refund`), 400, 'invalid_state', 'id');
  assert.equal([...stripe.payments.refunds.values()].filter((r) => r.payment_intent === payment.processor_id).reduce((s, r) => s + r.amount, 0), 4999);
  // The invoice stays paid; the receivable is untouched; cash went back through refunds.
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');
  await assertBooks(app, { 'cash:stripe:usd': 0n, 'refunds:usd': -4999n });
  assert.deepEqual((await events(app, 'payment.refunded')).map((e) => e.data.refunded_amount.amount), [2500, 4999]);

  // The portal's and export's list.
  const listed = await listCustomerPayments(t.db, { orgId: app.orgId, mode: 'live' }, parseId('cst', app.customer.id)!);
  assert.deepEqual(listed.map((p) => [p.id, p.invoiceId, p.invoiceNumber, p.amount, p.currency, p.status, p.refundedAmount]), [[payment.id, invoice.id, paid.number, 4999n, 'usd', 'refunded', 4999n]]);
});

test('a refund the provider refuses (here: the app moved to another provider since the charge) is 402 refund_failed; the payment and the books are unchanged', async () => {
  const app = await appWith('stripe');
  await addCard(app, 'tok_visa_4242');
  const invoice = await pendingInvoice(app);
  const payment = await app.made('/ledger/payments', { invoice_id: invoice.id });
  assert.equal(payment.status, 'succeeded');
  await t.db.transaction((tx) => setProviderAccount(tx, { orgId: app.orgId, mode: 'live' }, { provider: 'paddle', apiKey: paddle.key, webhookSecret: 'whsec_test' }, t.clock.now()));
  const refused = await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 1000 } });
  assertError(refused, 402, 'refund_failed', 'amount');
  assert.equal(refused.json().error.details.payment_id, payment.id);
  const after = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.deepEqual([after.status, after.refunded_amount.amount], ['succeeded', 0]);
  await assertBooks(app, { 'cash:stripe:usd': 4999n });
  assert.deepEqual(await events(app, 'payment.refunded'), []);
});

test('a declined card: 402 payment_failed naming the payment, recorded failed with payment.failed; the next attempt with another card succeeds', async () => {
  const app = await appWith('stripe');
  await addCard(app, 'tok_chargeDeclined');
  const invoice = await pendingInvoice(app);
  const res = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
  assertError(res, 402, 'payment_failed');
  assert.equal(res.json().error.type, 'payment');
  const failedId = res.json().error.details.payment_id;
  const failed = (await app.call('GET', `/ledger/payments/${failedId}`)).json();
  assert.deepEqual([failed.status, failed.failure_message, failed.idempotency_key], ['failed', 'Your card was declined.', `${invoice.id}:attempt:1`]);
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'pending');
  assert.deepEqual((await events(app, 'payment.')).map((e) => e.type), ['payment.failed']);
  assertError(await app.call('POST', `/ledger/payments/${failedId}/refund`, {}), 400, 'invalid_state');

  await addCard(app, 'tok_mastercard');
  const ok = await app.call('POST', '/ledger/payments', { invoice_id: invoice.number });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.deepEqual([ok.json().status, ok.json().idempotency_key], ['succeeded', `${invoice.id}:attempt:2`]);
  const list = (await app.call('GET', `/ledger/payments?invoice_id=${invoice.id}`)).json();
  assert.deepEqual(list.data.map((p: any) => p.status), ['succeeded', 'failed']);
  assert.equal((await app.call('GET', '/ledger/payments?status=failed')).json().pagination.total, 1);
  await assertBooks(app, { 'cash:stripe:usd': 4999n });
});

test('a crash after Stripe charged and before Kontor recorded it: the same request again finds the payment and Stripe answers the first charge', async () => {
  const app = await appWith('stripe');
  await addCard(app, 'tok_visa');
  const invoice = await pendingInvoice(app);
  const scope = { orgId: app.orgId, mode: 'live' as const };
  const endpoints = billingSettings({ STRIPE_API_BASE: stripe.url }).providers;
  // Steps 1 and 2 of a request, then the process dies.
  const opened = await t.db.transaction(async (tx) => openPayment(tx, scope, await getProviderAccount(tx, scope), { invoice: { id: parseId('inv', invoice.id) }, tenantId: null }, t.clock.now()));
  const first = await chargeAtProvider(t.db, scope, endpoints, opened, invoice.number);
  assert.equal(first.status, 'succeeded');
  const charges = stripe.payments.charges;
  // While it is pending, another key is refused (no second charge of one invoice at once).
  assertError(await app.call('POST', '/ledger/payments', { invoice_id: invoice.id, idempotency_key: 'another' }), 400, 'invalid_state', 'invoice_id');
  const retried = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
  assert.equal(retried.statusCode, 201, retried.body);
  assert.equal(retried.json().processor_id, first.providerId);
  assert.equal(retried.json().status, 'succeeded');
  assert.equal(stripe.payments.charges, charges, 'no second charge');
  await assertBooks(app, { 'cash:stripe:usd': 4999n });
});

test('Paddle: a charge and a partial refund through Paddle Billing', async () => {
  const app = await appWith('paddle');
  const ctm = (await (await fetch(`${paddle.url}/customers`, { method: 'POST', headers: { authorization: `Bearer ${paddle.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: app.customer.email, name: 'Alice' }) })).json()).data.id;
  await app.made('/ledger/payment-methods', { customer_id: app.customer.id, token: paddle.savePaymentMethod(ctm) });
  const invoice = await pendingInvoice(app);
  const res = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
  assert.equal(res.statusCode, 201, res.body);
  const payment = res.json();
  assert.match(payment.processor_id, /^txn_/);
  assert.equal(payment.processor_name, 'paddle');
  assert.equal(paddle.transactions.get(payment.processor_id).custom_data.kontor_payment, payment.id);
  const refund = await app.call('POST', `/ledger/payments/${payment.id}/refund`, { amount: { amount: 999 } });
  assert.equal(refund.statusCode, 200, refund.body);
  assert.equal(refund.json().refunded_amount.amount, 999);
  await assertBooks(app, { 'cash:paddle:usd': 4000n, 'refunds:usd': -999n });
});

test('payments: the documented errors, other tenants, apps and modes are 404, Idempotency-Key replays', async () => {
  const app = await appWith('stripe');
  await addCard(app, 'tok_visa');
  const invoice = await pendingInvoice(app);
  const pay = (body: object, extra: Record<string, string> = {}) => app.call('POST', '/ledger/payments', body, extra);
  assertError(await pay({}), 400, 'invalid_input', 'invoice_id');
  assertError(await pay({ invoice_id: 'inv_01hqx3qfz5ekth2h5y6z6r099x' }), 404, 'invoice_not_found', 'invoice_id');
  assertError(await pay({ invoice_id: invoice.id }, { 'x-tenant-id': 'globex' }), 404, 'invoice_not_found');
  assertError(await pay({ invoice_id: invoice.id, amount: { amount: 100, currency: 'usd' } }), 400, 'invalid_amount', 'amount.amount');
  assertError(await pay({ invoice_id: invoice.id, customer_id: 'cst_01hqx3qfz5ekth2h5y6z6r099x' }), 400, 'invalid_input', 'customer_id');
  assertError(await pay({ invoice_id: invoice.id, payment_method_id: 'pm_01hqx3qfz5ekth2h5y6z6r099x' }), 400, 'invalid_input', 'payment_method_id');
  assertError(await pay({ invoice_id: invoice.id, amount: 5 }), 400, 'invalid_input');
  const subs = (await app.call('GET', '/ledger/subscriptions')).json().data;
  const voided = await app.made(`/ledger/invoices/${invoice.id}/void`, {}, {}, 200);
  assertError(await pay({ invoice_id: voided.id }), 400, 'invoice_voided', 'invoice_id');
  const draft = await app.made('/ledger/invoices', { subscription_id: subs[0].id });
  assertError(await pay({ invoice_id: draft.id }), 400, 'invalid_state', 'invoice_id');
  const open = await app.made(`/ledger/invoices/${draft.id}/finalize`, {}, {}, 200);

  const first = await pay({ invoice_id: open.id }, { 'idempotency-key': 'k1' });
  assert.equal(first.statusCode, 201, first.body);
  const replay = await pay({ invoice_id: open.id }, { 'idempotency-key': 'k1' });
  assert.equal(replay.body, first.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  const id = first.json().id;
  assertError(await app.call('GET', `/ledger/payments/${id}`, undefined, { 'x-tenant-id': 'globex' }), 404, 'payment_not_found');
  assertError(await app.call('GET', '/ledger/payments/pay_nonsense'), 404, 'payment_not_found');
  assertError(await app.call('POST', '/ledger/payments/pay_01hqx3qfz5ekth2h5y6z6r099x/refund', {}), 404, 'payment_not_found');
  assert.equal((await app.call('GET', '/ledger/payments', undefined, { 'x-tenant-id': 'globex' })).json().pagination.total, 0);
  assert.equal((await app.call('GET', `/ledger/payments?customer_id=${app.customer.id}`)).json().pagination.total, 1);
  const other = await appWith('stripe');
  assertError(await other.call('GET', `/ledger/payments/${id}`), 404, 'payment_not_found');
  const sandbox = await appWith('stripe', 'sandbox');
  assertError(await sandbox.call('GET', `/ledger/payments/${id}`), 404, 'payment_not_found');
  // A refund with an Idempotency-Key replays and refunds once.
  const r1 = await app.call('POST', `/ledger/payments/${id}/refund`, { amount: { amount: 100 } }, { 'idempotency-key': 'r1' });
  const r2 = await app.call('POST', `/ledger/payments/${id}/refund`, { amount: { amount: 100 } }, { 'idempotency-key': 'r1' });
  assert.equal(r1.statusCode, 200, r1.body);
  assert.equal(r2.body, r1.body);
  assert.equal((await app.call('GET', `/ledger/payments/${id}`)).json().refunded_amount.amount, 100);
});
