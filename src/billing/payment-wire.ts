import type { PaymentRecord } from './payment-store.ts';
import { moneyView } from './money-view.ts';
import { wireId, wireTime } from './wire.ts';

/**
 * A payment as the reference shows it (`pay_…`, money objects, `processor_name` /
 * `processor_id`): the API's answer and the `data` of payment.* events, written once.
 */
export function paymentWire(p: PaymentRecord) {
  const money = (amount: bigint) => moneyView({ amount, currency: p.currency });
  return {
    id: wireId('pay', p.id),
    invoice_id: wireId('inv', p.invoiceId),
    customer_id: wireId('cst', p.customerId),
    tenant_id: p.tenantId,
    amount: money(p.amount),
    status: p.status,
    processor_name: p.provider,
    processor_id: p.processorId,
    payment_method_id: p.paymentMethodId === null ? null : wireId('pm', p.paymentMethodId),
    idempotency_key: p.idempotencyKey,
    failure_message: p.failureMessage,
    refunded_amount: money(p.refundedAmount),
    refund_reason: p.refundReason,
    collection_attempt: p.collectionAttempt,
    succeeded_at: wireTime(p.succeededAt),
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}
