// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { startFakePaddle, type FakePaddle } from '../helpers/fake-paddle.ts';
import { StripeProvider } from '../../src/billing/providers/stripe.ts';
import { PaddleProvider } from '../../src/billing/providers/paddle.ts';
import { billingCodeOf } from '../../src/billing/errors.ts';

/*
 * Both providers against their fakes on loopback: a charge repeated with its idempotency key
 * (a retry after a crash) returns the first payment and charges once; declines are failed
 * results; refunds full and partial; the provider's failures are provider_error.
 */
let stripe: FakeStripe;
let paddle: FakePaddle;
before(async () => {
  stripe = await startFakeStripe();
  paddle = await startFakePaddle();
});
after(async () => {
  await stripe.close();
  await paddle.close();
});

test('Stripe: a charge repeated with its key is the same PaymentIntent, charged once; a decline is failed; refunds', async () => {
  const provider = new StripeProvider(stripe.key, stripe.url);
  const customer = await provider.createCustomer({ email: 'a@example.com', name: 'A', reference: 'c1' }, 'k:cust:c1');
  assert.equal(await provider.createCustomer({ email: 'a@example.com', name: 'A', reference: 'c1' }, 'k:cust:c1'), customer);
  const card = await provider.addPaymentMethod(customer, 'tok_visa', 'k:pm:1');
  const request = { amount: 4999n, currency: 'usd', providerCustomerId: customer, providerPaymentMethodId: card.providerId, description: 'INV-2025-0001', metadata: { kontor_invoice: 'inv_1', kontor_attempt: '1' } };
  const before = stripe.payments.charges;
  const first = await provider.charge(request, 'k:inv_1:attempt:1');
  const again = await provider.charge(request, 'k:inv_1:attempt:1');
  assert.deepEqual(again, first);
  assert.equal(first.status, 'succeeded');
  assert.equal(stripe.payments.charges - before, 1);

  const partial = await provider.refund({ providerPaymentId: first.providerId, amount: 2500n, currency: 'usd', reason: 'partial', metadata: {} }, 'k:refund:1');
  assert.equal(partial.status, 'succeeded');
  assert.deepEqual(await provider.refund({ providerPaymentId: first.providerId, amount: 2500n, currency: 'usd', reason: 'partial', metadata: {} }, 'k:refund:1'), partial);
  assert.equal([...stripe.payments.refunds.values()].filter((r) => r.payment_intent === first.providerId).length, 1);

  const declining = await provider.addPaymentMethod(customer, 'tok_chargeDeclined', 'k:pm:2');
  const declined = await provider.charge({ ...request, providerPaymentMethodId: declining.providerId }, 'k:inv_2:attempt:1');
  assert.equal(declined.status, 'failed');
  assert.match(declined.providerId, /^pi_/);
  assert.equal(declined.failureMessage, 'Your card was declined.');

  stripe.payments.intentStatus = 'processing';
  assert.equal((await provider.charge(request, 'k:inv_3:attempt:1')).status, 'pending');
  stripe.payments.intentStatus = null;

  stripe.fail = { status: 500 };
  try {
    await assert.rejects(provider.charge(request, 'k:inv_4:attempt:1'), (e) => billingCodeOf(e) === 'provider_error');
  } finally {
    stripe.fail = null;
  }
  await assert.rejects(new StripeProvider(stripe.key, 'http://127.0.0.1:9').charge(request, 'k'), (e) => billingCodeOf(e) === 'provider_error');
});

test('Paddle: a transaction repeated with its key is found, not made again; a declining method fails; refunds as adjustments', async () => {
  const provider = new PaddleProvider(paddle.key, paddle.url);
  const customer = await provider.createCustomer({ email: 'b@example.com', name: 'B', reference: 'c2' }, 'k:cust:c2');
  assert.equal(await provider.createCustomer({ email: 'b@example.com', name: 'B', reference: 'c2' }, 'k:cust:c2'), customer);
  const saved = paddle.savePaymentMethod(customer);
  const card = await provider.addPaymentMethod(customer, saved, 'unused');
  assert.deepEqual([card.brand, card.last4, card.expiryMonth, card.expiryYear], ['visa', '4242', 11, 2031]);
  const request = { amount: 4999n, currency: 'usd', providerCustomerId: customer, providerPaymentMethodId: card.providerId, description: 'INV-2025-0001', metadata: { kontor_invoice: 'inv_1' } };
  const before = paddle.charges;
  const first = await provider.charge(request, 'k:inv_1:attempt:1');
  assert.deepEqual(await provider.charge(request, 'k:inv_1:attempt:1'), first);
  assert.equal(paddle.charges - before, 1);
  assert.equal(first.status, 'succeeded');
  assert.equal(paddle.transactions.get(first.providerId).details.totals.grand_total, '4999');

  const refund = await provider.refund({ providerPaymentId: first.providerId, amount: 1000n, currency: 'usd', reason: 'partial', metadata: {} }, 'k:refund:p1');
  assert.equal(refund.status, 'succeeded');
  assert.deepEqual(await provider.refund({ providerPaymentId: first.providerId, amount: 1000n, currency: 'usd', reason: 'partial', metadata: {} }, 'k:refund:p1'), refund);
  assert.equal(paddle.adjustments.get(refund.providerId).type, 'partial');
  const full = await provider.refund({ providerPaymentId: first.providerId, amount: 4999n, currency: 'usd', reason: null, metadata: {} }, 'k:refund:p2');
  assert.equal(paddle.adjustments.get(full.providerId).type, 'full');

  const declining = paddle.savePaymentMethod(customer, { declines: true });
  assert.equal((await provider.charge({ ...request, providerPaymentMethodId: declining }, 'k:inv_2:attempt:1')).status, 'failed');
  await assert.rejects(new PaddleProvider('wrong', paddle.url).charge(request, 'k:x'), (e) => billingCodeOf(e) === 'provider_error');
});
