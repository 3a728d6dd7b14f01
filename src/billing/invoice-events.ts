import type { Queryable } from '../platform/db.ts';
import { recordEvents } from '../platform/webhooks/outbox.ts';
import type { InvoiceRecord } from './invoice-store.ts';
import { invoiceWire } from './invoice-wire.ts';
import type { BillingScope } from './scope.ts';

/**
 * Outgoing webhook events of invoices and credit, recorded in the transaction of the change
 * they report (the outbox, decision 0021): they exist if and only if the change committed.
 * `data` is the object as the API answers it.
 */
export type InvoiceEventType = 'invoice.created' | 'invoice.finalized' | 'invoice.paid' | 'invoice.voided' | 'invoice.past_due';

export async function emitInvoiceEvents(tx: Queryable, scope: BillingScope, items: readonly { type: InvoiceEventType; invoice: InvoiceRecord }[], at: Date): Promise<void> {
  await recordEvents(
    tx,
    items.map(({ type, invoice }) => ({ orgId: scope.orgId, mode: scope.mode, surface: 'billing', type, data: invoiceWire(invoice), at })),
  );
}

export async function emitCreditAdded(tx: Queryable, scope: BillingScope, data: Record<string, unknown>, at: Date): Promise<void> {
  await recordEvents(tx, [{ orgId: scope.orgId, mode: scope.mode, surface: 'billing', type: 'customer.credit_added', data, at }]);
}
