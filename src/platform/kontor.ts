import { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import { systemClock, type Clock } from './clock.ts';
import { ApiKeys } from './identity/api-keys.ts';
import { SessionTokens, deriveKey, loadSessionSecret } from './identity/sessions.ts';
import { IdempotencyStore } from './idempotency.ts';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './rate-limit.ts';
import { LedgerEngine } from '../ledger/engine.ts';

/**
 * The shared core every surface is built on: one of each service, handed to the surfaces.
 * Nothing here knows which surface is calling.
 */
export interface Kontor {
  config: Config;
  db: Db;
  clock: Clock;
  ledger: LedgerEngine;
  apiKeys: ApiKeys;
  sessions: SessionTokens;
  idempotency: IdempotencyStore;
  rateLimiter: RateLimiter;
  /** A signing key for `purpose`, derived from the server secret (JWT_SECRET or the data directory's). */
  deriveKey(purpose: string): Buffer;
  /** Each surface's OpenAPI document, by surface name. */
  openapi: Map<string, () => object>;
  close(): Promise<void>;
}

const REVOKE_CHANNEL = 'kontor:api-keys:revoked';

export async function createKontor(config: Config, db: Db, options: { clock?: Clock } = {}): Promise<Kontor> {
  const clock = options.clock ?? systemClock;
  const apiKeys = new ApiKeys(db, clock, config.keyCacheTtlMs);
  let rateLimiter: RateLimiter = new MemoryRateLimiter();
  const closers: (() => Promise<unknown>)[] = [];
  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    const subscriber = redis.duplicate();
    await subscriber.subscribe(REVOKE_CHANNEL);
    subscriber.on('message', (_channel, id) => apiKeys.forget(id));
    apiKeys.onRevoke = (id) => void redis.publish(REVOKE_CHANNEL, id).catch(() => {});
    rateLimiter = new RedisRateLimiter(redis);
    closers.push(() => subscriber.quit(), () => redis.quit());
  }
  const idempotency = new IdempotencyStore(db, clock, config.idempotencyTtlSeconds);
  const sweeper = setInterval(() => void idempotency.purgeExpired().catch(() => {}), 10 * 60_000);
  sweeper.unref();
  // PGlite runs one backend and no autovacuum: keep planner statistics fresh and dead row
  // versions (balances are updated in place) reclaimed ourselves.
  let maintenanceRuns = 0;
  const maintenance =
    db.kind === 'pglite'
      ? setInterval(() => void db.query(maintenanceRuns++ % 6 === 5 ? 'VACUUM (ANALYZE)' : 'ANALYZE').catch(() => {}), 10 * 60_000)
      : null;
  maintenance?.unref();
  const ledger = new LedgerEngine(db, clock);
  const secret = await loadSessionSecret(config.jwtSecret, config.dataDir);
  return {
    config,
    db,
    clock,
    ledger,
    apiKeys,
    sessions: new SessionTokens(secret, clock, config.jwtAccessTtlSeconds),
    deriveKey: (purpose) => deriveKey(secret, purpose),
    idempotency,
    rateLimiter,
    openapi: new Map(),
    async close() {
      clearInterval(sweeper);
      if (maintenance) clearInterval(maintenance);
      await ledger.drain();
      await apiKeys.close();
      for (const close of closers) await close().catch(() => {});
    },
  };
}
