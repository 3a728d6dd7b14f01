import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import type { TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan, startWithFakeProviders } from '../../helpers/billing.ts';
import type { FakeStripe } from '../../helpers/fake-stripe.ts';
import type { FakePaddle } from '../../helpers/fake-paddle.ts';
import { setProviderAccount } from '../../../src/billing/providers/accounts.ts';
import { bookBalances } from '../../../src/billing/books.ts';
import { loadStripe } from '../../../src/platform/stripe.ts';

let t: TestApp;
let stripe: FakeStripe;
let paddle: FakePaddle;
let close: () => Promise<void>;
// The public per-address limit as a real server has it, low: provider webhooks must not meet it.
before(async () => ({ t, stripe, paddle, close } = await startWithFakeProviders({ AUTH_RATE_PER_MINUTE_PER_ADDRESS: '5' })));
after(() => close());

const secret = () => `whsec_${randomBytes(16).toString('hex')}`;

async function appWith(provider: 'stripe' | 'paddle') {
  const app = await billingApp(t);
  const webhookSecret = secret();
  await t.db.transaction((tx) => setProviderAccount(tx, { orgId: app.orgId, mode: 'live' }, { provider, apiKey: provider === 'stripe' ? stripe.key : paddle.key, webhookSecret }, t.clock.now()));
  const customer = await app.made('/ledger/customers', { name: 'Alice', email: `alice-${app.orgId}@example.com` }, { 'x-tenant-id': 'acme' });
  const plan = await app.made('/ledger/plans', simplePlan('p', 4999));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id });
  if (provider === 'stripe') await app.made('/ledger/payment-methods', { customer_id: customer.id, token: 'tok_visa' });
  else {
    const ctm = (await (await fetch(`${paddle.url}/customers`, { method: 'POST', headers: { authorization: `Bearer ${paddle.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: customer.email, name: 'Alice' }) })).json()).data.id;
    await app.made('/ledger/payment-methods', { customer_id: customer.id, token: paddle.savePaymentMethod(ctm) });
  }
  const invoice = async () => {
    for (const old of (await app.call('GET', '/ledger/invoices?status=pending')).json().data) await app.made(`/ledger/invoices/${old.id}/void`, {}, {}, 200);
    const draft = await app.made('/ledger/invoices', { subscription_id: sub.id });
    return app.made(`/ledger/invoices/${draft.id}/finalize`, {}, {}, 200);
  };
  return { ...app, webhookSecret, customer, invoice };
}

async function stripeHook(body: object | string, webhookSecret: string, signature?: string) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const sdk = await loadStripe();
  const header = signature ?? sdk.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
  return t.request({ method: 'POST', url: '/webhooks/stripe', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, payload });
}

function paddleHook(body: object, webhookSecret: string, ts = Math.floor(Date.now() / 1000)) {
  const payload = JSON.stringify(body);
  const h1 = createHmac('sha256', webhookSecret).update(`${ts}:${payload}`).digest('hex');
  return t.request({ method: 'POST', url: '/webhooks/paddle', headers: { 'paddle-signature': `ts=${ts};h1=${h1}`, 'content-type': 'application/json' }, payload });
}

const event = (type: string, object: object, id = `evt_${randomBytes(8).toString('hex')}`) => ({ id, object: 'event', type, livemode: true, created: Math.floor(Date.now() / 1000), data: { object } });

/** A payment Stripe has not settled yet (processing): pending with its PaymentIntent. */
async function pendingPayment(app: Awaited<ReturnType<typeof appWith>>) {
  const invoice = await app.invoice();
  stripe.payments.intentStatus = 'processing';
  try {
    const res = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().status, 'pending');
    return { invoice, payment: res.json() };
  } finally {
    stripe.payments.intentStatus = null;
  }
}

const paymentEvents = async (orgId: string) => (await t.db.query<{ type: string }>(`SELECT type FROM webhook_events WHERE org_id = $1 AND (type LIKE 'payment.%' OR type = 'invoice.paid') ORDER BY id`, [orgId])).map((e) => e.type);

test('Stripe: payment_intent.succeeded settles a pending payment and pays its invoice, once however often it comes; bad bodies 400, bad signatures 401', async () => {
  const app = await appWith('stripe');
  const { invoice, payment } = await pendingPayment(app);
  const succeeded = event('payment_intent.succeeded', { id: payment.processor_id, object: 'payment_intent', amount: 4999, currency: 'usd', metadata: { kontor_payment: payment.id } });

  assertError(await stripeHook(succeeded, 'whsec_wrong'), 401, 'unauthorized');
  assertError(await stripeHook(succeeded, app.webhookSecret, 't=1,v1=deadbeef'), 401, 'unauthorized');
  assertError(await stripeHook('{not json', app.webhookSecret), 400, 'invalid_input');
  assertError(await stripeHook({ hello: 'world' }, app.webhookSecret), 400, 'invalid_input');
  assert.equal((await app.call('GET', `/ledger/payments/${payment.id}`)).json().status, 'pending');

  const res = await stripeHook(succeeded, app.webhookSecret);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { received: true, outcome: 'payment_succeeded' });
  assert.equal((await app.call('GET', `/ledger/payments/${payment.id}`)).json().status, 'succeeded');
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');
  const again = await stripeHook(succeeded, app.webhookSecret);
  assert.deepEqual(again.json(), { received: true, outcome: 'duplicate' });
  assert.deepEqual(await paymentEvents(app.orgId), ['invoice.paid', 'payment.succeeded']);
  assert.equal((await bookBalances(t.core.ledger, t.db, { orgId: app.orgId, mode: 'live' }, 'cash:stripe:')).get('cash:stripe:usd'), 4999n);

  // Other events are acknowledged and ignored.
  const other = await stripeHook(event('customer.created', { id: 'cus_1', object: 'customer' }), app.webhookSecret);
  assert.deepEqual(other.json(), { received: true, outcome: 'ignored' });
});

test('Stripe: a refund before its success ends refunded (and paid); the late success and a late failure change nothing', async () => {
  const app = await appWith('stripe');
  const { invoice, payment } = await pendingPayment(app);
  const charge = { id: 'ch_1', object: 'charge', payment_intent: payment.processor_id, amount: 4999, amount_refunded: 1500, refunded: false, refunds: { data: [{ id: 're_dashboard_1', amount: 1500 }] } };
  const refunded = await stripeHook(event('charge.refunded', charge), app.webhookSecret);
  assert.deepEqual(refunded.json(), { received: true, outcome: 'refunded: 1500' });
  let shown = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.deepEqual([shown.status, shown.refunded_amount.amount], ['refunded', 1500]);
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');

  const late = await stripeHook(event('payment_intent.succeeded', { id: payment.processor_id, object: 'payment_intent' }), app.webhookSecret);
  assert.deepEqual(late.json(), { received: true, outcome: 'unchanged: refunded' });
  const failed = await stripeHook(event('payment_intent.payment_failed', { id: payment.processor_id, object: 'payment_intent', last_payment_error: { message: 'declined' } }), app.webhookSecret);
  assert.deepEqual(failed.json(), { received: true, outcome: 'unchanged: refunded' });
  // The rest refunded: the cumulative amount counts once.
  await stripeHook(event('charge.refunded', { ...charge, amount_refunded: 4999, refunds: { data: [{ id: 're_dashboard_2' }] } }), app.webhookSecret);
  shown = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.equal(shown.refunded_amount.amount, 4999);
  const books = async (code: string) => (await bookBalances(t.core.ledger, t.db, { orgId: app.orgId, mode: 'live' }, code)).get(code) ?? 0n;
  assert.deepEqual([await books('cash:stripe:usd'), await books('refunds:usd'), await books(`receivable:${app.customer.id}:usd`)], [0n, -4999n, 0n]);
  assert.deepEqual(await paymentEvents(app.orgId), ['invoice.paid', 'payment.succeeded', 'payment.refunded', 'payment.refunded']);
});

test('Stripe: payment_intent.payment_failed fails a pending payment; the invoice still waits', async () => {
  const app = await appWith('stripe');
  const { invoice, payment } = await pendingPayment(app);
  const res = await stripeHook(event('payment_intent.payment_failed', { id: payment.processor_id, object: 'payment_intent', last_payment_error: { message: 'Your card has insufficient funds.' } }), app.webhookSecret);
  assert.deepEqual(res.json(), { received: true, outcome: 'payment_failed' });
  const shown = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.deepEqual([shown.status, shown.failure_message], ['failed', 'Your card has insufficient funds.']);
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'pending');
});

test('webhooks are public and not limited per address: a provider sending many at once is never refused', async () => {
  const app = await appWith('stripe');
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => stripeHook(event('balance.available', { id: `bal_${i}`, object: 'balance' }), app.webhookSecret)));
  assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [200]);
});

test('Paddle: a refund made in Paddle (adjustment approved) is recorded once; bad signatures and stale timestamps are 400', async () => {
  const app = await appWith('paddle');
  const invoice = await app.invoice();
  const paid = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
  assert.equal(paid.statusCode, 201, paid.body);
  const payment = paid.json();
  const adjustment = { event_id: 'evt_01paddle1', event_type: 'adjustment.updated', occurred_at: new Date().toISOString(), data: { id: 'adj_dashboard', action: 'refund', status: 'approved', transaction_id: payment.processor_id, totals: { total: '1000' }, reason: 'goodwill' } };
  assertError(await paddleHook(adjustment, 'pdl_ntfset_wrong'), 400, 'invalid_input', 'Paddle-Signature');
  assertError(await paddleHook(adjustment, app.webhookSecret, Math.floor(Date.now() / 1000) - 3600), 400, 'invalid_input', 'Paddle-Signature');
  const res = await paddleHook(adjustment, app.webhookSecret);
  assert.deepEqual(res.json(), { received: true, outcome: 'refund_succeeded' });
  assert.deepEqual((await paddleHook(adjustment, app.webhookSecret)).json(), { received: true, outcome: 'duplicate' });
  const shown = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.deepEqual([shown.status, shown.refunded_amount.amount, shown.refund_reason], ['refunded', 1000, 'goodwill']);
  const completed = await paddleHook({ event_id: 'evt_01paddle2', event_type: 'transaction.completed', data: { id: payment.processor_id, custom_data: { kontor_payment: payment.id } } }, app.webhookSecret);
  assert.deepEqual(completed.json(), { received: true, outcome: 'unchanged: refunded' });
});

test("Paddle: transaction.payment_failed fails a pending payment with Paddle's error code, once, the invoice still waiting; a later collection pays it", async () => {
  const app = await appWith('paddle');
  const invoice = await app.invoice();
  // Paddle has billed the transaction but not collected it yet: the payment waits for the webhook.
  paddle.transactionStatus = 'billed';
  let payment: any;
  try {
    const res = await app.call('POST', '/ledger/payments', { invoice_id: invoice.id });
    assert.equal(res.statusCode, 201, res.body);
    payment = res.json();
  } finally {
    paddle.transactionStatus = null;
  }
  assert.equal(payment.status, 'pending');
  const failed = {
    event_id: `evt_${randomBytes(8).toString('hex')}`,
    event_type: 'transaction.payment_failed',
    occurred_at: new Date().toISOString(),
    data: { id: payment.processor_id, status: 'past_due', custom_data: { kontor_payment: payment.id }, payments: [{ status: 'error', error_code: 'declined' }] },
  };
  assert.deepEqual((await paddleHook(failed, app.webhookSecret)).json(), { received: true, outcome: 'payment_failed' });
  assert.deepEqual((await paddleHook(failed, app.webhookSecret)).json(), { received: true, outcome: 'duplicate' });
  const shown = (await app.call('GET', `/ledger/payments/${payment.id}`)).json();
  assert.deepEqual([shown.status, shown.failure_message], ['failed', 'Paddle: declined']);
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'pending');
  // A failed attempt is not the end at Paddle: when its retries collect the transaction, the money has arrived.
  const completed = { event_id: `evt_${randomBytes(8).toString('hex')}`, event_type: 'transaction.completed', data: { id: payment.processor_id, custom_data: { kontor_payment: payment.id } } };
  assert.deepEqual((await paddleHook(completed, app.webhookSecret)).json(), { received: true, outcome: 'payment_succeeded' });
  assert.equal((await app.call('GET', `/ledger/payments/${payment.id}`)).json().status, 'succeeded');
  assert.equal((await app.call('GET', `/ledger/invoices/${invoice.id}`)).json().status, 'paid');
});

test('the webhooks are in the billing document, public', async () => {
  const doc = (await t.request({ method: 'GET', url: '/openapi/billing.json' })).json();
  assert.deepEqual(doc.paths['/webhooks/stripe'].post.security, []);
  assert.equal(doc.paths['/webhooks/paddle'].post.operationId, 'handlePaddleWebhook');
});
