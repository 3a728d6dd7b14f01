import type { Benchmark } from './lib/types.ts';
import { summary } from './lib/measure.ts';

const ACCOUNTS = 10_000;
const CALLERS = 32;
const FUNDING = 1_000_000_000_000_000n;

/**
 * Many single-transfer callers contending for one account with a no-negative limit, as a
 * payout or fee account sees them. Checks afterwards that no update was lost: the stored
 * balance equals a replay of the postings, and the postings equal what callers were told.
 */
export default {
  name: 'ledger.hot_account',
  description: `${CALLERS} concurrent callers of postEntry, every transfer between one hot account (min balance 0) and a random one of ${ACCOUNTS}; ops = transfers`,
  targets: [
    { field: 'ops_per_s', min: 2_000 },
    { field: 'lost_updates', min: 0, max: 0 },
    { field: 'acked_minus_replay', min: 0, max: 0 },
    { field: 'mismatched_accounts', max: 0 },
  ],
  async run(ctx) {
    const f = await ctx.seedLedger({ accounts: ACCOUNTS });
    const hot = await f.engine.createAccount(f.orgId, { ledgerId: f.ledgerId, code: 'hot', name: 'Hot', type: 'asset', asset: f.asset, minBalance: 0n }, ctx.db);
    const funding = await f.engine.createAccount(f.orgId, { ledgerId: f.ledgerId, code: 'funding', name: 'Funding', type: 'equity', asset: f.asset }, ctx.db);
    await f.engine.submitEntry(f.orgId, {
      ledgerId: f.ledgerId,
      postings: [
        { accountId: hot.id, amount: FUNDING },
        { accountId: funding.id, amount: -FUNDING },
      ],
    });
    await ctx.settle();
    const txBefore = f.transactions();

    // What the callers were told posted, on the hot account (debits positive).
    let acked = FUNDING;
    const result = await ctx.loop({ callers: CALLERS, seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const other = f.accountIds[ctx.randomInt(ACCOUNTS)];
      const amount = BigInt(1 + ctx.randomInt(1_000));
      // Half pay out of the hot account, which is where its limit is checked.
      const hotAmount = ctx.random() < 0.5 ? -amount : amount;
      await f.engine.submitEntry(f.orgId, {
        ledgerId: f.ledgerId,
        postings: [
          { accountId: hot.id, amount: hotAmount },
          { accountId: other, amount: -hotAmount },
        ],
      });
      acked += hotAmount;
      return 1;
    });
    await f.engine.drain();
    const transactions = f.transactions() - txBefore;

    const [row] = await ctx.db.query<{ stored: bigint; replay: bigint; days: bigint; entries: bigint }>(
      `SELECT a.balance AS stored,
              (SELECT coalesce(sum(p.amount), 0) FROM postings p WHERE p.org_id = a.org_id AND p.account_id = a.id)::int8 AS replay,
              (SELECT coalesce(sum(d.delta), 0) FROM account_day_totals d WHERE d.org_id = a.org_id AND d.account_id = a.id)::int8 AS days,
              (SELECT count(*) FROM entries e WHERE e.org_id = a.org_id)::int8 AS entries
         FROM accounts a WHERE a.org_id = $1 AND a.id = $2`,
      [f.orgId, hot.id],
    );
    // Every account, not just the hot one: stored balance, postings and daily deltas agree.
    const [mismatch] = await ctx.db.query<{ n: bigint }>(
      `SELECT count(*)::int8 AS n FROM accounts a
         LEFT JOIN (SELECT account_id, sum(amount) AS s FROM postings WHERE org_id = $1 GROUP BY account_id) p ON p.account_id = a.id
         LEFT JOIN (SELECT account_id, sum(delta) AS s FROM account_day_totals WHERE org_id = $1 GROUP BY account_id) d ON d.account_id = a.id
        WHERE a.org_id = $1 AND (a.balance <> coalesce(p.s, 0) OR a.balance <> coalesce(d.s, 0))`,
      [f.orgId],
    );

    return {
      ...summary(result),
      callers: CALLERS,
      transfers: result.calls,
      // All transfers of the run (warm-up included) over the transactions they took.
      transfers_per_commit: Math.round((Number(row.entries) - 1) / Math.max(1, transactions) * 10) / 10,
      lost_updates: Number(row.replay - row.stored),
      acked_minus_replay: Number(acked - row.replay),
      mismatched_accounts: Number(mismatch.n),
      days_minus_replay: Number(row.days - row.replay),
    };
  },
} satisfies Benchmark;
