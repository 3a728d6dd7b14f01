import { uuidToUlid } from '../platform/ids.ts';
import type { InvoiceRecord } from './invoice-store.ts';
import { moneyView } from './money-view.ts';
import { rateText } from './tax.ts';

/**
 * An invoice as the reference shows it (snake_case, money objects, `inv_…` ids): the API's
 * answer and the `data` of its outgoing webhook events, written once.
 */
const wireId = (prefix: string, uuid: string) => `${prefix}_${uuidToUlid(uuid).toLowerCase()}`;
const time = (d: Date | null) => (d === null ? null : d.toISOString());

const cents = (amount: bigint, currency: string) => ({ amount, currency });

export function invoiceWire(i: InvoiceRecord) {
  const money = (amount: bigint) => moneyView({ amount, currency: i.currency });
  return {
    id: wireId('inv', i.id),
    number: i.number,
    tenant_id: i.tenantId,
    customer_id: i.customerId === null ? null : wireId('cst', i.customerId),
    subscription_id: wireId('sub', i.subscriptionId),
    status: i.status,
    currency: i.currency,
    subtotal: money(i.subtotal),
    tax_amount: money(i.taxAmount),
    discount_amount: money(i.discountAmount),
    total: money(i.total),
    credit_applied: money(i.creditApplied),
    amount_due: money(i.amountDue),
    tax_rate: rateText(i.taxRatePpm),
    line_items: i.lines.map((l) => ({
      id: wireId('li', l.id),
      description: l.description,
      quantity: l.quantity,
      unit_amount: cents(l.unitAmount, i.currency),
      amount: cents(l.amount, i.currency),
      type: l.type,
    })),
    period_start: i.periodStart.toISOString(),
    period_end: i.periodEnd.toISOString(),
    due_date: time(i.dueDate),
    finalized_at: time(i.finalizedAt),
    paid_at: time(i.paidAt),
    payment_ref: i.paymentRef,
    voided_at: time(i.voidedAt),
    void_reason: i.voidReason,
    app_id: i.orgId,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
  };
}
