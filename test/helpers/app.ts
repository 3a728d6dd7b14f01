import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openTestDb, testDbKind } from './db.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createCore, type Core } from '../../src/core.ts';
import { createOrg, type Org } from '../../src/platform/orgs.ts';
import { buildApp } from '../../src/app.ts';
import type { Db } from '../../src/platform/db.ts';

export interface TestApp {
  app: FastifyInstance;
  core: Core;
  db: Db;
  clock: ManualClock;
  /** A new org with a kontor API key holding `scopes`. */
  tenant(scopes?: string[]): Promise<{ org: Org; secret: string; headers: Record<string, string> }>;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The whole server on a fresh test database, with a clock the test controls. */
export async function startTestApp(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Promise<TestApp> {
  const db = await openTestDb();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kontor-app-'));
  const clock = new ManualClock(new Date());
  const redisUrl = testDbKind === 'postgres' ? process.env.TEST_REDIS_URL ?? null : null;
  // Suites sign up and log in far more often than the per-address limit of a real server allows.
  const limits = { AUTH_RATE_PER_MINUTE_PER_ADDRESS: '10000000', AUTH_RATE_PER_MINUTE_PER_EMAIL: '10000000' };
  const config = { ...loadConfig({ DATA_DIR: dataDir, ...limits, ...env }), redisUrl, ...overrides };
  const core = await createCore(config, db, { clock });
  const app = await buildApp(core);
  await app.ready();
  return {
    app,
    core,
    db,
    clock,
    async tenant(scopes = ['ledger:read', 'ledger:write']) {
      const org = await createOrg(db, clock, { name: 'Tenant' });
      const { secret } = await core.apiKeys.create({ orgId: org.id, surface: 'kontor', scopes, mode: 'live' });
      return { org, secret, headers: { authorization: `Bearer ${secret}` } };
    },
    request: (options) => app.inject(options),
    async close() {
      await app.close();
      await core.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SecondServer {
  app: FastifyInstance;
  core: Core;
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * Another server on the test app's database (its own pool, core, caches and listeners; the
 * same schema, configuration and clock): what a second instance behind a load balancer is.
 */
export async function secondServer(t: TestApp): Promise<SecondServer> {
  const { openPostgres } = await import('../../src/platform/db.ts');
  const { testDatabaseUrl } = await import('./db.ts');
  const [{ schema }] = await t.db.query<{ schema: string }>('SELECT current_schema() AS schema');
  const db = openPostgres(testDatabaseUrl(), { schema, max: 20 });
  const core = await createCore(t.core.config, db, { clock: t.clock });
  const app = await buildApp(core);
  await app.ready();
  return {
    app,
    core,
    request: (options) => app.inject(options),
    async close() {
      await app.close();
      await core.close();
      await db.close();
    },
  };
}
