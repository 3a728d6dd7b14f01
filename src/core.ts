import type { Config } from './platform/config.ts';
import type { Db } from './platform/db.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { ApiKeys, REVOCATION_CHANNEL } from './platform/identity/api-keys.ts';
import { SessionTokens, deriveKey, loadSessionSecrets } from './platform/identity/sessions.ts';
import { IdempotencyStore } from './platform/idempotency.ts';
import { WriteRunner } from './platform/write-runner.ts';
import { surfaceKeyFormats } from './surfaces.ts';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from './platform/rate-limit.ts';
import { LedgerEngine } from './ledger/engine.ts';

/**
 * The shared core every surface is built on: one of each service, handed to the surfaces.
 * Nothing here knows which surface is calling.
 */
export interface Core {
  config: Config;
  db: Db;
  clock: Clock;
  ledger: LedgerEngine;
  apiKeys: ApiKeys;
  sessions: SessionTokens;
  idempotency: IdempotencyStore;
  /** Every mutation goes through it: transaction, command, audit row, stored answer, commit. */
  writes: WriteRunner;
  rateLimiter: RateLimiter;
  /** A signing key for `purpose`, derived from the server secret (JWT_SECRET or the data directory's). */
  deriveKey(purpose: string): Buffer;
  /** Each surface's OpenAPI document, by surface name. */
  openapi: Map<string, () => object>;
  /**
   * Work a surface started (billing's meter queue) to finish when the core closes, before
   * anything it needs: `main.ts`'s SIGTERM drains it after the server stopped taking requests.
   */
  atClose(finish: () => Promise<unknown>): void;
  close(): Promise<void>;
}

export async function createCore(config: Config, db: Db, options: { clock?: Clock } = {}): Promise<Core> {
  const clock = options.clock ?? systemClock;
  // First: a bad secret stops start-up before any connection is opened.
  const secrets = await loadSessionSecrets(config.jwtSecrets, config.dataDir);
  const apiKeys = new ApiKeys(db, clock, config.keyCacheTtlMs, surfaceKeyFormats());
  let rateLimiter: RateLimiter = new MemoryRateLimiter();
  const closers: (() => Promise<unknown>)[] = [];
  // Revokes by any process on this database (another server, the CLI) reach this one at once.
  const revocations = await db.listen(REVOCATION_CHANNEL, (id) => apiKeys.forget(id), () => apiKeys.forgetAll());
  closers.push(() => revocations.close());
  if (config.redisUrl) {
    // Loaded only when configured: most installations run without Redis.
    const { Redis } = await import('ioredis');
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    rateLimiter = new RedisRateLimiter(redis);
    closers.push(() => redis.quit());
  }
  const idempotency = new IdempotencyStore(db, clock, config.idempotencyTtlSeconds);
  await idempotency.start();
  closers.push(() => idempotency.close());
  const sweeper = setInterval(() => void idempotency.purgeExpired().catch(() => {}), 10 * 60_000);
  sweeper.unref();
  const ledger = new LedgerEngine(db, clock);
  const surfaceWork: (() => Promise<unknown>)[] = [];
  return {
    config,
    db,
    clock,
    ledger,
    apiKeys,
    sessions: new SessionTokens(secrets, clock, config.jwtAccessTtlSeconds),
    // From the signing secret: after a rotation, values signed with the old one (cursors) lapse.
    deriveKey: (purpose) => deriveKey(secrets[0], purpose),
    idempotency,
    writes: new WriteRunner(db, clock, idempotency),
    rateLimiter,
    openapi: new Map(),
    atClose: (finish) => void surfaceWork.push(finish),
    async close() {
      for (const finish of surfaceWork) await finish();
      clearInterval(sweeper);
      await ledger.drain();
      await apiKeys.close();
      for (const close of closers) await close().catch(() => {});
    },
  };
}
