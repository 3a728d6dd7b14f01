import { createOrg } from '../src/platform/orgs.ts';
import { LedgerEngine } from '../src/ledger/engine.ts';
import { ensureCompany, listChart } from '../src/ledgerbee/company-store.ts';
import { createProject, getProject, type Project } from '../src/ledgerbee/project-store.ts';
import { projectDimensions } from '../src/ledgerbee/project-dimensions.ts';
import { projectProfit } from '../src/ledgerbee/project-profit.ts';
import { summary } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const LINES = Number(process.env.BENCH_PROFIT_LINES ?? 1_000_000);
const PROJECTS = Number(process.env.BENCH_PROFIT_PROJECTS ?? 50);

/**
 * GET /projects/{id}/profit as the route runs it (the project, then its profit) over a
 * company with a million posted lines carrying project dimensions (spread over PROJECTS
 * projects of 4 subprojects, revenue and expense accounts, dates over 2026), for a random
 * project, half the calls over a random date range. The lines are loaded set-based into the
 * table profit reads (setup, not timed).
 */
export default {
  name: 'ledgerbee.project_profit',
  description: `project profit over ${LINES.toLocaleString('en')} posted lines in ${PROJECTS} projects, random project and range, one caller; ops = calls`,
  targets: [{ field: 'p99_ms', max: 50 }],
  async run(ctx) {
    const ledger = new LedgerEngine(ctx.db, ctx.clock);
    const org = await createOrg(ctx.db, ctx.clock, { name: 'bench' });
    await ctx.db.transaction((tx) => ensureCompany({ db: ctx.db, clock: ctx.clock, ledger }, tx, org.id));
    const chart = (await listChart(ctx.db, org.id)).filter((a) => a.classification === 'REVENUE' || a.classification === 'EXPENSE' || a.number === 5400);
    const projects: Project[] = [];
    for (let i = 0; i < PROJECTS; i++) {
      projects.push(await ctx.db.transaction((tx) => createProject(tx, projectDimensions, org.id, { name: `Project ${i}`, subprojects: [{ name: 'A' }, { name: 'B' }, { name: 'C' }] }, ctx.clock.now(), 'DKK')));
    }
    const values = projects.flatMap((p) => p.subprojects.map((s) => ({ value: s.id, category: p.dimensionId })));
    const started = Date.now();
    const chunk = 250_000;
    for (let from = 0; from < LINES; from += chunk) {
      const count = Math.min(chunk, LINES - from);
      await ctx.db.query(
        `INSERT INTO ledgerbee_line_dimensions (org_id, entry_id, line_no, dimension_value_id, category_id, account_id, amount, date)
         SELECT $1::uuid, gen_random_uuid(), 0, v.value, v.category, a.id, (CASE WHEN g % 3 = 0 THEN -1 ELSE 1 END) * (100 + (g::int8 * 7919) % 100000), date '2026-01-01' + g % 365
           FROM generate_series($2::int, $3::int) g
           JOIN LATERAL (SELECT ($4::uuid[])[1 + g % cardinality($4::uuid[])] AS value, ($5::uuid[])[1 + g % cardinality($5::uuid[])] AS category) v ON true
           JOIN LATERAL (SELECT ($6::uuid[])[1 + (g / 7) % cardinality($6::uuid[])] AS id) a ON true`,
        [org.id, from, from + count - 1, values.map((v) => v.value), values.map((v) => v.category), chart.map((a) => a.id)],
      );
    }
    ctx.log(`seeded ${LINES} lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await ctx.settle(['ledgerbee_line_dimensions', 'ledgerbee_projects', 'ledgerbee_subprojects']);
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const id = projects[ctx.randomInt(projects.length)].id;
      const ranged = ctx.randomInt(2) === 1;
      const start = ctx.randomInt(300);
      const day = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      const project = await getProject(ctx.db, org.id, id);
      const profit = await projectProfit(ctx.db, org.id, project, ranged ? { fromDate: day(start), toDate: day(start + 60) } : { fromDate: null, toDate: null }, 'DKK');
      if (!ranged && profit.revenue === 0n && profit.costs === 0n) throw new Error('no lines for the project: the seed is wrong');
      return 1;
    });
    return { ...summary(result), lines: LINES, projects: PROJECTS, lines_per_project: Math.round(LINES / PROJECTS) };
  },
} satisfies Benchmark;
