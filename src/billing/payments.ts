import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { overpaymentEntry, postCoded, refundEntry } from './books.ts';
import { moveCredit } from './credit-store.ts';
import { billingError, billingCodeOf } from './errors.ts';
import { assertInvoiceCommand } from './invoice-states.ts';
import { afterCollectionFailed } from './dunning.ts';
import { getInvoice, type InvoiceRecord } from './invoice-store.ts';
import { payInvoice, type InvoiceKey } from './invoicing.ts';
import { defaultPaymentMethod, getPaymentMethod } from './payment-method-store.ts';
import {
  customerPaymentRows,
  getPayment,
  insertPayment,
  insertRefund,
  paymentByKey,
  paymentsOfInvoice,
  refundsOf,
  savePayment,
  saveRefund,
  type PaymentRecord,
  type PaymentStatus,
  type RefundRecord,
} from './payment-store.ts';
import { paymentWire } from './payment-wire.ts';
import type { ProviderAccount } from './providers/accounts.ts';
import type { ChargeResult, RefundResult } from './providers/provider.ts';
import type { BillingScope } from './scope.ts';
import { emitBillingEvents, type BillingEvent } from './webhook-events.ts';
import { wireId } from './wire.ts';

/**
 * Payments and refunds (decision 0027). A payment is three steps, so that no provider call
 * runs inside a database transaction (decision 0014) and none is ever made twice:
 * 1. `openPayment` (a transaction): checks the invoice, picks the payment method and records
 *    a `pending` payment under an idempotency key (the caller's, else the invoice's attempt);
 * 2. the provider call, outside any transaction, keyed by the payment's id (payment-calls.ts);
 * 3. `recordCharge` (a transaction): the provider's answer. Succeeded: Dr cash:<provider>,
 *    Cr receivable (`pay_…:succeeded`), the invoice paid, payment.succeeded and invoice.paid
 *    in that transaction; failed: payment.failed; pending: its webhook settles it.
 * A crash between the steps leaves a pending payment with no provider id; the same request
 * again finds it by its key and calls the provider with the same key, which answers with what
 * it made the first time. Refunds follow the same three steps.
 */

export interface OpenPaymentInput {
  invoice: InvoiceKey;
  tenantId: string | null;
  /** The customer the caller named (uuid; null: text that is no customer id); undefined: not given. */
  customerId?: string | null;
  amount?: { amount: bigint; currency: string | null };
  /** The Kontor payment method (uuid; null: text that is no method id); undefined: the customer's default. */
  paymentMethodId?: string | null;
  idempotencyKey?: string | null;
  collectionAttempt?: number | null;
}

/** The invoice's errors name `invoice_id` here, the body's field. */
async function invoiceFor(tx: Queryable, scope: BillingScope, key: InvoiceKey, tenantId: string | null): Promise<InvoiceRecord> {
  try {
    const invoice = await getInvoice(tx, scope, key, tenantId, 'FOR UPDATE');
    assertInvoiceCommand('pay', invoice.status);
    return invoice;
  } catch (error) {
    const code = billingCodeOf(error);
    if (code && error instanceof DomainError) throw billingError(code, error.message, 'invoice_id');
    throw error;
  }
}

/** The key of the invoice's next attempt when the caller gives none: a retry of an unfinished attempt is that attempt. */
const attemptKey = (invoiceId: string, finished: number) => `${wireId('inv', invoiceId)}:attempt:${finished + 1}`;

/**
 * Step 1: the payment of an invoice under its key, made `pending` when new. The same key
 * again is the same payment, whatever its state (a key of another invoice: 409). Refusals in
 * the reference's order: invoice missing, paid, voided (a draft: `invalid_state`); then no
 * provider (500 `provider_not_configured`), the customer named is not the invoice's, the
 * amount is not what the invoice asks (`invalid_amount`), no usable payment method.
 */
export async function openPayment(tx: Queryable, scope: BillingScope, account: ProviderAccount | null, input: OpenPaymentInput, now: Date): Promise<PaymentRecord> {
  const given = input.idempotencyKey ?? null;
  if (given !== null) {
    const known = await paymentByKey(tx, scope, given);
    if (known) {
      if (!('id' in input.invoice) || known.invoiceId !== input.invoice.id) {
        const invoice = await getInvoice(tx, scope, input.invoice, input.tenantId).catch(() => null);
        if (invoice?.id !== known.invoiceId) throw billingError('already_exists', 'this idempotency_key was used for a payment of another invoice', 'idempotency_key');
      }
      return known;
    }
  }
  const invoice = await invoiceFor(tx, scope, input.invoice, input.tenantId);
  const earlier = await paymentsOfInvoice(tx, scope, invoice.id);
  const key = given ?? attemptKey(invoice.id, earlier.filter((p) => p.status === 'failed' || p.status === 'canceled').length);
  const same = earlier.find((p) => p.idempotencyKey === key);
  if (same) return same;
  const inFlight = earlier.find((p) => p.status === 'pending');
  if (inFlight) throw billingError('invalid_state', `a payment of this invoice is in progress (${wireId('pay', inFlight.id)})`, 'invoice_id');
  if (!account) throw billingError('provider_not_configured', `no payment provider is configured for this app's ${scope.mode} mode; the operator sets one with \`kontor billing provider set\``);
  if (input.customerId !== undefined && input.customerId !== invoice.customerId) throw billingError('invalid_input', "customer_id is not the invoice's customer", 'customer_id');
  if (input.amount) {
    if (input.amount.currency !== null && input.amount.currency !== invoice.currency) throw billingError('invalid_amount', `the invoice is in ${invoice.currency}`, 'amount.currency');
    if (input.amount.amount !== invoice.amountDue) throw billingError('invalid_amount', `the amount must be what the invoice asks: ${invoice.amountDue}`, 'amount.amount');
  }
  const customerId = invoice.customerId!;
  let method;
  if (input.paymentMethodId !== undefined) {
    method = await getPaymentMethod(tx, scope, input.paymentMethodId, null).catch(() => null);
    if (!method || method.customerId !== customerId) throw billingError('invalid_input', "payment_method_id is not one of the invoice's customer's payment methods", 'payment_method_id');
    if (method.provider !== account.provider) throw billingError('invalid_input', `the payment method was saved at ${method.provider}; the app now uses ${account.provider}`, 'payment_method_id');
  } else {
    method = await defaultPaymentMethod(tx, scope, customerId, account.provider);
    if (!method) throw billingError('invalid_input', 'the customer has no payment method: add one, or send payment_method_id', 'payment_method_id');
  }
  const made = await insertPayment(
    tx,
    scope,
    {
      invoiceId: invoice.id,
      customerId,
      tenantId: invoice.tenantId,
      amount: invoice.amountDue,
      currency: invoice.currency,
      provider: account.provider,
      paymentMethodId: method.id,
      providerMethodId: method.providerId,
      providerCustomerId: method.providerCustomerId,
      idempotencyKey: key,
      collectionAttempt: input.collectionAttempt ?? null,
    },
    now,
  );
  // A concurrent request with the same key made it first (it held no invoice lock yet): that one.
  return made ?? (await paymentByKey(tx, scope, key))!;
}

const paymentEvent = (type: string, payment: PaymentRecord, at: Date): BillingEvent => ({ type, data: paymentWire(payment), at });

/**
 * Step 3: what the provider answered for a pending payment. A payment already settled (its
 * webhook came first) keeps its state; only a missing provider id is filled in.
 */
export async function recordCharge(tx: Queryable, scope: BillingScope, paymentId: string, result: ChargeResult, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  const payment = await getPayment(tx, scope, paymentId, null, 'FOR UPDATE');
  if (payment.status !== 'pending') return payment.processorId === null ? savePayment(tx, scope, payment.id, { processorId: result.providerId }, now) : payment;
  if (result.status === 'succeeded') return markSucceeded(tx, scope, payment, result.providerId, now, ledger);
  if (result.status === 'failed') return markFailed(tx, scope, payment, result.providerId, result.failureMessage ?? 'the payment failed', now);
  return savePayment(tx, scope, payment.id, { processorId: result.providerId }, now);
}

/**
 * A pending (or failed) payment, locked by the caller, succeeded: the invoice is paid with it (Dr
 * cash:<provider>, Cr receivable) and invoice.paid sent; an invoice that meanwhile was paid
 * otherwise or voided leaves the money as the customer's credit. payment.succeeded goes out.
 */
export async function markSucceeded(tx: Queryable, scope: BillingScope, payment: PaymentRecord, processorId: string | null, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  // A failed payment may still succeed (the provider retried it, or the customer completed it): the money counts.
  if (payment.status !== 'pending' && payment.status !== 'failed') return payment;
  const invoice = await getInvoice(tx, scope, { id: payment.invoiceId }, null, 'FOR UPDATE');
  const ref = processorId ?? payment.processorId;
  if ((invoice.status === 'pending' || invoice.status === 'past_due') && invoice.amountDue === payment.amount && invoice.currency === payment.currency) {
    await payInvoice(tx, scope, { id: invoice.id }, null, { provider: payment.provider, paymentRef: ref, paidAt: now, externalId: `${wireId('pay', payment.id)}:succeeded` }, now, ledger);
  } else {
    await postCoded(ledger, tx, scope, [overpaymentEntry(payment.id, payment.customerId, payment.provider, payment.amount, payment.currency, now)]);
    await moveCredit(tx, scope, [{ customerId: payment.customerId, type: 'granted', delta: payment.amount, currency: payment.currency, reason: 'payment received for an invoice already settled', invoiceId: invoice.id }], now);
  }
  const saved = await savePayment(tx, scope, payment.id, { status: 'succeeded', processorId: ref, succeededAt: now }, now);
  await emitBillingEvents(tx, scope, [paymentEvent('payment.succeeded', saved, now)]);
  return saved;
}

/** A pending payment (locked by the caller) failed: payment.failed goes out; collection's dunning takes it from there. */
export async function markFailed(tx: Queryable, scope: BillingScope, payment: PaymentRecord, processorId: string | null, message: string, now: Date): Promise<PaymentRecord> {
  if (payment.status !== 'pending') return payment;
  const saved = await savePayment(tx, scope, payment.id, { status: 'failed', processorId, failureMessage: message.slice(0, 500) }, now);
  await emitBillingEvents(tx, scope, [paymentEvent('payment.failed', saved, now)]);
  await afterCollectionFailed(tx, scope, saved, now);
  return saved;
}

export interface OpenRefundInput {
  amount?: { amount: bigint; currency: string | null };
  reason: string | null;
  /** The request's Idempotency-Key: the same key is the same refund. */
  requestKey: string | null;
}

const REFUNDABLE: readonly PaymentStatus[] = ['succeeded', 'refunded'];

/**
 * Step 1 of a refund: a `pending` refund of a succeeded payment, reserving its amount (pending
 * and succeeded refunds never exceed the payment). Omitted amount: all that is left.
 * `invalid_state` unless the payment succeeded (a partly refunded one may be refunded again
 * up to its amount); `invalid_amount` for 0, a negative amount, more than is left, or another
 * currency. A refund never heard back from the provider (a crash) is resumed by the same
 * request instead of a second one being made.
 */
export async function openRefund(tx: Queryable, scope: BillingScope, paymentId: string | null, tenantId: string | null, input: OpenRefundInput, now: Date): Promise<{ payment: PaymentRecord; refund: RefundRecord }> {
  const payment = await getPayment(tx, scope, paymentId, tenantId, 'FOR UPDATE');
  const refunds = await refundsOf(tx, scope, payment.id);
  if (input.requestKey !== null) {
    const same = refunds.find((r) => r.requestKey === input.requestKey);
    if (same) return { payment, refund: same };
  }
  if (!REFUNDABLE.includes(payment.status)) throw billingError('invalid_state', `a ${payment.status} payment cannot be refunded: only a succeeded one`, 'id');
  const reserved = refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amount, 0n);
  const left = payment.amount - reserved;
  const unanswered = refunds.find((r) => r.status === 'pending' && r.processorId === null);
  if (unanswered) {
    if (input.requestKey === null && (input.amount === undefined || input.amount.amount === unanswered.amount)) return { payment, refund: unanswered };
    throw billingError('invalid_state', 'a refund of this payment is in progress; retry the same request to complete it', 'id');
  }
  if (left === 0n) throw billingError('invalid_state', 'the payment is already refunded in full', 'id');
  if (input.amount?.currency && input.amount.currency !== payment.currency) throw billingError('invalid_amount', `the payment is in ${payment.currency}`, 'amount.currency');
  const amount = input.amount?.amount ?? left;
  if (amount <= 0n) throw billingError('invalid_amount', 'a refund is more than 0', 'amount.amount');
  if (amount > left) throw billingError('invalid_amount', `the refund exceeds what is left of the payment: ${left}`, 'amount.amount');
  const refund = await insertRefund(tx, scope, { paymentId: payment.id, amount, currency: payment.currency, status: 'pending', provider: payment.provider, processorId: null, reason: input.reason, requestKey: input.requestKey }, now);
  return { payment, refund };
}

/** Step 3 of a refund: the provider's answer. Only a pending refund changes. */
export async function recordRefund(tx: Queryable, scope: BillingScope, refundId: string, paymentId: string, result: RefundResult, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  const payment = await getPayment(tx, scope, paymentId, null, 'FOR UPDATE');
  const refund = (await refundsOf(tx, scope, payment.id)).find((r) => r.id === refundId)!;
  if (refund.status !== 'pending') return payment;
  if (result.status === 'succeeded') return refundSucceeded(tx, scope, payment, { ...refund, processorId: refund.processorId ?? result.providerId }, now, ledger);
  await saveRefund(tx, scope, refund.id, { status: result.status === 'failed' ? 'failed' : undefined, processorId: result.providerId }, now);
  return payment;
}

/**
 * A refund the provider made (locked payment): Dr refunds, Cr cash:<provider>
 * (`rfd_…:succeeded`); the payment becomes `refunded` with the amount counted (the
 * reference's example: a partial refund shows `refunded`); payment.refunded goes out.
 */
export async function refundSucceeded(tx: Queryable, scope: BillingScope, payment: PaymentRecord, refund: RefundRecord, now: Date, ledger: LedgerEngine): Promise<PaymentRecord> {
  await saveRefund(tx, scope, refund.id, { status: 'succeeded', processorId: refund.processorId }, now);
  await postCoded(ledger, tx, scope, [refundEntry(refund.id, payment.id, payment.provider, refund.amount, payment.currency, now)]);
  const saved = await savePayment(tx, scope, payment.id, { status: 'refunded', refundedAmount: payment.refundedAmount + refund.amount, refundReason: refund.reason }, now);
  await emitBillingEvents(tx, scope, [paymentEvent('payment.refunded', saved, now)]);
  return saved;
}

/** One customer's payment, as the portal and the export list it. */
export interface CustomerPayment {
  /** `pay_…` */
  id: string;
  /** `inv_…` */
  invoiceId: string;
  invoiceNumber: string | null;
  amount: bigint;
  currency: string;
  status: PaymentStatus;
  createdAt: Date;
  refundedAmount: bigint;
}

/** Every payment of one customer (uuid), newest first: for the customer portal and the data export. */
export async function listCustomerPayments(db: Queryable, scope: BillingScope, customerId: string): Promise<CustomerPayment[]> {
  return (await customerPaymentRows(db, scope, customerId)).map((p) => ({
    id: wireId('pay', p.id),
    invoiceId: wireId('inv', p.invoiceId),
    invoiceNumber: p.invoiceNumber,
    amount: p.amount,
    currency: p.currency,
    status: p.status,
    createdAt: p.createdAt,
    refundedAmount: p.refundedAmount,
  }));
}
