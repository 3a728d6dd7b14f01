import { tokenArray, type Queryable } from '../platform/db.ts';
import type { PendingCharge } from './invoice-build.ts';
import type { BillingScope } from './scope.ts';

/** What invoices are made from, read set-based for many subscriptions at once: usage over each period, pending proration lines. */

/** Each tenant's usage per feature over its own window [from, to): `tenant → feature → SUM`. */
export async function usageForWindows(db: Queryable, scope: BillingScope, windows: readonly { tenantId: string; from: Date; to: Date }[]): Promise<Map<string, Map<string, bigint>>> {
  const out = new Map<string, Map<string, bigint>>();
  if (windows.length === 0) return out;
  const rows = await db.query<{ n: number; feature_key: string; used: bigint }>(
    `SELECT w.n::int AS n, e.feature_key, sum(e.quantity)::int8 AS used
       FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS w (tenant, start_at, end_at, n)
       JOIN billing_usage_events e ON e.org_id = $1 AND e.mode = $2 AND e.tenant_id = w.tenant AND e.at >= w.start_at AND e.at < w.end_at
      GROUP BY w.n, e.feature_key`,
    [scope.orgId, scope.mode, windows.map((w) => w.tenantId), tokenArray(windows.map((w) => w.from.toISOString())), tokenArray(windows.map((w) => w.to.toISOString()))],
  );
  for (const r of rows) {
    const key = String(r.n - 1);
    (out.get(key) ?? out.set(key, new Map()).get(key)!).set(r.feature_key, r.used);
  }
  return out;
}

export interface StoredPending extends PendingCharge {
  id: string;
  subscriptionId: string;
  currency: string;
}

/** Pending lines not yet on an invoice, per subscription, oldest first. */
export async function unclaimedPending(db: Queryable, scope: BillingScope, subscriptionIds: readonly string[]): Promise<Map<string, StoredPending[]>> {
  const out = new Map<string, StoredPending[]>();
  if (subscriptionIds.length === 0) return out;
  const rows = await db.query(
    `SELECT id, subscription_id, description, plan_id, amount, currency, period_start, period_end FROM billing_pending_lines
      WHERE org_id = $1 AND mode = $2 AND subscription_id = ANY($3::uuid[]) AND invoice_id IS NULL ORDER BY created_at, id`,
    [scope.orgId, scope.mode, tokenArray(subscriptionIds)],
  );
  for (const r of rows) {
    const line: StoredPending = { id: r.id, subscriptionId: r.subscription_id, description: r.description, planId: r.plan_id, amount: r.amount, currency: r.currency, periodStart: r.period_start, periodEnd: r.period_end };
    (out.get(r.subscription_id) ?? out.set(r.subscription_id, []).get(r.subscription_id)!).push(line);
  }
  return out;
}

/** Marks pending lines as taken by invoices (`lineId → invoiceId`). */
export async function claimPending(tx: Queryable, scope: BillingScope, claims: readonly { lineId: string; invoiceId: string }[]): Promise<void> {
  if (claims.length === 0) return;
  await tx.query(
    `UPDATE billing_pending_lines AS p SET invoice_id = c.inv FROM unnest($3::uuid[], $4::uuid[]) AS c (id, inv) WHERE p.org_id = $1 AND p.mode = $2 AND p.id = c.id`,
    [scope.orgId, scope.mode, tokenArray(claims.map((c) => c.lineId)), tokenArray(claims.map((c) => c.invoiceId))],
  );
}

/** A voided invoice gives its pending lines back, for the invoice made again. */
export async function releasePending(tx: Queryable, scope: BillingScope, invoiceId: string): Promise<void> {
  await tx.query(`UPDATE billing_pending_lines SET invoice_id = NULL WHERE org_id = $1 AND mode = $2 AND invoice_id = $3`, [scope.orgId, scope.mode, invoiceId]);
}
