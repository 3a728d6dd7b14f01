import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../db.ts';
import type { Clock } from '../clock.ts';
import { DomainError, invalid } from '../errors.ts';
import { newId } from '../ids.ts';
import type { KeyFormats, KeyMode } from './key-formats.ts';

export type { KeyMode } from './key-formats.ts';

export const sha256 = (text: string) => createHash('sha256').update(text).digest();

export interface ApiKey {
  orgId: string;
  id: string;
  surface: string;
  userId: string | null;
  name: string | null;
  start: string;
  scopes: string[];
  mode: KeyMode;
  /** The one tenant of its app the key acts for; null: the whole app. */
  tenant: string | null;
  expiresAt: Date | null;
  /** Addresses and CIDR ranges the key may be used from; null: any. */
  ipAllowList: string[] | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** Who is calling: an API key or a user's session, always inside one org and one surface. */
export interface Principal {
  orgId: string;
  surface: string;
  kind: 'api_key' | 'session';
  /** The key id or the user id: what idempotency keys and rate limits are scoped by. */
  id: string;
  userId: string | null;
  /** Granted scopes; null for a session, which is not scope-limited. */
  scopes: ReadonlySet<string> | null;
  mode: KeyMode;
  /** A key bound to one tenant of its app acts for it only (absent: not bound). */
  tenant?: string | null;
  /** An API key's expiry (absent or null: none). */
  expiresAt?: Date | null;
  /** An API key's IP allow-list, which the surface checks against the caller (absent or null: any address). */
  ipAllowList?: readonly string[] | null;
}

export interface NewApiKey {
  orgId: string;
  surface: string;
  userId?: string | null;
  name?: string | null;
  scopes: string[];
  mode: KeyMode;
  tenant?: string | null;
  expiresAt?: Date | null;
  ipAllowList?: string[] | null;
}

const toApiKey = (r: any): ApiKey => ({
  orgId: r.org_id,
  id: r.id,
  surface: r.surface,
  userId: r.user_id,
  name: r.name,
  start: r.start,
  scopes: r.scopes,
  mode: r.mode,
  tenant: r.tenant ?? null,
  expiresAt: r.expires_at,
  ipAllowList: r.ip_allowlist ?? null,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  createdAt: r.created_at,
});

/** The NOTIFY channel on which every revoke is announced, to every server on the database. */
export const REVOCATION_CHANNEL = 'kontor_api_key_revoked';

/**
 * API keys: shown once, stored only as SHA-256. Lookups are cached for a few seconds; a
 * revoke announces the key's id with PostgreSQL NOTIFY in its own statement (sent when it
 * commits), and every server listening (`forget`) drops it from its cache at once, whichever
 * process revoked it (a server or the CLI). Last-used times are gathered in memory and
 * written in the background.
 */
/** A cached lookup: used until `until`; from `refreshAt` on, a request also starts a read in the background. */
interface CachedKey {
  key: ApiKey;
  principal: Principal;
  until: number;
  refreshAt: number;
  refreshing: boolean;
}

/**
 * How long before its expiry a cached key is read again in the background, at most: a key in
 * use is then never read on a request's path (a read there costs that request a round trip,
 * and every request arriving meanwhile another one).
 */
const REFRESH_AHEAD_MS = 1000;

export class ApiKeys {
  private cache = new Map<string, CachedKey>();
  /** Lookups on the request path in flight, per secret hash: requests arriving meanwhile share them. */
  private reading = new Map<string, Promise<CachedKey | null>>();
  /** Counts drops (`forget`, `forgetAll`): a read that began before one does not store what it read. */
  private drops = 0;
  private used = new Map<string, { orgId: string; at: Date }>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly cacheTtlMs: number,
    /** The key formats of the surfaces this server runs. */
    readonly formats: KeyFormats,
  ) {}

  async create(input: NewApiKey, tx: Queryable = this.db): Promise<{ key: ApiKey; secret: string }> {
    const secret = this.formats.generate(input.surface, input.mode);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= this.clock.now().getTime()) throw invalid('expires_at', 'expiry must be in the future');
    const rows = await tx.query(
      `INSERT INTO api_keys (org_id, id, surface, user_id, name, start, secret_sha256, scopes, mode, expires_at, created_at, tenant, ip_allowlist)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
      [
        input.orgId,
        newId(),
        input.surface,
        input.userId ?? null,
        input.name ?? null,
        secret.slice(0, secret.indexOf('_', 3) + 5),
        sha256(secret),
        input.scopes,
        input.mode,
        expiresAt,
        this.clock.now(),
        input.tenant ?? null,
        input.ipAllowList && input.ipAllowList.length > 0 ? input.ipAllowList : null,
      ],
    );
    return { key: toApiKey(rows[0]), secret };
  }

  async list(orgId: string, filter: { surface?: string; userId?: string } = {}): Promise<ApiKey[]> {
    const rows = await this.db.query(
      `SELECT * FROM api_keys WHERE org_id = $1 AND ($2::text IS NULL OR surface = $2) AND ($3::uuid IS NULL OR user_id = $3)
        ORDER BY id`,
      [orgId, filter.surface ?? null, filter.userId ?? null],
    );
    return rows.map(toApiKey);
  }

  /**
   * Keys of a user in a surface that are neither revoked nor expired at `now`; with `tx`, as
   * that transaction sees them (a limit checked under the caller's lock).
   */
  async countActive(orgId: string, filter: { surface: string; userId: string }, now: Date, tx: Queryable = this.db): Promise<number> {
    const [{ n }] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_keys WHERE org_id = $1 AND user_id = $2 AND surface = $3
          AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4)`,
      [orgId, filter.userId, filter.surface, now],
    );
    return n;
  }

  /**
   * Revokes at once (with `tx`, when it commits: the announcement goes with the commit);
   * false when there is no such live key in the org.
   */
  async revoke(orgId: string, id: string, tx: Queryable = this.db): Promise<boolean> {
    const rows = await tx.query(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id)
       SELECT pg_notify($4, id::text) FROM revoked`,
      [orgId, id, this.clock.now(), REVOCATION_CHANNEL],
    );
    this.forget(id);
    return rows.length > 0;
  }

  /** Drops a key from the cache (a revoke made here or announced by another process). */
  forget(id: string): void {
    this.drops++;
    for (const [hash, entry] of this.cache) if (entry.key.id === id) this.cache.delete(hash);
  }

  /** Drops every cached key: announcements may have been missed (the listening connection was lost). */
  forgetAll(): void {
    this.drops++;
    this.cache.clear();
  }

  /** The principal behind a secret, or null when it is malformed, unknown, expired or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const hash = sha256(secret);
    const cacheKey = hash.toString('base64');
    const now = this.clock.now();
    let entry: CachedKey | null | undefined = this.cache.get(cacheKey);
    const nowMs = Date.now();
    if (!entry || entry.until < nowMs) {
      // A mistyped or made-up secret is refused without a database read.
      if (!this.formats.parse(secret)) return null;
      let read = this.reading.get(cacheKey);
      if (!read) {
        read = this.read(cacheKey, hash).finally(() => this.reading.delete(cacheKey));
        this.reading.set(cacheKey, read);
      }
      entry = await read;
      if (!entry) return null;
    } else if (nowMs >= entry.refreshAt && !entry.refreshing) {
      // Still valid: answered from the cache while the next lookup runs beside it.
      entry.refreshing = true;
      const stale = entry;
      // Not replaced (a failed read, or a drop meanwhile): the next request may try again.
      const retry = () => void (stale.refreshing = false);
      this.read(cacheKey, hash).then(retry, retry);
    }
    const k = entry.key;
    if (k.revokedAt || (k.expiresAt && k.expiresAt.getTime() <= now.getTime())) return null;
    this.used.set(k.id, { orgId: k.orgId, at: now });
    this.scheduleFlush();
    return entry.principal;
  }

  /** Reads a key by its secret's hash and caches it, unless a drop came meanwhile (a revoke must not be undone). */
  private async read(cacheKey: string, hash: Buffer): Promise<CachedKey | null> {
    const drops = this.drops;
    const rows = await this.db.query('SELECT * FROM api_keys WHERE secret_sha256 = $1', [hash]);
    const kept = drops === this.drops && this.cacheTtlMs > 0;
    if (rows.length === 0) {
      if (kept) this.cache.delete(cacheKey);
      return null;
    }
    const key = toApiKey(rows[0]);
    // One principal per cached key: the hot path builds nothing per request.
    const principal: Principal = { orgId: key.orgId, surface: key.surface, kind: 'api_key', id: key.id, userId: key.userId, scopes: new Set(key.scopes), mode: key.mode, tenant: key.tenant, expiresAt: key.expiresAt, ipAllowList: key.ipAllowList };
    const fetched = Date.now();
    const until = fetched + this.cacheTtlMs;
    const entry: CachedKey = { key, principal, until, refreshAt: Math.max(fetched + this.cacheTtlMs / 2, until - REFRESH_AHEAD_MS), refreshing: false };
    if (kept) this.cache.set(cacheKey, entry);
    return entry;
  }

  /** Writes the gathered last-used times in one statement. */
  async flushLastUsed(): Promise<void> {
    if (this.used.size === 0) return;
    const batch = [...this.used.entries()];
    this.used.clear();
    await this.db.query(
      `UPDATE api_keys k SET last_used_at = u.at
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS u(org_id, id, at)
        WHERE k.org_id = u.org_id AND k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [batch.map(([, v]) => v.orgId), batch.map(([id]) => id), batch.map(([, v]) => v.at)],
    );
  }

  private scheduleFlush() {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushLastUsed().catch(() => {});
    }, 2000);
    this.flushTimer.unref();
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.flushLastUsed().catch(() => {});
  }
}

/** Deny by default: a key may do only what its scopes name, and `:write` never implies `:read`. */
export function requireScope(principal: Principal, scope: string): void {
  if (principal.scopes !== null && !principal.scopes.has(scope)) {
    throw new DomainError('forbidden', `this credential lacks the scope ${scope}`, undefined, { scope });
  }
}
