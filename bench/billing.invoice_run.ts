import { createOrg } from '../src/platform/orgs.ts';
import { newId } from '../src/platform/ids.ts';
import { WriteRunner } from '../src/platform/write-runner.ts';
import { LedgerEngine } from '../src/ledger/engine.ts';
import { createPlan } from '../src/billing/plan-store.ts';
import { BillingScheduler } from '../src/billing/scheduler.ts';
import { round } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const SUBSCRIPTIONS = 10_000;
const EVENTS_PER_TENANT = 5;

/**
 * The period-end invoice run for 10,000 monthly subscriptions with usage: the scheduler rolls
 * each period (batches of 500 under row locks), makes each ended period's invoice (base fee,
 * usage over the allowance priced by graduated tiers, tax), then finalises them (numbers,
 * credit, 30-day due date) and posts each to the ledger (receivable, revenue per plan and
 * feature, tax payable), one audited transaction a batch. One op = the whole run.
 */
export default {
  name: 'billing.invoice_run',
  description: `the period-end run for ${SUBSCRIPTIONS} subscriptions with usage: roll, generate, finalise, post to the ledger; seconds for the whole run`,
  targets: [{ field: 'seconds', max: 30 }],
  async run(ctx) {
    const start = new Date('2025-01-31T09:00:00.000Z');
    const end = new Date('2025-02-28T09:00:00.000Z');
    const org = await createOrg(ctx.db, ctx.clock, { name: 'Invoice bench' });
    const scope = { orgId: org.id, mode: 'live' as const };
    const plan = await ctx.db.transaction((tx) =>
      createPlan(
        tx,
        scope,
        {
          name: 'Metered',
          slug: 'metered',
          currency: 'usd',
          status: 'active',
          features: [{ key: 'api_calls', name: 'API Calls', type: 'metered', limit: 1000, period: 'monthly' }],
          pricing: {
            base_amount: { amount: 4900 },
            billing_period: 'monthly',
            tiers: [
              { feature_key: 'api_calls', type: 'graduated', up_to: 5000, unit_amount: { amount: 3 } },
              { feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: { amount: 1 } },
            ],
          },
        },
        start,
      ),
    );
    await ctx.db.query(`INSERT INTO billing_tax_settings (org_id, mode, settings, updated_at) VALUES ($1, 'live', $2, $3)`, [
      org.id,
      JSON.stringify({ defaultPpm: 0, rates: [{ country: 'US', ppm: 88750, exemptWithTaxId: false }] }),
      start,
    ]);
    // Untimed setup, in bulk: what 10,000 customers, subscriptions and a month of meter events leave.
    const ids = Array.from({ length: SUBSCRIPTIONS }, () => newId());
    const customers = Array.from({ length: SUBSCRIPTIONS }, () => newId());
    await ctx.db.query(
      `INSERT INTO billing_customers (org_id, mode, id, tenant_id, name, email, currency, billing_address, tax_ids, metadata, created_at, updated_at)
       SELECT $1, 'live', id, 'tenant-' || n, 'Customer ' || n, 'c' || n || '@example.com', 'usd', '{"country":"US"}', '[]', '{}', $2, $2 FROM unnest($3::uuid[]) WITH ORDINALITY AS u (id, n)`,
      [org.id, start, customers],
    );
    await ctx.db.query(
      `INSERT INTO billing_subscriptions (org_id, mode, id, tenant_id, plan_id, status, current_period_start, current_period_end, billing_anchor_day, seats, metadata, created_at, updated_at, next_due_at)
       SELECT $1, 'live', id, 'tenant-' || n, $2, 'active', $3, $4, 31, 0, '{}', $3, $3, $4 FROM unnest($5::uuid[]) WITH ORDINALITY AS u (id, n)`,
      [org.id, plan.id, start, end, ids],
    );
    await ctx.db.query(
      `INSERT INTO billing_usage_events (org_id, mode, id, tenant_id, feature_key, quantity, at, metadata, created_at)
       SELECT $1, 'live', gen_random_uuid(), 'tenant-' || n, 'api_calls', 100 + (n * 37 + k * 101) % 900, $2::timestamptz + (k || ' days')::interval, '{}', $2
         FROM generate_series(1, $3::int) AS n, generate_series(1, $4::int) AS k`,
      [org.id, start, SUBSCRIPTIONS, EVENTS_PER_TENANT],
    );
    await ctx.settle(['billing_subscriptions', 'billing_customers', 'billing_usage_events']);
    const scheduler = new BillingScheduler(ctx.db, new WriteRunner(ctx.db, ctx.clock, null), ctx.clock, () => {}, new LedgerEngine(ctx.db, ctx.clock));
    const began = performance.now();
    await scheduler.runDue(new Date(end.getTime() + 1));
    const seconds = (performance.now() - began) / 1000;
    const [row] = await ctx.db.query<{ n: number; numbered: number; billed: bigint }>(
      `SELECT count(*)::int AS n, count(DISTINCT number)::int AS numbered, sum(total)::int8 AS billed FROM billing_invoices WHERE org_id = $1 AND status = 'pending'`,
      [org.id],
    );
    const [books] = await ctx.db.query<{ receivable: bigint }>(
      `SELECT sum(a.balance)::int8 AS receivable FROM accounts a JOIN ledgers l ON l.org_id = a.org_id AND l.id = a.ledger_id
        WHERE a.org_id = $1 AND l.owner = 'billing' AND a.code LIKE 'receivable:%'`,
      [org.id],
    );
    if (row.n !== SUBSCRIPTIONS || row.numbered !== SUBSCRIPTIONS || books.receivable !== row.billed) {
      throw new Error(`finalised ${row.n} invoices (${row.numbered} numbers), billed ${row.billed}, receivable ${books.receivable}; expected ${SUBSCRIPTIONS}`);
    }
    const ms = round(seconds * 1000, 1);
    return { ops_per_s: round(1 / seconds, 3), p50_ms: ms, p99_ms: ms, seconds: round(seconds, 3), invoices_per_s: round(SUBSCRIPTIONS / seconds), billed_cents: Number(row.billed) };
  },
} satisfies Benchmark;
