import { tokenArray, type Queryable } from '../platform/db.ts';
import type { StoredUsageEvent, UsageEvent } from './meter-events.ts';
import { jsonText, pageOf, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** An event waiting for the meter queue's commit, with whose it is. */
export interface PendingUsageEvent {
  scope: BillingScope;
  tenantId: string;
  event: UsageEvent;
}

/**
 * Writes a group of events (several requests' worth) in the caller's transaction, set-based:
 * one insert of idempotency keys, one of events. An event whose key is already held for its
 * app, mode and tenant (stored earlier, or earlier in this same group) is not stored. Keys go
 * in sorted order, so two servers' groups wait on each other's keys instead of deadlocking.
 * Returns the ids of the events stored.
 */
export async function storeUsageEvents(tx: Queryable, pending: readonly PendingUsageEvent[], now: Date): Promise<Set<string>> {
  const stored = new Set<string>();
  const keyed: PendingUsageEvent[] = [];
  for (const p of pending) (p.event.idempotencyKey === null ? stored.add(p.event.id) : keyed.push(p));
  if (keyed.length > 0) {
    const sortKey = (p: PendingUsageEvent) => `${p.scope.orgId}\u0000${p.scope.mode}\u0000${p.tenantId}\u0000${p.event.idempotencyKey}`;
    const sorted = keyed.map((p) => [sortKey(p), p] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, p]) => p);
    const rows = await tx.query<{ event_id: string }>(
      `INSERT INTO billing_meter_keys (org_id, mode, tenant_id, idempotency_key, event_id, created_at)
       SELECT k.org_id, k.mode, k.tenant_id, k.key, k.event_id, $6
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[]) WITH ORDINALITY AS k(org_id, mode, tenant_id, key, event_id, n)
        ORDER BY k.n
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [
        tokenArray(sorted.map((p) => p.scope.orgId)),
        sorted.map((p) => p.scope.mode),
        sorted.map((p) => p.tenantId),
        sorted.map((p) => p.event.idempotencyKey),
        tokenArray(sorted.map((p) => p.event.id)),
        now,
      ],
    );
    for (const r of rows) stored.add(r.event_id);
  }
  const rows = pending.filter((p) => stored.has(p.event.id));
  if (rows.length === 0) return stored;
  await tx.query(
    `INSERT INTO billing_usage_events (org_id, mode, id, tenant_id, feature_key, quantity, at, idempotency_key, metadata, created_at)
     SELECT e.org_id, e.mode, e.id, e.tenant_id, e.feature_key, e.quantity, e.at, e.key, $9::jsonb -> (e.n::int - 1), $10
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::int8[], $7::timestamptz[], $8::text[]) WITH ORDINALITY
         AS e(org_id, mode, id, tenant_id, feature_key, quantity, at, key, n)`,
    [
      tokenArray(rows.map((p) => p.scope.orgId)),
      rows.map((p) => p.scope.mode),
      tokenArray(rows.map((p) => p.event.id)),
      rows.map((p) => p.tenantId),
      rows.map((p) => p.event.featureKey),
      tokenArray(rows.map((p) => p.event.quantity)),
      tokenArray(rows.map((p) => p.event.at.toISOString())),
      rows.map((p) => p.event.idempotencyKey),
      // One JSON array, element i the metadata of row i: a jsonb[] parameter parses each element apart, several times slower.
      jsonText(rows.map((p) => p.event.metadata)),
      now,
    ],
  );
  return stored;
}

/** Forgets idempotency keys stored before `before`: their events may then be sent again. */
export async function sweepMeterKeys(db: Queryable, before: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM billing_meter_keys WHERE created_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
    [before],
  );
  return rows[0].n;
}

/** A tenant's usage per feature over [from, to): the SUM of its events' quantities. */
export async function usageByFeature(db: Queryable, scope: BillingScope, tenantId: string, from: Date, to: Date, featureKeys: readonly string[] | null = null): Promise<Map<string, bigint>> {
  const rows = await db.query<{ feature_key: string; used: bigint }>(
    `SELECT feature_key, sum(quantity)::int8 AS used FROM billing_usage_events
      WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 AND at >= $4 AND at < $5 AND ($6::text[] IS NULL OR feature_key = ANY ($6))
      GROUP BY feature_key`,
    [scope.orgId, scope.mode, tenantId, from, to, featureKeys],
  );
  return new Map(rows.map((r) => [r.feature_key, r.used]));
}

export type HistoryUnit = 'day' | 'week' | 'month';

/** A feature's usage over [from, to) by UTC day, ISO week (from Monday) or month: `YYYY-MM-DD` of each bucket's first day → SUM. */
export async function usageBuckets(db: Queryable, scope: BillingScope, tenantId: string, featureKey: string, from: Date, to: Date, unit: HistoryUnit): Promise<Map<string, bigint>> {
  const rows = await db.query<{ bucket: string; used: bigint }>(
    `SELECT to_char(date_trunc($7, at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS bucket, sum(quantity)::int8 AS used
       FROM billing_usage_events
      WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 AND feature_key = $4 AND at >= $5 AND at < $6
      GROUP BY 1`,
    [scope.orgId, scope.mode, tenantId, featureKey, from, to, unit],
  );
  return new Map(rows.map((r) => [r.bucket, r.used]));
}

export interface UsageEventFilter {
  featureKey: string | null;
  /** Events at or after. */
  start: Date | null;
  /** Events before. */
  end: Date | null;
}

const toEvent = (r: any): StoredUsageEvent => ({
  id: r.id,
  orgId: r.org_id,
  tenantId: r.tenant_id,
  featureKey: r.feature_key,
  quantity: r.quantity,
  idempotencyKey: r.idempotency_key,
  at: r.at,
  metadata: r.metadata,
  createdAt: r.created_at,
});

/** A tenant's raw events, newest first (ties by id). */
export async function listUsageEvents(db: Queryable, scope: BillingScope, tenantId: string, filter: UsageEventFilter, page: PageRequest): Promise<Page<StoredUsageEvent>> {
  const where = `org_id = $1 AND mode = $2 AND tenant_id = $3 AND ($4::text IS NULL OR feature_key = $4)
                 AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)`;
  const params = [scope.orgId, scope.mode, tenantId, filter.featureKey, filter.start, filter.end];
  const rows = await db.query(`SELECT * FROM billing_usage_events WHERE ${where} ORDER BY at DESC, id DESC LIMIT $7 OFFSET $8`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_usage_events WHERE ${where}`, params);
  return pageOf(rows.map(toEvent), n, page);
}
