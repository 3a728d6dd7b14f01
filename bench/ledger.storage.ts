import type { Benchmark } from './lib/types.ts';
import { randomTransfer } from './lib/ledger-fixture.ts';
import { summary } from './lib/measure.ts';

const ACCOUNTS = 10_000;
const TRANSFERS = 20_000;
const PER_CALL = 1_000;
// accounts too: since 0012 the per-day total of each account's latest day is on its row.
const TABLES = ['entries', 'postings', 'account_days', 'accounts'];

/**
 * Bytes on disk a simple transfer costs: growth of the ledger's write tables (heap, indexes,
 * TOAST, free-space and visibility maps) over TRANSFERS two-posting transfers, as written,
 * before any vacuum. All effective today, so each account's day row is updated in place.
 */
export default {
  name: 'ledger.storage',
  description: `bytes per two-posting transfer after ${TRANSFERS} transfers in batches of ${PER_CALL} over ${ACCOUNTS} accounts (${TABLES.join(' + ')}, with indexes)`,
  targets: [{ field: 'bytes_per_transfer', max: 750 }],
  async run(ctx) {
    const f = await ctx.seedLedger({ accounts: ACCOUNTS });
    const transfer = () => randomTransfer(f, ctx.randomInt);
    await ctx.settle();
    const before = await ctx.tableBytes(TABLES);
    const result = await ctx.loop({ seconds: 600, maxCalls: TRANSFERS / PER_CALL }, async () => {
      await f.engine.submitBatch(f.orgId, Array.from({ length: PER_CALL }, transfer));
      return PER_CALL;
    });
    await f.engine.drain();
    if (result.ops !== TRANSFERS) throw new Error(`posted ${result.ops} transfers, not ${TRANSFERS}`);
    const after = await ctx.tableBytes(TABLES);

    const per = (t: string) => Math.round((after[t] - before[t]) / TRANSFERS);
    const [days] = await ctx.db.query<{ n: bigint }>('SELECT count(*)::int8 AS n FROM account_days WHERE org_id = $1', [f.orgId]);
    return {
      ...summary(result),
      transfers: TRANSFERS,
      bytes_per_transfer: Math.round(TABLES.reduce((s, t) => s + after[t] - before[t], 0) / TRANSFERS),
      entries_bytes: per('entries'),
      postings_bytes: per('postings'),
      account_days_bytes: per('account_days'),
      accounts_bytes: per('accounts'),
      account_days_rows: Number(days.n),
    };
  },
} satisfies Benchmark;
