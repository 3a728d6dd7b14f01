import { createOrg } from '../src/platform/orgs.ts';
import { httpLoad, latencySummary } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import { round } from './lib/measure.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import type { Benchmark } from './lib/types.ts';

const EVENTS_PER_CALL = 100;
const CALLERS = 16;
/** Enough distinct batches that no idempotency_key repeats within a run of a few seconds. */
const BODIES = 5_000;

/**
 * POST /ledger/meter/events/batch over HTTP, 100 events a call, each with its own
 * idempotency_key, from 16 keep-alive callers in a client thread: API key, tenant, validation,
 * the meter queue's group commits (events, keys, each request's audit row), 202 after the
 * commit. ops = events stored. On Linux it also reports the CPU the server (main thread) and the
 * embedded database spent per 1,000 events, which a busy machine moves far less than the rate.
 */
export default {
  name: 'billing.meter_ingest',
  description: `POST /ledger/meter/events/batch, ${EVENTS_PER_CALL} events a call with idempotency keys, ${CALLERS} callers from a client thread; ops = events`,
  targets: [{ field: 'ops_per_s', min: 50_000 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    const org = await createOrg(ctx.db, ctx.clock, { name: 'bench' });
    const server = await startBenchServer(ctx);
    try {
      const { secret } = await server.core.apiKeys.create({ orgId: org.id, surface: 'billing', scopes: ['billing:write'], mode: 'live' });
      const features = ['api_calls', 'storage_gb', 'emails'];
      const bodies = Array.from({ length: BODIES }, (_, b) =>
        JSON.stringify({
          events: Array.from({ length: EVENTS_PER_CALL }, (_, i) => ({
            feature_key: features[i % features.length],
            quantity: 1 + ctx.randomInt(100),
            idempotency_key: `evt-${b}-${i}`,
          })),
        }),
      );
      await ctx.settle();
      const cpuBefore = cpuTimes();
      const r = await httpLoad({
        url: `${server.base}/ledger/meter/events/batch`,
        method: 'POST',
        headers: { 'x-api-key': secret, 'x-tenant-id': 'tenant-1' },
        bodies,
        seconds: ctx.seconds,
        warmupSeconds: 0.5,
        concurrency: CALLERS,
      });
      const cpuAfter = cpuTimes();
      const [{ n: stored }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_usage_events`);
      const calls = r.statuses['202'] ?? 0;
      return {
        ...latencySummary(r),
        // Events, not calls: 100 a call.
        ops_per_s: round((calls * EVENTS_PER_CALL) / r.seconds),
        calls_per_s: round(calls / r.seconds),
        // Warm-up calls included: every event sent once, so this is every 202 ever answered × 100.
        events_stored: stored,
        errors: r.requests - calls,
        // CPU per 1,000 events stored (the rate moves with the machine's other work; these much less).
        ...cpuPer(cpuBefore, cpuAfter, stored, 1000, '1k', ctx.kind === 'embedded'),
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
