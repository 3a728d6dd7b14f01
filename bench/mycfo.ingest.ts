import { createOrg } from '../src/platform/orgs.ts';
import { cfoDeps, createWorkspace } from '../src/mycfo/workspaces.ts';
import { ingestRows, type IngestRow } from '../src/mycfo/ingest.ts';
import { LedgerEngine } from '../src/ledger/engine.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import { summary } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const PER_CALL = 1_000;

/**
 * MyCFO ingest in 1,000-row calls, each with an external id (the dedup path): rows validated,
 * posted as ledger entries and listed rows, in one transaction per call.
 */
export default {
  name: 'mycfo.ingest',
  description: `ingestRows with ${PER_CALL} rows a call, expenses and revenue in turn (external ids, one transaction each), one caller; ops = rows`,
  targets: [{ field: 'ops_per_s', min: 20_000 }],
  async run(ctx) {
    const deps = cfoDeps({ clock: ctx.clock, ledger: new LedgerEngine(ctx.db, ctx.clock) });
    const org = await createOrg(ctx.db, ctx.clock, { name: 'bench' });
    const ws = await ctx.db.transaction((tx) => createWorkspace(tx, deps, org.id, { name: 'bench', cashOnHandCents: 10_000_000n }));
    // As the API takes them: a call holds expenses or revenue (its two subtypes), in turn.
    const kinds = [['recurring_expense', 'one_time_expense'], ['recurring', 'one_time']] as const;
    let n = 0;
    let call = 0;
    const rows = (): IngestRow[] => {
      const subtypes = kinds[call++ % 2];
      return Array.from({ length: PER_CALL }, () => ({
        subtype: subtypes[ctx.randomInt(subtypes.length)],
        amountCents: BigInt(100 + ctx.randomInt(1_000_000)),
        currency: 'USD',
        occurredAt: new Date(Date.UTC(2026, 0, 1) + ctx.randomInt(365) * 86_400_000),
        vendor: 'Vendor',
        externalId: `row-${n++}`,
      }));
    };
    await ctx.settle();
    let inserted = 0;
    const cpuBefore = cpuTimes();
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const batch = rows();
      const r = await ctx.db.transaction((tx) => ingestRows(tx, deps, org.id, ws.id, batch, 'manual'));
      inserted += r.inserted;
      if (r.inserted !== PER_CALL) throw new Error(`expected ${PER_CALL} inserted, got ${r.inserted}`);
      return PER_CALL;
    });
    const cpuAfter = cpuTimes();
    // CPU per 1,000 rows, warm-up included (the rate moves with the machine's other work; these much less).
    return { ...summary(result), rows_inserted: inserted, ...cpuPer(cpuBefore, cpuAfter, inserted, 1000, '1k', ctx.kind === 'embedded') };
  },
} satisfies Benchmark;
