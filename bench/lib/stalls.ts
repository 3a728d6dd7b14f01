import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { BenchContext } from './types.ts';

/**
 * Watches the causes of a latency tail while a benchmark's window runs: garbage collection
 * and event-loop delay in this process, checkpoints and autovacuum runs in the database.
 */
export async function watchStalls(ctx: BenchContext) {
  const gc: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gc.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const before = await databaseCounters(ctx);
  return {
    async stop() {
      observer.disconnect();
      loop.disable();
      const after = await databaseCounters(ctx);
      return {
        gc_max_ms: Math.round(Math.max(0, ...gc) * 10) / 10,
        gc_total_ms: Math.round(gc.reduce((s, d) => s + d, 0)),
        loop_delay_max_ms: Math.round(loop.max / 1e5) / 10,
        checkpoints: after.checkpoints - before.checkpoints,
        autovacuums: after.autovacuums - before.autovacuums,
      };
    },
  };
}

async function databaseCounters(ctx: BenchContext): Promise<{ checkpoints: number; autovacuums: number }> {
  // pg_stat_checkpointer is PostgreSQL 17+; older servers keep the counts in pg_stat_bgwriter.
  const [{ v }] = await ctx.db.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
  const [cp] = await ctx.db.query<{ n: bigint }>(
    v >= 170000
      ? 'SELECT (num_timed + num_requested)::int8 AS n FROM pg_stat_checkpointer'
      : 'SELECT (checkpoints_timed + checkpoints_req)::int8 AS n FROM pg_stat_bgwriter',
  );
  const [av] = await ctx.db.query<{ n: bigint }>('SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0)::int8 AS n FROM pg_stat_all_tables');
  return { checkpoints: Number(cp.n), autovacuums: Number(av.n) };
}
