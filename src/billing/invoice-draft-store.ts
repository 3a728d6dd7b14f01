import { tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import type { DraftLine } from './invoice-build.ts';
import type { InvoiceLine, InvoiceRecord } from './invoice-store.ts';
import { violates, type BillingScope } from './scope.ts';

/** The SQL that makes invoices: new drafts, set-based, and the lines appended to them. */

/** A new draft: everything but ids, times and what finalisation sets. */
export interface NewInvoice {
  tenantId: string;
  customerId: string | null;
  subscriptionId: string;
  planId: string;
  currency: string;
  subtotal: bigint;
  discount: bigint;
  tax: bigint;
  total: bigint;
  taxRatePpm: number;
  taxNote: string;
  periodStart: Date;
  periodEnd: Date;
  autoFinalizeAt: Date | null;
  lines: DraftLine[];
}

export const periodTaken = (subscriptionId: string) =>
  billingError('already_exists', 'the subscription already has an invoice for this period (void it to make another)', 'subscription_id');

/** Appends lines to invoices (a draft's own; finalisation adds `credit` after them), one statement for all; returns each item's lines as stored (with their ids). */
export async function insertLines(tx: Queryable, scope: BillingScope, items: { invoiceId: string; from: number; lines: DraftLine[] }[]): Promise<InvoiceLine[][]> {
  const stored = items.map((it) => it.lines.map((l): InvoiceLine => ({ ...l, id: newId() })));
  const flat = items.flatMap((it, n) => stored[n].map((l, i) => ({ invoiceId: it.invoiceId, position: it.from + i, l })));
  if (flat.length === 0) return stored;
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  // Each line's foreign-key check looks its invoice up with a plan PostgreSQL caches per
  // connection. Made while billing_invoices was small (a new installation, the first batch of
  // a period-end run), that plan scans an (org_id, …) index over all the app's invoices
  // instead of the primary key: each check then reads every invoice of the app, and a
  // 10,000-invoice run spent most of its time there (decision 0029). Planned afresh per
  // check, against the table as it is, each is one primary-key lookup.
  await tx.query(`SET LOCAL plan_cache_mode = force_custom_plan`);
  await tx.query(
    `INSERT INTO billing_invoice_lines (org_id, mode, id, invoice_id, position, type, description, quantity, unit_amount, amount, plan_id, feature_key, period_start, period_end)
     SELECT $1, $2, l.id, l.inv, l.pos, l.type, l.descr, l.qty, l.unit, l.amount, l.plan, l.feature, l.ps, l.pe
       FROM unnest($3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::int8[], $9::int8[], $10::int8[], $11::uuid[], $12::text[], $13::timestamptz[], $14::timestamptz[])
         AS l (id, inv, pos, type, descr, qty, unit, amount, plan, feature, ps, pe)`,
    [
      scope.orgId,
      scope.mode,
      tokenArray(flat.map((f) => f.l.id)),
      tokenArray(flat.map((f) => f.invoiceId)),
      tokenArray(flat.map((f) => f.position)),
      flat.map((f) => f.l.type),
      flat.map((f) => f.l.description),
      tokenArray(flat.map((f) => f.l.quantity)),
      tokenArray(flat.map((f) => f.l.unitAmount)),
      tokenArray(flat.map((f) => f.l.amount)),
      tokenArray(flat.map((f) => f.l.planId)),
      flat.map((f) => f.l.featureKey),
      tokenArray(flat.map((f) => iso(f.l.periodStart))),
      tokenArray(flat.map((f) => iso(f.l.periodEnd))),
    ],
  );
  return stored;
}

/** A draft as insertDrafts stores it: the row's values and defaults, without reading it back. */
function draftRecord(scope: BillingScope, id: string, d: NewInvoice, lines: InvoiceLine[], now: Date): InvoiceRecord {
  return {
    id,
    orgId: scope.orgId,
    mode: scope.mode,
    tenantId: d.tenantId,
    customerId: d.customerId,
    subscriptionId: d.subscriptionId,
    planId: d.planId,
    status: 'draft',
    currency: d.currency,
    subtotal: d.subtotal,
    discountAmount: d.discount,
    taxAmount: d.tax,
    total: d.total,
    creditApplied: 0n,
    amountDue: d.total,
    taxRatePpm: d.taxRatePpm,
    taxNote: d.taxNote,
    periodStart: d.periodStart,
    periodEnd: d.periodEnd,
    number: null,
    dueDate: null,
    finalizedAt: null,
    autoFinalizeAt: d.autoFinalizeAt,
    paidAt: null,
    paymentRef: null,
    voidedAt: null,
    voidReason: null,
    deferredAmount: 0n,
    recognizedAt: null,
    metadata: {},
    createdAt: now,
    updatedAt: now,
    lines,
  };
}

/**
 * Drafts, set-based (the period-end run makes hundreds per statement). A period that already
 * has a non-voided invoice: with `skipTaken` that draft is left out (the clock, which makes each
 * period's invoice once), else 409 `already_exists`. Returns the drafts made as stored, in input
 * order (null: skipped), built from what was written instead of read back.
 */
export async function insertDrafts(tx: Queryable, scope: BillingScope, drafts: readonly NewInvoice[], now: Date, skipTaken: boolean): Promise<(InvoiceRecord | null)[]> {
  if (drafts.length === 0) return [];
  const ids = drafts.map(() => newId());
  try {
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO billing_invoices (org_id, mode, id, tenant_id, customer_id, subscription_id, plan_id, status, currency, subtotal, discount_amount, tax_amount, total,
                                     amount_due, tax_rate_ppm, tax_note, period_start, period_end, auto_finalize_at, created_at, updated_at)
       SELECT $1, $2, d.id, d.tenant, d.customer, d.sub, d.plan, 'draft', d.currency, d.subtotal, d.discount, d.tax, d.total, d.total, d.ppm, d.note, d.ps, d.pe, d.auto, $18, $18
         FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::int8[], $10::int8[], $11::int8[], $12::int8[], $13::int[], $14::text[],
                     $15::timestamptz[], $16::timestamptz[], $17::timestamptz[]) AS d (id, tenant, customer, sub, plan, currency, subtotal, discount, tax, total, ppm, note, ps, pe, auto)
       ${skipTaken ? `ON CONFLICT (org_id, mode, subscription_id, period_start, period_end) WHERE status <> 'voided' DO NOTHING` : ''}
       RETURNING id`,
      [
        scope.orgId,
        scope.mode,
        tokenArray(ids),
        drafts.map((d) => d.tenantId),
        tokenArray(drafts.map((d) => d.customerId)),
        tokenArray(drafts.map((d) => d.subscriptionId)),
        tokenArray(drafts.map((d) => d.planId)),
        drafts.map((d) => d.currency),
        tokenArray(drafts.map((d) => d.subtotal)),
        tokenArray(drafts.map((d) => d.discount)),
        tokenArray(drafts.map((d) => d.tax)),
        tokenArray(drafts.map((d) => d.total)),
        tokenArray(drafts.map((d) => d.taxRatePpm)),
        drafts.map((d) => d.taxNote),
        tokenArray(drafts.map((d) => d.periodStart.toISOString())),
        tokenArray(drafts.map((d) => d.periodEnd.toISOString())),
        tokenArray(drafts.map((d) => d.autoFinalizeAt?.toISOString() ?? null)),
        now,
      ],
    );
    const made = new Set(rows.map((r) => r.id));
    const kept = drafts.flatMap((d, i) => (made.has(ids[i]) ? [{ d, id: ids[i] }] : []));
    const lines = await insertLines(tx, scope, kept.map(({ d, id }) => ({ invoiceId: id, from: 0, lines: d.lines })));
    const records = new Map(kept.map(({ d, id }, n) => [id, draftRecord(scope, id, d, lines[n], now)]));
    return ids.map((id) => records.get(id) ?? null);
  } catch (error) {
    if (violates(error, 'billing_invoices_period')) throw periodTaken(drafts[0].subscriptionId);
    throw error;
  }
}
