import { createHmac, randomBytes } from 'node:crypto';
import type { Db, Queryable } from './db.ts';
import type { Clock } from './clock.ts';

export interface IdempotencyScope {
  orgId: string;
  principalId: string;
  surface: string;
  key: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * The answer held a secret (a session, a new token): it was not stored, only that the
   * request succeeded, and a replay is refused instead of showing the secret again.
   */
  withheld?: boolean;
}

/**
 * What a key keeps of an answer: all of it, except a success whose answer carries a secret
 * shown once (sign-up, log-in, token minting), of which it keeps only that it succeeded.
 * Refusals hold no secret and are kept whole.
 */
export const keptAnswer = (response: StoredResponse, secretAnswer: boolean): StoredResponse =>
  secretAnswer && response.status < 300 ? { ...response, withheld: true } : response;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

/** JSON with object keys sorted at every depth, so key order never changes a fingerprint. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as any)[k])}`).join(',')}}`;
}

/**
 * What makes two requests "the same" for a key: method, path, canonical query and canonical
 * body, keyed with a server secret (HMAC), so a stored fingerprint of a log-in says nothing
 * about its password.
 */
export function fingerprint(secret: Uint8Array, method: string, path: string, query: unknown, body: unknown): string {
  const text = `${method} ${path}\n${canonicalJson(query ?? {})}\n${body === undefined ? '' : canonicalJson(body)}`;
  return createHmac('sha256', secret).update(text).digest('hex');
}

const scopeKey = (s: IdempotencyScope) => `${s.orgId}|${s.principalId}|${s.surface}|${s.key}`;

/**
 * Idempotency keys, scoped to (org, principal, surface, key). The first request claims the
 * key; duplicates wait for its answer and replay it; another body is a mismatch. 5xx answers
 * are not kept (the key is released). A claim whose request died may be taken over by a
 * retry with the same body: at once when the process that made it is gone (each process
 * holds an advisory lock for its lifetime and names it in its claims, so `pg_locks` tells),
 * else after `staleLockMs`.
 */
export class IdempotencyStore {
  private waiters = new Map<string, Set<() => void>>();
  /** This process's liveness lock (random, so processes never share one); null until `start`. */
  private owner: bigint | null = null;
  private ownerLock: { close(): Promise<void> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
    private readonly waitMs = 10_000,
    private readonly staleLockMs = 60_000,
  ) {}

  /** Takes this process's liveness lock; claims made before it carry no owner (and go stale by time only). */
  async start(): Promise<void> {
    // Below 2^62, so its two halves read back from pg_locks without sign trouble.
    const owner = BigInt.asUintN(62, BigInt(`0x${randomBytes(8).toString('hex')}`));
    this.ownerLock = await this.db.holdAdvisoryLock(owner);
    this.owner = owner;
  }

  async close(): Promise<void> {
    await this.ownerLock?.close();
  }

  async begin(scope: IdempotencyScope, print: string): Promise<Claim> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const claim = await this.tryClaim(scope, print);
      if (claim.kind !== 'in_progress') return claim;
      const left = deadline - Date.now();
      if (left <= 0) return claim;
      // Woken at once by a completion in this process; polling covers other instances.
      await this.waitForCompletion(scope, Math.min(left, 100));
    }
  }

  private async tryClaim(scope: IdempotencyScope, print: string): Promise<Claim> {
    const now = this.clock.now();
    const claimed = await this.db.query(
      `INSERT INTO idempotency_keys (org_id, principal_id, surface, key, fingerprint, locked_at, created_at, expires_at, owner_lock)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $9)
       ON CONFLICT (org_id, principal_id, surface, key) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, locked_at = EXCLUDED.locked_at, status_code = NULL,
             response_headers = NULL, response_body = NULL, withheld = false, created_at = EXCLUDED.created_at,
             expires_at = EXCLUDED.expires_at, owner_lock = EXCLUDED.owner_lock
       WHERE idempotency_keys.expires_at <= $6
          OR (idempotency_keys.status_code IS NULL AND idempotency_keys.fingerprint = EXCLUDED.fingerprint
              AND (idempotency_keys.locked_at <= $8
                   OR (idempotency_keys.owner_lock IS NOT NULL AND NOT EXISTS (
                         -- A bigint advisory key shows in pg_locks as classid (high half) and objid (low half).
                         SELECT 1 FROM pg_locks l
                          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                            AND ((l.classid::int8 << 32) | l.objid::int8) = idempotency_keys.owner_lock))))
       RETURNING 1 AS claimed`,
      [
        scope.orgId,
        scope.principalId,
        scope.surface,
        scope.key,
        print,
        now,
        new Date(now.getTime() + this.ttlSeconds * 1000),
        new Date(now.getTime() - this.staleLockMs),
        this.owner === null ? null : this.owner.toString(),
      ],
    );
    if (claimed.length > 0) return { kind: 'claimed' };
    const [row] = await this.db.query(
      `SELECT fingerprint, status_code, response_headers, response_body, withheld FROM idempotency_keys
        WHERE org_id = $1 AND principal_id = $2 AND surface = $3 AND key = $4`,
      [scope.orgId, scope.principalId, scope.surface, scope.key],
    );
    if (!row) return { kind: 'in_progress' }; // released between the two statements: try again
    if (row.fingerprint !== print) return { kind: 'mismatch' };
    if (row.status_code === null) return { kind: 'in_progress' };
    return { kind: 'replay', response: { status: row.status_code, headers: row.response_headers ?? {}, body: row.response_body ?? '', withheld: row.withheld } };
  }

  /**
   * Stores the answer. With `tx`, inside the transaction that commits the work (the answer
   * then exists exactly when the work does); waiting duplicates are woken by their polling.
   */
  async complete(scope: IdempotencyScope, response: StoredResponse, tx: Queryable = this.db): Promise<void> {
    const withheld = response.withheld === true;
    await tx.query(
      `UPDATE idempotency_keys SET status_code = $5, response_headers = $6, response_body = $7, withheld = $8, locked_at = NULL
        WHERE org_id = $1 AND principal_id = $2 AND surface = $3 AND key = $4`,
      [scope.orgId, scope.principalId, scope.surface, scope.key, response.status, withheld ? '{}' : JSON.stringify(response.headers), withheld ? null : response.body, withheld],
    );
    this.wake(scope);
  }

  /** Forgets a claim whose request failed with a 5xx, so a retry runs again. */
  async release(scope: IdempotencyScope): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys WHERE org_id = $1 AND principal_id = $2 AND surface = $3 AND key = $4 AND status_code IS NULL`,
      [scope.orgId, scope.principalId, scope.surface, scope.key],
    );
    this.wake(scope);
  }

  async purgeExpired(): Promise<number> {
    const rows = await this.db.query('DELETE FROM idempotency_keys WHERE expires_at <= $1 RETURNING 1', [this.clock.now()]);
    return rows.length;
  }

  private waitForCompletion(scope: IdempotencyScope, ms: number): Promise<void> {
    const key = scopeKey(scope);
    return new Promise((resolve) => {
      const set = this.waiters.get(key) ?? new Set();
      this.waiters.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(scope: IdempotencyScope) {
    for (const done of [...(this.waiters.get(scopeKey(scope)) ?? [])]) done();
  }
}
