import { prepared, textArray, tokenArray, type Queryable } from '../platform/db.ts';
import { writeAuditInsert, type WriteAuditRow } from '../platform/write-audit.ts';
import type { StoredUsageEvent, UsageEvent } from './meter-events.ts';
import { pageOf, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** One request's events, waiting for the meter queue's commit: whose they are, and the request's audit row. */
export interface UsageEventBatch {
  scope: BillingScope;
  tenantId: string;
  /** The request's time: an event whose `at` is this very Date is stored at it (sent once, not per event). */
  at: Date;
  events: UsageEvent[];
  /**
   * The request's `write_audit` row, written by the same statement. With `id` set to one of
   * the batch's event ids, it is written only if that event is stored (a single event refused
   * as a duplicate answers 409, and a refused write leaves no audit row).
   */
  audit: WriteAuditRow | null;
}

/** What a group's statement did: the events refused (their key was held), and its transaction's id. */
export interface StoredGroup {
  /** Ids of the events not stored because their idempotency_key was already held. */
  refused: Set<string>;
  /** `pg_current_xact_id()` of the writing transaction (decimal text), for caches that must tell whether a read saw it. */
  xid: string;
}

// The events of the group with each batch's org, mode, tenant and time sent once ($1–$4, by
// batch number u). Rows go in key order (the same order on every server: two groups wait on
// each other's keys instead of deadlocking).
const EVENTS = `SELECT ($1::uuid[])[x.u] AS org_id, ($2::text[])[x.u] AS mode, x.id, ($3::text[])[x.u] AS tenant_id, x.feature_key, x.quantity,
            coalesce(x.at, ($4::timestamptz[])[x.u]) AS at, x.key, x.n
       FROM unnest($5::int4[], $6::uuid[], $7::text[], $8::int8[], $9::timestamptz[], $10::text[]) WITH ORDINALITY
         AS x(u, id, feature_key, quantity, at, key, n)`;
const INSERT_EVENTS = `INSERT INTO billing_usage_events (org_id, mode, id, tenant_id, feature_key, quantity, at, idempotency_key, metadata, created_at)
     SELECT e.org_id, e.mode, e.id, e.tenant_id, e.feature_key, e.quantity, e.at, e.key, $11::jsonb -> (e.n::int - 1), $12`;
const KEY_ORDER = `ORDER BY e.org_id, e.mode, e.tenant_id COLLATE "C", e.key COLLATE "C", e.n`;
// The notices ($13 channel, $14 payloads) are sent by the statement (a SELECT in a CTE runs only when read: the answer reads it).
const NOTICES_CTE = `notices AS (SELECT count(pg_notify($13, p)) AS n FROM unnest($14::text[]) AS p)`;
const AUDIT_FIRST_PARAM = 15;
const auditCte = (condition: string) => `audit AS (${writeAuditInsert([], AUDIT_FIRST_PARAM).sql}${condition})`;

// Every event is new (the caller dropped repeats within the group): a plain INSERT, whose
// unique index refuses a key already held (23505, `KEY_HELD`). Per event it costs about a
// quarter less database time than ON CONFLICT's speculative insertion (measured on the
// embedded PostgreSQL 18: 20.4 against 25.7 µs a row, two indexes).
const INSERT_ALL = `ins AS (${INSERT_EVENTS}
       FROM (${EVENTS}) AS e ${KEY_ORDER}
   )`;
const ANSWER_ALL = `SELECT pg_current_xact_id()::text AS xid, '{}'::text[] AS refused, (SELECT n FROM notices) AS notices`;
const STORE_NEW = prepared(`WITH ${INSERT_ALL}, ${NOTICES_CTE}\n   ${ANSWER_ALL}`);
const STORE_NEW_AUDITED = prepared(`WITH ${INSERT_ALL}, ${NOTICES_CTE}, ${auditCte('')}\n   ${ANSWER_ALL}`);

// An event whose key is already held for its app, mode and tenant (by a stored event, or one
// earlier in this group: among events with one key, the first sent wins) is not stored
// (`ON CONFLICT DO NOTHING`), and named in the answer.
const EVENTS_CTE = `e AS (${EVENTS}
   ), ins AS (${INSERT_EVENTS}
       FROM e ${KEY_ORDER}
     ON CONFLICT (org_id, mode, tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING id
   ), refused AS (
     SELECT e.id FROM e WHERE e.key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ins WHERE ins.id = e.id)
   )`;
const ANSWER = `SELECT pg_current_xact_id()::text AS xid, array(SELECT id FROM refused)::text[] AS refused, (SELECT n FROM notices) AS notices`;
const STORE = prepared(`WITH ${EVENTS_CTE}, ${NOTICES_CTE}\n   ${ANSWER}`);
const STORE_AUDITED = prepared(`WITH ${EVENTS_CTE}, ${NOTICES_CTE}, ${auditCte(' WHERE a.id NOT IN (SELECT id FROM refused)')}\n   ${ANSWER}`);

/** The unique index that refuses a held key, in the fast statement. */
export const KEY_HELD = 'billing_usage_events_key';

/** How a group is written: `new` expects no key to be held (and fails with KEY_HELD if one is); `checked` refuses held keys one by one. */
export type StoreMode = 'new' | 'checked';

/**
 * Writes a group of events (several requests' worth) and the requests' audit rows in one
 * statement, with `notices` (NOTIFYs sent when it commits): outside a transaction it is one
 * round trip and one commit. A repeated key within the group is refused here, the first sent
 * winning. A key already stored: with `checked`, that event is refused (`ON CONFLICT DO
 * NOTHING` on the events' unique index); with `new`, the statement fails on that index
 * (`violates(error, KEY_HELD)`) and nothing of it is written.
 */
export async function storeUsageEvents(
  q: Queryable,
  batches: readonly UsageEventBatch[],
  now: Date,
  notices: { channel: string; payloads: string[] } | null = null,
  mode: StoreMode = 'checked',
): Promise<StoredGroup> {
  const u: number[] = [];
  const ids: string[] = [];
  const features: string[] = [];
  const quantities: bigint[] = [];
  const ats: (string | null)[] = [];
  const keys: (string | null)[] = [];
  const metadata: Record<string, string>[] = [];
  const audits: WriteAuditRow[] = [];
  const repeats = mode === 'new' ? repeatedKeys(batches) : null;
  batches.forEach((b, i) => {
    for (const e of b.events) {
      if (repeats?.has(e.id)) continue;
      u.push(i + 1);
      ids.push(e.id);
      features.push(e.featureKey);
      quantities.push(e.quantity);
      ats.push(e.at === b.at ? null : e.at.toISOString());
      keys.push(e.idempotencyKey);
      metadata.push(e.metadata);
    }
    if (b.audit && !(b.audit.id && repeats?.has(b.audit.id))) audits.push(b.audit);
  });
  const params: unknown[] = [
    tokenArray(batches.map((b) => b.scope.orgId)),
    batches.map((b) => b.scope.mode),
    batches.map((b) => b.tenantId),
    tokenArray(batches.map((b) => b.at.toISOString())),
    tokenArray(u),
    tokenArray(ids),
    textArray(features),
    tokenArray(quantities),
    tokenArray(ats),
    textArray(keys),
    // One JSON array, element i the metadata of row i: a jsonb[] parameter parses each element apart, several times slower.
    // (Metadata holds strings only: no bigint to convert, so no replacer, which costs a call per key.)
    JSON.stringify(metadata),
    now,
    notices?.channel ?? '',
    notices?.payloads ?? [],
  ];
  const sql = mode === 'new' ? (audits.length > 0 ? STORE_NEW_AUDITED : STORE_NEW) : audits.length > 0 ? STORE_AUDITED : STORE;
  if (audits.length > 0) params.push(...writeAuditInsert(audits, AUDIT_FIRST_PARAM).params);
  const [row] = await q.query<{ xid: string; refused: string[] }>(sql, params);
  const refused = new Set(row.refused);
  for (const id of repeats ?? []) refused.add(id);
  return { refused, xid: row.xid };
}

/** Ids of the events whose key an earlier event of the group (in sending order) already has, for its app, mode and tenant. */
function repeatedKeys(batches: readonly UsageEventBatch[]): Set<string> {
  const repeats = new Set<string>();
  const seen = new Set<string>();
  for (const b of batches) {
    const scope = `${b.scope.orgId}\u0000${b.scope.mode}\u0000${b.tenantId}\u0000`;
    for (const e of b.events) {
      if (e.idempotencyKey === null) continue;
      const key = scope + e.idempotencyKey;
      if (seen.has(key)) repeats.add(e.id);
      else seen.add(key);
    }
  }
  return repeats;
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

/**
 * A tenant's usage per feature over [from, to), with the snapshot the statement saw
 * (`pg_current_snapshot()`, `xmin:xmax:xip…`): which groups' transactions the sums include.
 */
export async function usageWithSnapshot(db: Queryable, scope: BillingScope, tenantId: string, from: Date, to: Date): Promise<{ sums: Map<string, bigint>; snapshot: string }> {
  const [row] = await db.query<{ snapshot: string; features: string[] | null; sums: string[] | null }>(
    `SELECT pg_current_snapshot()::text AS snapshot, array_agg(feature_key) AS features, array_agg(used::text) AS sums
       FROM (SELECT feature_key, sum(quantity) AS used FROM billing_usage_events
              WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 AND at >= $4 AND at < $5 GROUP BY feature_key) AS u`,
    [scope.orgId, scope.mode, tenantId, from, to],
  );
  return { sums: new Map((row.features ?? []).map((f, i) => [f, BigInt(row.sums![i])])), snapshot: row.snapshot };
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
