import { createOrg } from '../src/platform/orgs.ts';
import { newId } from '../src/platform/ids.ts';
import { WriteRunner } from '../src/platform/write-runner.ts';
import { createPlan } from '../src/billing/plan-store.ts';
import { BillingScheduler } from '../src/billing/scheduler.ts';
import { round } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const SUBSCRIPTIONS = 10_000;

/**
 * The clock rolling 10,000 monthly subscriptions over one period end: the scheduler finds
 * them by `next_due_at`, locks them in batches, brings each up to the new time, writes it back
 * with its next due time and its recorded step, one audited transaction a batch. One op = the
 * whole run.
 */
export default {
  name: 'billing.clock_rollover',
  description: `the scheduler advancing ${SUBSCRIPTIONS} subscriptions one monthly period (batches of 500 under row locks); seconds for the whole run`,
  targets: [{ field: 'seconds', max: 10 }],
  async run(ctx) {
    const start = new Date('2025-01-31T09:00:00.000Z');
    const end = new Date('2025-02-28T09:00:00.000Z');
    const org = await createOrg(ctx.db, ctx.clock, { name: 'Clock bench' });
    const scope = { orgId: org.id, mode: 'live' as const };
    const plan = await ctx.db.transaction((tx) =>
      createPlan(tx, scope, { name: 'Monthly', slug: 'monthly', currency: 'usd', status: 'active', pricing: { base_amount: { amount: 4999 }, billing_period: 'monthly' } }, start),
    );
    // Untimed setup, in bulk: what 10,000 POST /ledger/subscriptions on 31 January leave.
    const ids = Array.from({ length: SUBSCRIPTIONS }, () => newId());
    await ctx.db.query(
      `INSERT INTO billing_subscriptions (org_id, mode, id, tenant_id, plan_id, status, current_period_start, current_period_end, billing_anchor_day, seats, metadata, created_at, updated_at, next_due_at)
       SELECT $1, 'live', id, 'tenant-' || n, $2, 'active', $3, $4, 31, 0, '{}', $3, $3, $4 FROM unnest($5::uuid[]) WITH ORDINALITY AS u (id, n)`,
      [org.id, plan.id, start, end, ids],
    );
    await ctx.settle(['billing_subscriptions']);
    const scheduler = new BillingScheduler(ctx.db, new WriteRunner(ctx.db, ctx.clock, null), ctx.clock);
    const began = performance.now();
    const run = await scheduler.runDue(new Date(end.getTime() + 1));
    const seconds = (performance.now() - began) / 1000;
    const [{ n }] = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_subscriptions WHERE org_id = $1 AND current_period_start = $2`, [org.id, end]);
    if (n !== SUBSCRIPTIONS || run.events !== SUBSCRIPTIONS) throw new Error(`rolled ${n} subscriptions with ${run.events} steps, not ${SUBSCRIPTIONS}`);
    // One op is the whole run, so its latency is the run's.
    const ms = round(seconds * 1000, 1);
    return { ops_per_s: round(1 / seconds, 3), p50_ms: ms, p99_ms: ms, seconds: round(seconds, 3), subscriptions_per_s: round(SUBSCRIPTIONS / seconds), steps: run.events };
  },
} satisfies Benchmark;
