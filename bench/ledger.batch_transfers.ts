import { summary } from './lib/measure.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import type { Benchmark } from './lib/types.ts';
import { randomTransfer } from './lib/ledger-fixture.ts';

const ACCOUNTS = 10_000;
const PER_CALL = 1_000;

/** One caller posting atomic batches of simple transfers between random pairs of accounts. */
export default {
  name: 'ledger.batch_transfers',
  description: `postBatch of ${PER_CALL} two-posting transfers between random pairs of ${ACCOUNTS} accounts, one caller; ops = transfers`,
  // Issue 10's figure, for the embedded PostgreSQL of `npm start` on the 2-core machine.
  targets: [{ field: 'ops_per_s', min: 25_000 }],
  async run(ctx) {
    const f = await ctx.seedLedger({ accounts: ACCOUNTS });
    const transfer = () => randomTransfer(f, ctx.randomInt);
    await ctx.settle();
    const cpuBefore = cpuTimes();
    let posted = 0;
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const batch = Array.from({ length: PER_CALL }, transfer);
      const results = await f.engine.submitBatch(f.orgId, batch);
      if (results.length !== PER_CALL || results.some((r) => r.duplicate)) throw new Error('postBatch did not post every transfer');
      posted += PER_CALL;
      return PER_CALL;
    });
    await f.engine.drain();
    const cpuAfter = cpuTimes();

    // Every transfer is in the books, and the books still balance.
    const [check] = await ctx.db.query<{ entries: bigint; total: bigint | null }>(
      `SELECT (SELECT count(*) FROM entries WHERE org_id = $1)::int8 AS entries,
              (SELECT sum(balance) FROM accounts WHERE org_id = $1)::int8 AS total`,
      [f.orgId],
    );
    if (Number(check.entries) !== posted) throw new Error(`posted ${posted} transfers but ${check.entries} entries are stored`);
    if ((check.total ?? 0n) !== 0n) throw new Error(`balances sum to ${check.total}, not 0`);

    return {
      ...summary(result),
      calls: result.calls,
      transfers_per_call: PER_CALL,
      accounts: ACCOUNTS,
      // CPU per 1,000 transfers (warm-up included), which a busy machine moves far less than the rate.
      ...cpuPer(cpuBefore, cpuAfter, posted, 1000, '1k', ctx.kind === 'embedded'),
    };
  },
} satisfies Benchmark;
