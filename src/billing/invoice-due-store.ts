import { tokenArray, type Queryable } from '../platform/db.ts';
import { withLines, type InvoiceRecord } from './invoice-store.ts';
import type { BillingScope } from './scope.ts';

/**
 * The clock's queue of invoice work: drafts due to finalise, deferred revenue due to be
 * recognised, and the worlds that have either.
 */

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
