import { tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import type { DraftLine } from './invoice-build.ts';
import type { InvoiceStatus } from './invoice-states.ts';
import { pageOf, violates, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** The SQL of invoices and their lines; the rules are in invoicing.ts and invoice-states.ts. */
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
async function withLines(db: Queryable, scope: BillingScope, rows: any[]): Promise<InvoiceRecord[]> {
  if (rows.length === 0) return [];
  const lines = await db.query(`SELECT * FROM billing_invoice_lines WHERE org_id = $1 AND invoice_id = ANY($2::uuid[]) ORDER BY invoice_id, position`, [
    scope.orgId,
    tokenArray(rows.map((r) => r.id)),
  ]);
  const by = new Map<string, InvoiceLine[]>();
  for (const l of lines) (by.get(l.invoice_id) ?? by.set(l.invoice_id, []).get(l.invoice_id)!).push(toLine(l));
  return rows.map((r) => toInvoice(r, by.get(r.id) ?? []));
}

export const periodTaken = (subscriptionId: string) =>
  billingError('already_exists', 'the subscription already has an invoice for this period (void it to make another)', 'subscription_id');

/** Lines appended after those an invoice has (finalisation adds `credit`). */
/** Appends lines to invoices, one statement for all; returns each item's lines as stored (with their ids). */
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

/** Drafts the clock made whose finalisation time has come, locked (others' skipped). */
export async function dueDrafts(tx: Queryable, scope: BillingScope, now: Date, limit: number): Promise<InvoiceRecord[]> {
  const rows = await tx.query(
    `SELECT * FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND status = 'draft' AND auto_finalize_at <= $3
      ORDER BY auto_finalize_at, id LIMIT $4 FOR UPDATE SKIP LOCKED`,
    [scope.orgId, scope.mode, now, limit],
  );
  return withLines(tx, scope, rows);
}

/** A draft that cannot finalise by itself (nobody to bill) stops being retried. */
export async function stopAutoFinalize(tx: Queryable, scope: BillingScope, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx.query(`UPDATE billing_invoices SET auto_finalize_at = NULL WHERE org_id = $1 AND mode = $2 AND id = ANY($3::uuid[])`, [scope.orgId, scope.mode, tokenArray(ids)]);
}

/** Finalised invoices with deferred base fees whose period has ended by `now`, locked (others' skipped). */
export async function dueRecognitions(tx: Queryable, scope: BillingScope, now: Date, limit: number): Promise<InvoiceRecord[]> {
  const rows = await tx.query(
    `SELECT * FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND deferred_amount <> 0 AND recognized_at IS NULL AND status IN ('pending', 'paid', 'past_due')
        AND period_end <= $3 ORDER BY period_end, id LIMIT $4 FOR UPDATE SKIP LOCKED`,
    [scope.orgId, scope.mode, now, limit],
  );
  return withLines(tx, scope, rows);
}

export async function markRecognised(tx: Queryable, scope: BillingScope, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length > 0) await tx.query(`UPDATE billing_invoices SET recognized_at = $4, updated_at = $4 WHERE org_id = $1 AND mode = $2 AND id = ANY($3::uuid[])`, [scope.orgId, scope.mode, tokenArray(ids), now]);
}

/**
 * Worlds (app and mode) with invoice work due by real time `now` (drafts to finalise, deferred
 * revenue to recognise), each with its own time: a sandbox's clock may be ahead.
 */
export async function invoiceWorlds(db: Queryable, now: Date, limit = 100): Promise<(BillingScope & { now: Date })[]> {
  const rows = await db.query<{ org_id: string; mode: 'live' | 'sandbox'; offset_ms: bigint | null }>(
    `SELECT w.org_id, w.mode, c.offset_ms FROM (
        SELECT DISTINCT i.org_id, i.mode FROM billing_invoices i
          LEFT JOIN billing_test_clocks c ON c.org_id = i.org_id AND i.mode = 'sandbox'
         WHERE (i.status = 'draft' AND i.auto_finalize_at IS NOT NULL AND i.auto_finalize_at <= $1::timestamptz + coalesce(c.offset_ms, 0) * interval '1 millisecond')
            OR (i.deferred_amount <> 0 AND i.recognized_at IS NULL AND i.status IN ('pending', 'paid', 'past_due')
                AND i.period_end <= $1::timestamptz + coalesce(c.offset_ms, 0) * interval '1 millisecond')
      ) AS w LEFT JOIN billing_test_clocks c ON c.org_id = w.org_id AND w.mode = 'sandbox'
      ORDER BY w.org_id, w.mode LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({ orgId: r.org_id, mode: r.mode, now: new Date(now.getTime() + Number(r.offset_ms ?? 0n)) }));
}
