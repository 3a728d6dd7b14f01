import { tokenArray, type Queryable } from '../platform/db.ts';
import type { InvoiceStatus } from './invoice-states.ts';
import type { BillingScope } from './scope.ts';

/** The SQL of an invoice's life after its draft: numbering, finalisation and status changes. */

/**
 * Takes `count` consecutive invoice numbers of the app world's year: the counter row's lock
 * orders concurrent finalisations, and a rollback gives them back, so numbers are gap-free.
 * Returns the first sequence number taken.
 */
export async function takeNumbers(tx: Queryable, scope: BillingScope, year: number, count: number): Promise<number> {
  const [row] = await tx.query<{ last_seq: number }>(
    `INSERT INTO billing_invoice_numbers (org_id, mode, year, last_seq) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, mode, year) DO UPDATE SET last_seq = billing_invoice_numbers.last_seq + EXCLUDED.last_seq RETURNING last_seq`,
    [scope.orgId, scope.mode, year, count],
  );
  return row.last_seq - count + 1;
}

export const invoiceNumber = (year: number, seq: number) => `INV-${year}-${String(seq).padStart(4, '0')}`;

/** What finalisation sets, per invoice. */
export interface Finalised {
  id: string;
  status: InvoiceStatus;
  number: string;
  dueDate: Date;
  creditApplied: bigint;
  amountDue: bigint;
  deferredAmount: bigint;
  paidAt: Date | null;
}

export async function saveFinalised(tx: Queryable, scope: BillingScope, items: readonly Finalised[], now: Date): Promise<void> {
  if (items.length === 0) return;
  await tx.query(
    `UPDATE billing_invoices AS i SET status = u.status, number = u.number, due_date = u.due, credit_applied = u.credit, amount_due = u.due_amount,
            deferred_amount = u.deferred, paid_at = u.paid, finalized_at = $3, auto_finalize_at = NULL, updated_at = $3,
            -- Automatic collection charges what is left to pay at once (src/billing/collection.ts).
            next_collection_at = CASE WHEN u.status = 'pending' THEN $3::timestamptz END
       FROM unnest($4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::int8[], $9::int8[], $10::int8[], $11::timestamptz[])
         AS u (id, status, number, due, credit, due_amount, deferred, paid)
      WHERE i.org_id = $1 AND i.mode = $2 AND i.id = u.id`,
    [
      scope.orgId,
      scope.mode,
      now,
      tokenArray(items.map((i) => i.id)),
      items.map((i) => i.status),
      items.map((i) => i.number),
      tokenArray(items.map((i) => i.dueDate.toISOString())),
      tokenArray(items.map((i) => i.creditApplied)),
      tokenArray(items.map((i) => i.amountDue)),
      tokenArray(items.map((i) => i.deferredAmount)),
      tokenArray(items.map((i) => i.paidAt?.toISOString() ?? null)),
    ],
  );
}

/** A status change of one invoice with the fields that go with it. */
export async function saveStatus(
  tx: Queryable,
  scope: BillingScope,
  id: string,
  change: { status: InvoiceStatus; paidAt?: Date | null; paymentRef?: string | null; voidedAt?: Date | null; voidReason?: string | null; autoFinalizeAt?: null },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE billing_invoices SET status = $4, paid_at = COALESCE($5, paid_at), payment_ref = COALESCE($6, payment_ref), voided_at = COALESCE($7, voided_at),
            void_reason = COALESCE($8, void_reason), auto_finalize_at = CASE WHEN $4 = 'draft' THEN auto_finalize_at ELSE NULL END, updated_at = $9,
            next_collection_at = CASE WHEN $4 IN ('paid', 'voided') THEN NULL ELSE next_collection_at END
      WHERE org_id = $1 AND mode = $2 AND id = $3`,
    [scope.orgId, scope.mode, id, change.status, change.paidAt ?? null, change.paymentRef ?? null, change.voidedAt ?? null, change.voidReason ?? null, now],
  );
}
