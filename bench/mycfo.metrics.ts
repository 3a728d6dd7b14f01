import { createOrg } from '../src/platform/orgs.ts';
import { createWorkspace } from '../src/mycfo/workspaces.ts';
import { computeMetrics } from '../src/mycfo/metrics.ts';
import { getWorkspace } from '../src/mycfo/workspaces.ts';
import { LedgerEngine } from '../src/ledger/engine.ts';
import { summary } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const ROWS = Number(process.env.BENCH_METRICS_ROWS ?? 1_000_000);

/**
 * The 30-day metrics of a workspace holding a million ingested rows (entries, postings,
 * per-day totals and listed rows, loaded with set-based SQL: setup, not timed), at random
 * as_of dates over the year.
 */
export default {
  name: 'mycfo.metrics',
  description: `GET metrics (computeMetrics) over a workspace of ${ROWS.toLocaleString('en')} transactions, random as_of, one caller; ops = calls`,
  targets: [{ field: 'p99_ms', max: 50 }],
  async run(ctx) {
    const ledger = new LedgerEngine(ctx.db, ctx.clock);
    const org = await createOrg(ctx.db, ctx.clock, { name: 'bench' });
    const ws = await ctx.db.transaction((tx) => createWorkspace(tx, { clock: ctx.clock, ledger }, org.id, { name: 'bench', cashOnHandCents: 10_000_000n }));
    const accounts = await ctx.db.query<{ code: string; id: string }>('SELECT code, id FROM accounts WHERE org_id = $1 AND ledger_id = $2', [org.id, ws.ledgerId]);
    const id = (code: string) => accounts.find((a) => a.code === code)!.id;
    const started = Date.now();
    // Rows spread over 2026: revenue and expenses of both kinds against the clearing account.
    const chunk = 250_000;
    for (let from = 0; from < ROWS; from += chunk) {
      const count = Math.min(chunk, ROWS - from);
      await ctx.db.transaction(async (tx) => {
        await tx.query(`CREATE TEMP TABLE seed ON COMMIT DROP AS
          SELECT gen_random_uuid() AS entry_id, gen_random_uuid() AS row_id, g AS n,
                 (timestamptz '2026-01-01' + (g % 365) * interval '1 day' + (g % 86400) * interval '1 second') AS at,
                 (ARRAY['revenue_recurring','revenue_one_time','expense_recurring','expense_one_time','refunds'])[1 + g % 5] AS code,
                 (100 + (g::int8 * 7919) % 100000) AS amount
            FROM generate_series($1::int, $2::int) g`, [from, from + count - 1]);
        await tx.query(`INSERT INTO entries (org_id, id, ledger_id, effective_at, created_at, external_id)
          SELECT $1::uuid, entry_id, $2::uuid, at, at, 'seed:' || n FROM seed`, [org.id, ws.ledgerId]);
        // Revenue credits its account (refunds debit theirs); expenses debit theirs.
        await tx.query(`INSERT INTO postings (org_id, entry_id, seq, account_id, amount)
          SELECT $1::uuid, entry_id, 0::int2, CASE code WHEN 'revenue_recurring' THEN $2::uuid WHEN 'revenue_one_time' THEN $3::uuid
                 WHEN 'expense_recurring' THEN $4::uuid WHEN 'expense_one_time' THEN $5::uuid ELSE $6::uuid END,
                 CASE WHEN code LIKE 'revenue%' THEN -amount ELSE amount END FROM seed
          UNION ALL
          SELECT $1::uuid, entry_id, 1::int2, $7::uuid, CASE WHEN code LIKE 'revenue%' THEN amount ELSE -amount END FROM seed`,
          [org.id, id('revenue_recurring'), id('revenue_one_time'), id('expense_recurring'), id('expense_one_time'), id('refunds'), id('clearing')]);
        await tx.query(`INSERT INTO cfo_transactions (org_id, id, workspace_id, ingest_id, entry_id, kind, subtype, amount_cents, currency, occurred_at, source, created_at)
          SELECT $1::uuid, row_id, $2::uuid, $2::uuid, entry_id, CASE WHEN code LIKE 'expense%' THEN 'expense' ELSE 'revenue' END,
                 CASE code WHEN 'revenue_recurring' THEN 'recurring' WHEN 'revenue_one_time' THEN 'one_time' WHEN 'expense_recurring' THEN 'recurring_expense'
                           WHEN 'expense_one_time' THEN 'one_time_expense' ELSE 'refund' END,
                 CASE WHEN code = 'refunds' THEN -amount ELSE amount END, 'USD', at, 'manual', at FROM seed`, [org.id, ws.id]);
      });
    }
    // Balances and per-day totals, as the engine would have kept them.
    await ctx.db.query(`INSERT INTO account_days (org_id, account_id, day, delta)
      SELECT p.org_id, p.account_id, (e.effective_at AT TIME ZONE 'UTC')::date, sum(p.amount)
        FROM postings p JOIN entries e ON e.org_id = p.org_id AND e.id = p.entry_id
       WHERE p.org_id = $1 GROUP BY 1, 2, 3`, [org.id]);
    await ctx.db.query(`UPDATE accounts a SET balance = t.total FROM
      (SELECT account_id, sum(delta)::int8 AS total FROM account_days WHERE org_id = $1 GROUP BY account_id) t
      WHERE a.org_id = $1 AND a.id = t.account_id`, [org.id]);
    ctx.log(`seeded ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await ctx.settle(['entries', 'postings', 'account_days', 'accounts', 'cfo_transactions']);
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const asOf = new Date(Date.UTC(2026, 1, 1) + ctx.randomInt(300) * 86_400_000).toISOString().slice(0, 10);
      // What the route does: read the workspace, then the metrics.
      const workspace = await getWorkspace(ctx.db, org.id, ws.id);
      const m = await computeMetrics(ledger, workspace, asOf);
      if (m.grossRevenue <= 0n) throw new Error('no revenue in the window: the seed is wrong');
      return 1;
    });
    return { ...summary(result), rows: ROWS };
  },
} satisfies Benchmark;
