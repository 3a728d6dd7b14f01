import { tokenArray, type Queryable } from '../platform/db.ts';
import { billingError } from './errors.ts';
import type { DraftLine } from './invoice-build.ts';
import type { InvoiceStatus } from './invoice-states.ts';
import { pageOf, type BillingScope, type Page, type PageRequest } from './scope.ts';

/**
 * Stored invoices and their lines as records, and the reads of them. The SQL that writes them
 * is in invoice-draft-store.ts (new drafts and lines), invoice-status-store.ts (numbers and
 * status changes) and invoice-due-store.ts (the clock's work); the rules are in invoicing.ts
 * and invoice-states.ts.
 */

/** A stored line: a drafted line with its id. */
export interface InvoiceLine extends DraftLine {
  id: string;
}

export interface InvoiceRecord {
  id: string;
  orgId: string;
  mode: string;
  tenantId: string;
  customerId: string | null;
  subscriptionId: string;
  planId: string;
  status: InvoiceStatus;
  currency: string;
  subtotal: bigint;
  discountAmount: bigint;
  taxAmount: bigint;
  total: bigint;
  creditApplied: bigint;
  amountDue: bigint;
  taxRatePpm: number;
  taxNote: string;
  periodStart: Date;
  periodEnd: Date;
  number: string | null;
  dueDate: Date | null;
  finalizedAt: Date | null;
  autoFinalizeAt: Date | null;
  paidAt: Date | null;
  paymentRef: string | null;
  voidedAt: Date | null;
  voidReason: string | null;
  deferredAmount: bigint;
  recognizedAt: Date | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
  lines: InvoiceLine[];
}

const toLine = (r: any): InvoiceLine => ({
  id: r.id,
  type: r.type,
  description: r.description,
  quantity: r.quantity,
  unitAmount: r.unit_amount,
  amount: r.amount,
  planId: r.plan_id,
  featureKey: r.feature_key,
  periodStart: r.period_start,
  periodEnd: r.period_end,
});

const toInvoice = (r: any, lines: InvoiceLine[]): InvoiceRecord => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  tenantId: r.tenant_id,
  customerId: r.customer_id,
  subscriptionId: r.subscription_id,
  planId: r.plan_id,
  status: r.status,
  currency: r.currency,
  subtotal: r.subtotal,
  discountAmount: r.discount_amount,
  taxAmount: r.tax_amount,
  total: r.total,
  creditApplied: r.credit_applied,
  amountDue: r.amount_due,
  taxRatePpm: r.tax_rate_ppm,
  taxNote: r.tax_note,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  number: r.number,
  dueDate: r.due_date,
  finalizedAt: r.finalized_at,
  autoFinalizeAt: r.auto_finalize_at,
  paidAt: r.paid_at,
  paymentRef: r.payment_ref,
  voidedAt: r.voided_at,
  voidReason: r.void_reason,
  deferredAmount: r.deferred_amount,
  recognizedAt: r.recognized_at,
  metadata: r.metadata,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lines,
});

/** Rows with their lines (one query for the lines of all). */
export async function withLines(db: Queryable, scope: BillingScope, rows: any[]): Promise<InvoiceRecord[]> {
  if (rows.length === 0) return [];
  const lines = await db.query(`SELECT * FROM billing_invoice_lines WHERE org_id = $1 AND invoice_id = ANY($2::uuid[]) ORDER BY invoice_id, position`, [
    scope.orgId,
    tokenArray(rows.map((r) => r.id)),
  ]);
  const by = new Map<string, InvoiceLine[]>();
  for (const l of lines) (by.get(l.invoice_id) ?? by.set(l.invoice_id, []).get(l.invoice_id)!).push(toLine(l));
  return rows.map((r) => toInvoice(r, by.get(r.id) ?? []));
}

export async function loadInvoices(db: Queryable, scope: BillingScope, ids: readonly string[], lock = ''): Promise<InvoiceRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.query(`SELECT * FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND id = ANY($3::uuid[]) ORDER BY id ${lock}`, [scope.orgId, scope.mode, tokenArray(ids)]);
  return withLines(db, scope, rows);
}

/** An invoice by id (uuid) or by number; with a tenant in context, only its own. Missing: 404 `invoice_not_found`. */
export async function getInvoice(db: Queryable, scope: BillingScope, key: { id: string | null } | { number: string }, tenantId: string | null, lock = ''): Promise<InvoiceRecord> {
  const byNumber = 'number' in key;
  const value = byNumber ? key.number : key.id;
  const rows =
    value === null
      ? []
      : await db.query(`SELECT * FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND ${byNumber ? 'number' : 'id'} = $3 AND ($4::text IS NULL OR tenant_id = $4) ${lock}`, [
          scope.orgId,
          scope.mode,
          value,
          tenantId,
        ]);
  if (rows.length === 0) throw billingError('invoice_not_found', 'the invoice does not exist', 'invoice_id');
  return (await withLines(db, scope, rows))[0];
}

export interface InvoiceFilter {
  tenantId: string | null;
  customerId?: string | null;
  status?: InvoiceStatus;
  /** Invoices whose period starts at or after. */
  start?: Date | null;
  /** Invoices whose period ends at or before. */
  end?: Date | null;
}

/** Newest first, ties by id. */
export async function listInvoices(db: Queryable, scope: BillingScope, filter: InvoiceFilter, page: PageRequest): Promise<Page<InvoiceRecord>> {
  const where = `org_id = $1 AND mode = $2 AND ($3::text IS NULL OR tenant_id = $3) AND ($4::uuid IS NULL OR customer_id = $4) AND ($5::text IS NULL OR status = $5)
                 AND ($6::timestamptz IS NULL OR period_start >= $6) AND ($7::timestamptz IS NULL OR period_end <= $7)`;
  const params = [scope.orgId, scope.mode, filter.tenantId, filter.customerId ?? null, filter.status ?? null, filter.start ?? null, filter.end ?? null];
  const rows = await db.query(`SELECT * FROM billing_invoices WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $8 OFFSET $9`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_invoices WHERE ${where}`, params);
  return pageOf(await withLines(db, scope, rows), n, page);
}
