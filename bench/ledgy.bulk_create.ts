import { LedgerEngine } from '../src/ledger/engine.ts';
import { ledgyDeps } from '../src/ledgy/deps.ts';
import { hashPassword } from '../src/platform/identity/passwords.ts';
import { registerLedgyUser } from '../src/ledgy/users.ts';
import { createAccount } from '../src/ledgy/accounts.ts';
import type { TransactionInput } from '../src/ledgy/transactions.ts';
import { bulkCreateTransactions } from '../src/ledgy/transaction-bulk.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import { summary } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const PER_CALL = 100;

/** Ledgy bulk create: 100 income/expense rows a call, each a balanced entry, best effort. */
export default {
  name: 'ledgy.bulk_create',
  description: `bulkCreateTransactions with ${PER_CALL} rows a call over 5 accounts, one caller; ops = rows`,
  targets: [{ field: 'ops_per_s', min: 10_000 }],
  async run(ctx) {
    const deps = ledgyDeps({ db: ctx.db, clock: ctx.clock, ledger: new LedgerEngine(ctx.db, ctx.clock) }, 14);
    const passwordHash = await hashPassword('benchmark');
    const user = await ctx.db.transaction((tx) => registerLedgyUser(deps, tx, { email: `bench-${Date.now()}@ledgy.test`, passwordHash, name: 'Bench', primaryCurrency: 'EUR' }));
    const accounts: Awaited<ReturnType<typeof createAccount>>[] = [];
    for (let i = 0; i < 5; i++) accounts.push(await ctx.db.transaction((tx) => createAccount(deps, tx, user, { name: `A${i}`, currencyCode: 'EUR', initialBalance: 1_000_000n, order: i })));
    const row = (): TransactionInput => ({
      type: ctx.random() < 0.3 ? 'income' : 'expense',
      amount: BigInt(1 + ctx.randomInt(10_000_000)),
      currencyCode: 'EUR',
      date: new Date(Date.UTC(2026, 0, 1) + ctx.randomInt(365 * 86_400) * 1000),
      accountId: accounts[ctx.randomInt(accounts.length)].id,
      categoryId: 'cat_groceries',
      payee: 'Shop',
    });
    await ctx.settle();
    let created = 0;
    const cpuBefore = cpuTimes();
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const rows = Array.from({ length: PER_CALL }, row);
      const out = await ctx.db.transaction((tx) => bulkCreateTransactions(deps, tx, user, rows));
      if (out.some((r) => r instanceof Error)) throw new Error('a row failed');
      created += PER_CALL;
      return PER_CALL;
    });
    const cpuAfter = cpuTimes();
    // CPU per 1,000 rows, warm-up included (the rate moves with the machine's other work; these much less).
    return { ...summary(result), ...cpuPer(cpuBefore, cpuAfter, created, 1000, '1k', ctx.kind === 'embedded') };
  },
} satisfies Benchmark;
