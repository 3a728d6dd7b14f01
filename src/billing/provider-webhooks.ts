import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { parseId } from '../platform/ids.ts';
import { loadStripe } from '../platform/stripe.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { billingError } from './errors.ts';
import { markFailed, markSucceeded, refundSucceeded } from './payments.ts';
import { insertRefund, paymentById, paymentByProcessor, refundByProcessor, refundsOf, saveRefund, type PaymentRecord } from './payment-store.ts';
import { webhookAccounts, type ProviderAccount } from './providers/accounts.ts';
import type { ProviderName } from './providers/provider.ts';
import type { BillingScope } from './scope.ts';

/**
 * The payment providers' webhooks (`POST /webhooks/stripe`, `POST /webhooks/paddle`,
 * decision 0028). They are public: the signature over the raw body, with the webhook secret
 * the operator set for an app (`kontor billing provider set --webhook-secret`), says which
 * app an event is for. The app is found from the event itself: the payment it names (the
 * provider's id, or the `kontor_payment` id Kontor put in the provider's metadata) belongs to
 * one app and mode, whose secret must verify the signature. An event naming no payment Kontor
 * knows is tried against every secret of that provider's accounts (of the event's mode, for
 * Stripe's `livemode`) and, once verified, acknowledged and ignored.
 *
 * Applying an event claims its id first (`billing_provider_events`, in the applying
 * transaction): the same event again changes nothing. Events may come in any order: a refund
 * before its payment's success first settles the payment (a refunded charge was paid), a
 * success after a refund or a failure after a success changes nothing, and a success after a
 * failure (a retried charge of the same payment) counts the money.
 */
export interface VerifiedEvent {
  scope: BillingScope;
  event: any;
}

/** Stripe's and Paddle's default tolerance for a signature's timestamp. */
const TOLERANCE_S = 300;

const invalidPayload = (provider: ProviderName) => billingError('invalid_input', `the body is not a ${provider === 'stripe' ? 'Stripe' : 'Paddle'} event`);

/** The accounts whose secret may have signed an event naming these payment hints. */
async function candidates(db: Queryable, provider: ProviderName, hints: { processorIds: unknown[]; kontorPayment: unknown; mode: 'live' | 'sandbox' | null }): Promise<ProviderAccount[]> {
  const all = await webhookAccounts(db, provider);
  let payment: PaymentRecord | null = null;
  const kontorId = typeof hints.kontorPayment === 'string' ? parseId('pay', hints.kontorPayment) : null;
  if (kontorId) payment = await paymentById(db, kontorId);
  for (const id of hints.processorIds) if (!payment && typeof id === 'string' && id) payment = await paymentByProcessor(db, provider, id);
  const owner = payment && all.find((a) => a.orgId === payment.orgId && a.mode === payment.mode);
  if (owner) return [owner];
  return hints.mode ? all.filter((a) => a.mode === hints.mode) : all;
}

const scopeOf = (account: ProviderAccount): BillingScope => ({ orgId: account.orgId, mode: account.mode as BillingScope['mode'] });

/** A Stripe event whose `Stripe-Signature` verifies (the SDK's `webhooks.constructEvent`, on the raw body): 400 unreadable, 401 unverified. */
export async function verifyStripeEvent(db: Queryable, raw: string, signature: string | undefined): Promise<VerifiedEvent> {
  let parsed: any;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidPayload('stripe');
  }
  if (!parsed || typeof parsed.id !== 'string' || typeof parsed.type !== 'string') throw invalidPayload('stripe');
  if (!signature) throw new DomainError('unauthenticated', 'the Stripe-Signature header is missing', 'Stripe-Signature');
  const object = parsed.data?.object ?? {};
  const accounts = await candidates(db, 'stripe', {
    processorIds: [object.object === 'payment_intent' ? object.id : object.payment_intent],
    kontorPayment: object.metadata?.kontor_payment,
    mode: typeof parsed.livemode === 'boolean' ? (parsed.livemode ? 'live' : 'sandbox') : null,
  });
  const sdk = await loadStripe();
  for (const account of accounts) {
    try {
      return { scope: scopeOf(account), event: sdk.webhooks.constructEvent(raw, signature, account.webhookSecret!, TOLERANCE_S) };
    } catch {
      // Another app's secret, or a bad signature: try the next.
    }
  }
  throw new DomainError('unauthenticated', "the Stripe-Signature does not verify with the webhook secret of any app's Stripe account", 'Stripe-Signature');
}

/**
 * A Paddle event whose `Paddle-Signature: ts=…;h1=…` verifies: HMAC-SHA256 of `ts:body` with
 * the secret, hex, any of several h1 (a secret being rotated), ts within 5 minutes of `now`.
 * Any failure is 400, as the reference answers.
 */
export async function verifyPaddleEvent(db: Queryable, raw: string, signature: string | undefined, now: Date): Promise<VerifiedEvent> {
  let parsed: any;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidPayload('paddle');
  }
  if (!parsed || typeof parsed.event_id !== 'string' || typeof parsed.event_type !== 'string') throw invalidPayload('paddle');
  const parts = (signature ?? '').split(';').map((p) => p.trim().split('='));
  const ts = parts.find(([k]) => k === 'ts')?.[1];
  const given = parts.filter(([k, v]) => k === 'h1' && v).map(([, v]) => Buffer.from(v, 'hex'));
  const refused = (why: string) => billingError('invalid_input', `the Paddle-Signature ${why}`, 'Paddle-Signature');
  if (!ts || !/^\d{1,12}$/.test(ts) || given.length === 0) throw refused('header is missing or malformed');
  if (Math.abs(now.getTime() / 1000 - Number(ts)) > TOLERANCE_S) throw refused('is too old (or from the future)');
  const data = parsed.data ?? {};
  const accounts = await candidates(db, 'paddle', {
    processorIds: [String(data.id ?? '').startsWith('txn_') ? data.id : data.transaction_id],
    kontorPayment: data.custom_data?.kontor_payment,
    mode: null,
  });
  for (const account of accounts) {
    const expected = createHmac('sha256', account.webhookSecret!).update(`${ts}:${raw}`).digest();
    if (given.some((h) => h.length === expected.length && timingSafeEqual(h, expected))) return { scope: scopeOf(account), event: parsed };
  }
  throw refused("does not verify with the webhook secret of any app's Paddle account");
}

/** Claims an event id in the applying transaction; false: already applied (or being applied: the claim waits for it). */
async function claim(tx: Queryable, scope: BillingScope, provider: ProviderName, eventId: string, type: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO billing_provider_events (org_id, mode, provider, event_id, type, outcome, received_at) VALUES ($1, $2, $3, $4, $5, 'applying', $6)
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [scope.orgId, scope.mode, provider, eventId, type.slice(0, 200), now],
  );
  return rows.length > 0;
}

async function settle(tx: Queryable, scope: BillingScope, provider: ProviderName, eventId: string, outcome: string): Promise<string> {
  await tx.query(`UPDATE billing_provider_events SET outcome = $5 WHERE org_id = $1 AND mode = $2 AND provider = $3 AND event_id = $4`, [scope.orgId, scope.mode, provider, eventId, outcome]);
  return outcome;
}

/** The app world's payment an event names, locked: by the provider's id, else by Kontor's id in its metadata. */
async function paymentOf(tx: Queryable, scope: BillingScope, provider: ProviderName, processorId: unknown, kontorPayment: unknown): Promise<PaymentRecord | null> {
  let payment = typeof processorId === 'string' && processorId ? await paymentByProcessor(tx, provider, processorId, 'FOR UPDATE') : null;
  const kontorId = typeof kontorPayment === 'string' ? parseId('pay', kontorPayment) : null;
  if (!payment && kontorId) payment = await paymentById(tx, kontorId, 'FOR UPDATE');
  return payment && payment.orgId === scope.orgId && payment.mode === scope.mode && payment.provider === provider ? payment : null;
}

/** A refund at the provider implies the charge had succeeded: a payment not yet settled is settled first. */
async function succeededFirst(tx: Queryable, scope: BillingScope, payment: PaymentRecord, processorId: string | null, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  return payment.status === 'pending' || payment.status === 'failed' ? markSucceeded(tx, scope, payment, processorId, now, ledger) : payment;
}

/**
 * Brings a payment's succeeded refunds up to `total` (the provider's cumulative refunded
 * amount): Kontor's pending refunds first, oldest first, as far as they fit; a remainder is a
 * refund made at the provider (its dashboard), recorded as one.
 */
async function refundedUpTo(tx: Queryable, scope: BillingScope, payment: PaymentRecord, total: bigint, processorRefundId: string | null, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  const refunds = await refundsOf(tx, scope, payment.id);
  let done = refunds.filter((r) => r.status === 'succeeded').reduce((s, r) => s + r.amount, 0n);
  let current = payment;
  for (const r of refunds.filter((r) => r.status === 'pending')) {
    if (done + r.amount > total) continue;
    current = await refundSucceeded(tx, scope, current, r, now, ledger);
    done += r.amount;
  }
  const left = (total > payment.amount ? payment.amount : total) - done;
  if (left > 0n) {
    const known = processorRefundId ? await refundByProcessor(tx, payment.provider, processorRefundId) : null;
    const made = await insertRefund(tx, scope, { paymentId: payment.id, amount: left, currency: payment.currency, status: 'pending', provider: payment.provider, processorId: known ? null : processorRefundId, reason: `refunded at ${payment.provider}`, requestKey: null }, now);
    current = await refundSucceeded(tx, scope, current, made, now, ledger);
  }
  return current;
}

/** Applies a verified Stripe event in the caller's transaction; returns what it did. */
export async function applyStripeEvent(tx: Queryable, scope: BillingScope, event: any, now: Date, ledger: LedgerEngine): Promise<string> {
  if (!(await claim(tx, scope, 'stripe', event.id, event.type, now))) return 'duplicate';
  const object = event.data?.object ?? {};
  const done = (outcome: string) => settle(tx, scope, 'stripe', event.id, outcome);
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const payment = await paymentOf(tx, scope, 'stripe', object.id, object.metadata?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const after = await markSucceeded(tx, scope, payment, object.id, now, ledger);
      return done(after.status === payment.status ? `unchanged: ${payment.status}` : 'payment_succeeded');
    }
    case 'payment_intent.payment_failed': {
      const payment = await paymentOf(tx, scope, 'stripe', object.id, object.metadata?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const after = await markFailed(tx, scope, payment, object.id, object.last_payment_error?.message ?? 'the payment failed', now);
      return done(after.status === payment.status ? `unchanged: ${payment.status}` : 'payment_failed');
    }
    case 'charge.refunded': {
      const payment = await paymentOf(tx, scope, 'stripe', object.payment_intent, object.metadata?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const paid = await succeededFirst(tx, scope, payment, typeof object.payment_intent === 'string' ? object.payment_intent : null, now, ledger);
      const latest = Array.isArray(object.refunds?.data) ? (object.refunds.data[0]?.id ?? null) : null;
      const after = await refundedUpTo(tx, scope, paid, BigInt(Math.max(0, Math.trunc(Number(object.amount_refunded ?? 0)))), latest, now, ledger);
      return done(`refunded: ${after.refundedAmount}`);
    }
    default:
      return done('ignored');
  }
}

/** Applies a verified Paddle event in the caller's transaction; returns what it did. */
export async function applyPaddleEvent(tx: Queryable, scope: BillingScope, event: any, now: Date, ledger: LedgerEngine): Promise<string> {
  if (!(await claim(tx, scope, 'paddle', event.event_id, event.event_type, now))) return 'duplicate';
  const data = event.data ?? {};
  const done = (outcome: string) => settle(tx, scope, 'paddle', event.event_id, outcome);
  switch (event.event_type) {
    case 'transaction.completed':
    case 'transaction.paid': {
      const payment = await paymentOf(tx, scope, 'paddle', data.id, data.custom_data?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const after = await markSucceeded(tx, scope, payment, data.id, now, ledger);
      return done(after.status === payment.status ? `unchanged: ${payment.status}` : 'payment_succeeded');
    }
    case 'transaction.payment_failed': {
      const payment = await paymentOf(tx, scope, 'paddle', data.id, data.custom_data?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const error = Array.isArray(data.payments) ? data.payments[0]?.error_code : null;
      const after = await markFailed(tx, scope, payment, data.id, error ? `Paddle: ${error}` : 'the payment failed at Paddle', now);
      return done(after.status === payment.status ? `unchanged: ${payment.status}` : 'payment_failed');
    }
    case 'adjustment.created':
    case 'adjustment.updated': {
      if (data.action !== 'refund') return done('ignored: not a refund');
      const payment = await paymentOf(tx, scope, 'paddle', data.transaction_id, data.custom_data?.kontor_payment);
      if (!payment) return done('ignored: no such payment');
      const refunds = await refundsOf(tx, scope, payment.id);
      const kontorRefund = typeof data.custom_data?.kontor_refund === 'string' ? parseId('rfd', data.custom_data.kontor_refund) : null;
      const ours = refunds.find((r) => r.processorId === data.id || r.id === kontorRefund) ?? null;
      if (data.status === 'rejected' || data.status === 'reversed') {
        if (ours?.status === 'pending') await saveRefund(tx, scope, ours.id, { status: 'failed', processorId: data.id }, now);
        return done('refund_failed');
      }
      if (data.status !== 'approved') {
        if (ours?.status === 'pending') await saveRefund(tx, scope, ours.id, { processorId: data.id }, now);
        return done(`refund ${String(data.status)}`);
      }
      const paid = await succeededFirst(tx, scope, payment, data.transaction_id ?? null, now, ledger);
      if (ours?.status === 'succeeded') return done('unchanged: refund succeeded');
      if (ours) {
        await refundSucceeded(tx, scope, paid, { ...ours, processorId: ours.processorId ?? data.id }, now, ledger);
        return done('refund_succeeded');
      }
      const amount = BigInt(Math.max(0, Math.trunc(Number(data.totals?.total ?? 0))));
      const left = paid.amount - refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amount, 0n);
      const take = amount < left ? amount : left;
      if (take <= 0n) return done('ignored: nothing left to refund');
      const made = await insertRefund(tx, scope, { paymentId: paid.id, amount: take, currency: paid.currency, status: 'pending', provider: 'paddle', processorId: data.id, reason: data.reason ?? 'refunded at paddle', requestKey: null }, now);
      await refundSucceeded(tx, scope, paid, made, now, ledger);
      return done('refund_succeeded');
    }
    default:
      return done('ignored');
  }
}
