import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/platform/config.ts';
import { createCore, type Core } from '../../src/core.ts';
import { buildApp } from '../../src/app.ts';
import type { BenchContext } from './types.ts';

/** The whole server on the benchmark's database, listening on a loopback port. */
export async function startBenchServer(ctx: BenchContext, env: Record<string, string> = {}) {
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: '10000000', ...env });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'kontor-bench-app-'));
  let core: Core | null = null;
  let app: FastifyInstance;
  try {
    core = await createCore({ ...config, dataDir }, ctx.db, { clock: ctx.clock });
    app = await buildApp(core);
    await app.listen({ port: 0, host: '127.0.0.1' });
    // As `npm start` does after it listens: no request of the run compiles a route's validator.
    await app.compilePendingSchemas();
  } catch (error) {
    await core?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    core,
    app,
    base,
    async close() {
      await app.close();
      await core!.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
