import { tokenArray, type Queryable } from '../db.ts';
import type { KeyMode } from '../identity/key-formats.ts';
import type { EndpointSecrets, WebhookWorld } from './endpoints.ts';
import { nextAttemptAt } from './schedule.ts';
import type { SendResult } from './send.ts';

/** A delivery a worker holds: what to send where, signed with which secrets, under which claim. */
export interface ClaimedDelivery {
  orgId: string;
  id: string;
  /** This attempt's number, 1-based. */
  attempt: number;
  endpointId: string;
  eventId: string;
  mode: KeyMode;
  url: string;
  body: string;
  secrets: EndpointSecrets;
  lease: string;
}

/**
 * Takes up to `limit` deliveries due by `now` that no other worker holds (`FOR UPDATE SKIP
 * LOCKED`), in one statement: each counts an attempt and is due again at `leaseUntil`, so a
 * worker that dies holding it (killed mid-request) leaves it to be taken again then, with the
 * same event id. Oldest events first.
 */
export async function claimDue(db: Queryable, now: Date, leaseUntil: Date, lease: string, limit: number): Promise<ClaimedDelivery[]> {
  const rows = await db.query(
    `WITH due AS (
       SELECT org_id, id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at, event_id LIMIT $4 FOR UPDATE SKIP LOCKED
     )
     UPDATE webhook_deliveries d SET attempts = d.attempts + 1, lease = $3, next_attempt_at = $2
       FROM due, webhook_events e, webhook_endpoints w
      WHERE d.org_id = due.org_id AND d.id = due.id AND e.org_id = d.org_id AND e.id = d.event_id AND w.org_id = d.org_id AND w.id = d.endpoint_id
     RETURNING d.org_id, d.id, d.attempts, d.endpoint_id, d.event_id, w.mode, w.url, w.secret, w.previous_secret, w.previous_secret_until, e.body`,
    [now, leaseUntil, lease, limit],
  );
  return rows.map((r) => ({
    orgId: r.org_id,
    id: r.id,
    attempt: r.attempts,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    mode: r.mode,
    url: r.url,
    body: r.body,
    secrets: { secret: r.secret, previousSecret: r.previous_secret, previousSecretUntil: r.previous_secret_until },
    lease,
  }));
}

export const succeeded = (result: SendResult) => result.status !== null && result.status >= 200 && result.status < 300;

/**
 * Records an attempt's result (always, as an attempt row) and moves the delivery on (only
 * while this claim still holds it): succeeded, due again on the backoff schedule, or failed
 * after the last attempt. One statement.
 */
export async function recordAttempt(db: Queryable, claim: ClaimedDelivery, result: SendResult, at: Date): Promise<'succeeded' | 'pending' | 'failed'> {
  const ok = succeeded(result);
  const next = ok ? null : nextAttemptAt(claim.attempt, at);
  const status = ok ? 'succeeded' : next ? 'pending' : 'failed';
  await db.query(
    `WITH moved AS (
       UPDATE webhook_deliveries SET status = $4, next_attempt_at = $5, lease = NULL, last_attempt_at = $6, last_response_code = $7, last_error = $8
        WHERE org_id = $1 AND id = $2 AND lease = $3 RETURNING id
     )
     INSERT INTO webhook_attempts (org_id, delivery_id, attempt, at, succeeded, response_code, error, duration_ms)
     SELECT $1, $2, $9, $6, $10, $7, $8, $11 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE org_id = $1 AND id = $2)
     ON CONFLICT DO NOTHING`,
    [claim.orgId, claim.id, claim.lease, status, next, at, result.status, result.error, claim.attempt, ok, result.durationMs],
  );
  return status;
}

/** Gives a delivery back uncounted (its worker is stopping mid-request): due again at `at`, for any worker. */
export async function releaseClaim(db: Queryable, claim: ClaimedDelivery, at: Date): Promise<void> {
  await db.query(`UPDATE webhook_deliveries SET attempts = attempts - 1, lease = NULL, next_attempt_at = $4 WHERE org_id = $1 AND id = $2 AND lease = $3`, [
    claim.orgId,
    claim.id,
    claim.lease,
    at,
  ]);
}

export interface AttemptRecord {
  attempt: number;
  at: Date;
  succeeded: boolean;
  responseCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: AttemptRecord[];
  /** When it is next tried (a held delivery: when its lease ends); null once done. */
  nextAttemptAt: Date | null;
  createdAt: Date;
}

/** An endpoint's deliveries, newest first, each with its attempts oldest first: `limit + 1` rows and the total. */
export async function listDeliveries(db: Queryable, world: WebhookWorld, endpointId: string, limit: number, offset: number): Promise<{ items: DeliveryRecord[]; total: number }> {
  const rows = await db.query(
    `SELECT d.id, d.event_id, e.type, d.status, d.created_at,
            CASE WHEN d.next_attempt_at = '-infinity' THEN d.created_at ELSE d.next_attempt_at END AS next_attempt_at
       FROM webhook_deliveries d JOIN webhook_events e ON e.org_id = d.org_id AND e.id = d.event_id
      WHERE d.org_id = $1 AND d.endpoint_id = $2 ORDER BY d.created_at DESC, d.event_id DESC LIMIT $3 OFFSET $4`,
    [world.orgId, endpointId, limit + 1, offset],
  );
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2`, [world.orgId, endpointId]);
  const attempts = new Map<string, AttemptRecord[]>();
  if (rows.length > 0) {
    const found = await db.query(
      `SELECT delivery_id, attempt, at, succeeded, response_code, error, duration_ms FROM webhook_attempts
        WHERE org_id = $1 AND delivery_id = ANY($2::uuid[]) ORDER BY delivery_id, attempt`,
      [world.orgId, tokenArray(rows.map((r) => r.id))],
    );
    for (const a of found) {
      const list = attempts.get(a.delivery_id) ?? [];
      list.push({ attempt: a.attempt, at: a.at, succeeded: a.succeeded, responseCode: a.response_code, error: a.error, durationMs: a.duration_ms });
      attempts.set(a.delivery_id, list);
    }
  }
  return {
    items: rows.map((r) => ({ id: r.id, eventId: r.event_id, eventType: r.type, status: r.status, attempts: attempts.get(r.id) ?? [], nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null, createdAt: r.created_at })),
    total: n,
  };
}
