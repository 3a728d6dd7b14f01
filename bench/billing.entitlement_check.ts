import { createOrg } from '../src/platform/orgs.ts';
import { createPlan } from '../src/billing/plan-store.ts';
import { createSubscription } from '../src/billing/subscription-store.ts';
import { httpLoad, latencySummary, STEADY_LOAD_WARMUP_SECONDS, warmUp } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import { percentile, round } from './lib/measure.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import type { Benchmark } from './lib/types.ts';
import { bareRouteFloor } from './lib/floors.ts';

const RATE = 1_000;

/**
 * A steady client checking one tenant's entitlements through POST /ledger/entitlements/check
 * (API key, tenant context, rate limit, the server's entitlement cache, serialisation) at a
 * fixed 1,000 requests a second from another thread, rotating over a metered, a seat and a
 * boolean feature: the latency an app's gate sees at that load. Latency counts from each
 * request's write; `send_lag_p99_ms` says how far behind its schedule the client wrote (a
 * starved client hides queueing there), and on Linux the CPU per 1,000 checks of the server and
 * the embedded database is reported (the database's should be near 0: a cached check reads none).
 * Then `floor_p50_ms` / `floor_p99_ms`: the same client and rate against a bare route (bench/lib/floors.ts).
 */
export default {
  name: 'billing.entitlement_check',
  description: `POST /ledger/entitlements/check, open loop at ${RATE} req/s from a client thread, 3 features of one tenant; ops = requests`,
  targets: [{ field: 'p99_ms', max: 2 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    const org = await createOrg(ctx.db, ctx.clock, { name: 'Billing bench' });
    const scope = { orgId: org.id, mode: 'live' as const };
    await ctx.db.transaction(async (tx) => {
      const plan = await createPlan(
        tx,
        scope,
        {
          name: 'Pro',
          slug: 'pro',
          currency: 'usd',
          status: 'active',
          features: [
            { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 100000, period: 'monthly' },
            { key: 'seats', name: 'Seats', type: 'seat', limit: 10, period: 'none' },
            { key: 'sso', name: 'SSO', type: 'boolean', limit: 1, period: 'none' },
          ],
          pricing: { base_amount: { amount: 4999 }, billing_period: 'monthly' },
        },
        ctx.clock.now(),
      );
      await createSubscription(tx, scope, { tenantId: 'acme-corp', planId: plan.id, seats: 3n }, ctx.clock.now());
    });
    const server = await startBenchServer(ctx);
    try {
      const { secret } = await server.core.apiKeys.create({ orgId: org.id, surface: 'billing', scopes: ['billing:read'], mode: 'live' });
      const load = {
        url: `${server.base}/ledger/entitlements/check`,
        method: 'POST' as const,
        headers: { 'x-api-key': secret, 'x-tenant-id': 'acme-corp' },
        bodies: ['api_calls', 'seats', 'sso'].map((feature_key) => JSON.stringify({ feature_key })),
      };
      await ctx.settle();
      await warmUp(load);
      const cpuBefore = cpuTimes();
      const r = await httpLoad({
        ...load,
        seconds: ctx.seconds,
        warmupSeconds: STEADY_LOAD_WARMUP_SECONDS,
        ratePerSecond: RATE,
      });
      const cpuAfter = cpuTimes();
      const errors = r.requests - (r.statuses['200'] ?? 0);
      // Then, in the same run, what a bare route costs this machine at this rate.
      const floor = await bareRouteFloor(ctx, RATE);
      return {
        ...latencySummary(r),
        max_ms: round(Math.max(...r.latenciesMs), 3),
        errors,
        // Whether the client kept its schedule (see HttpLoadResult.sendLagMs): a late client hides queueing.
        send_lag_p99_ms: round(percentile(r.sendLagMs ?? [0], 99), 3),
        // CPU per 1,000 checks (warm-up included): a cached check should cost the database nothing.
        ...cpuPer(cpuBefore, cpuAfter, r.requests + Math.round(RATE * STEADY_LOAD_WARMUP_SECONDS), 1000, '1k', ctx.kind === 'embedded'),
        ...floor,
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
