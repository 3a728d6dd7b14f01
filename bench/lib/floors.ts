import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { httpLoad, latencySummary, STEADY_LOAD_WARMUP_SECONDS, warmUp } from './http-load.ts';
import type { BenchContext } from './types.ts';

const ROWS = 1_000;

/**
 * The least an HTTP write that is durable when answered can cost on this machine and database:
 * a bare Fastify route (no auth, no validation, no Kontor code) that commits one single-row
 * UPDATE, driven by the same client at the same open-loop rate. Measured in the same run as
 * the benchmark beside it, it tells the machine's share of that benchmark's latency from
 * Kontor's, which a virtual machine whose wake-up latency drifts within the hour makes
 * necessary (bench/README.md).
 */
export async function durableWriteFloor(ctx: BenchContext, ratePerSecond: number): Promise<{ floor_p50_ms: number; floor_p99_ms: number }> {
  await ctx.db.query('CREATE TABLE bench_floor (id int PRIMARY KEY, n bigint NOT NULL) WITH (fillfactor = 70)');
  await ctx.db.query('INSERT INTO bench_floor SELECT g, 0 FROM generate_series(1, $1::int) g', [ROWS]);
  return floorOf(ctx, ratePerSecond, ['bench_floor'], async () => {
    await ctx.db.query('UPDATE bench_floor SET n = n + 1 WHERE id = $1', [1 + ctx.randomInt(ROWS)]);
    return { ok: true };
  });
}

/**
 * The least any HTTP answer costs on this machine at `ratePerSecond`: a bare Fastify route
 * that answers a small JSON body without touching anything, driven by the same client (for a
 * benchmark of reads answered from memory, as the entitlement check's are).
 */
export async function bareRouteFloor(ctx: BenchContext, ratePerSecond: number): Promise<{ floor_p50_ms: number; floor_p99_ms: number }> {
  return floorOf(ctx, ratePerSecond, [], async () => ({ allowed: true, feature_key: 'api_calls' }));
}

/** Settled (`tables` vacuumed) and warmed up as the benchmarks beside it are (`warmUp`). */
async function floorOf(
  ctx: BenchContext,
  ratePerSecond: number,
  tables: string[],
  answer: () => Promise<object>,
): Promise<{ floor_p50_ms: number; floor_p99_ms: number }> {
  const app = Fastify();
  app.post('/floor', answer);
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const load = { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/floor`, method: 'POST' as const, headers: {}, bodies: ['{}'] };
    await ctx.settle(tables);
    await warmUp(load);
    const r = await httpLoad({
      ...load,
      seconds: ctx.seconds,
      warmupSeconds: STEADY_LOAD_WARMUP_SECONDS,
      ratePerSecond,
    });
    const { p50_ms, p99_ms } = latencySummary(r);
    return { floor_p50_ms: p50_ms, floor_p99_ms: p99_ms };
  } finally {
    await app.close();
  }
}
