import { LedgerEngine } from '../src/ledger/engine.ts';
import { ledgyDeps } from '../src/ledgy/deps.ts';
import { hashPassword } from '../src/platform/identity/passwords.ts';
import { registerLedgyUser } from '../src/ledgy/users.ts';
import { listTransactions, type ListFilter } from '../src/ledgy/transaction-list.ts';
import { summary } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const ROWS = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);

/**
 * Walking GET /api/v1/transactions over a million rows of one user with filters (type and a
 * date range), 50 a page: the pages after the first (keyset on date, creation, id; the total
 * travels in the cursor). Rows are loaded with set-based SQL (setup, not timed).
 */
export default {
  name: 'ledgy.list',
  description: `listTransactions pages 2+ (limit 50, type=expense, dateFrom) over ${ROWS.toLocaleString('en')} rows of one user; ops = pages`,
  targets: [{ field: 'p99_ms', max: 20 }],
  async run(ctx) {
    const deps = ledgyDeps({ db: ctx.db, clock: ctx.clock, ledger: new LedgerEngine(ctx.db, ctx.clock) }, 14);
    const passwordHash = await hashPassword('benchmark');
    const user = await ctx.db.transaction((tx) => registerLedgyUser(deps, tx, { email: `bench-${Date.now()}@ledgy.test`, passwordHash, name: 'Bench', primaryCurrency: 'EUR' }));
    const started = Date.now();
    for (let from = 0; from < ROWS; from += 250_000) {
      await ctx.db.query(
        `INSERT INTO ledgy_transactions (org_id, id, user_id, type, amount, currency_code, date, category_id, payee, source, created_at, updated_at)
         SELECT $1::uuid, gen_random_uuid(), $2::uuid, CASE WHEN g % 3 = 0 THEN 'income' ELSE 'expense' END, (1 + g % 100000)::int8 * 100, 'EUR',
                timestamptz '2024-01-01' + (g % 1000) * interval '1 day' + (g % 86400) * interval '1 second',
                'cat_groceries', 'Payee ' || (g % 500), 'api', timestamptz '2026-01-01' + g * interval '1 millisecond', timestamptz '2026-01-01'
           FROM generate_series($3::int, $4::int) g`,
        [user.orgId, user.id, from, Math.min(from + 250_000, ROWS) - 1],
      );
    }
    ctx.log(`seeded ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await ctx.settle(['ledgy_transactions']);
    const base: Omit<ListFilter, 'cursor'> = { limit: 50, type: 'expense', dateFrom: new Date('2024-06-01T00:00:00Z') };
    let cursor = (await listTransactions(ctx.db, user, { ...base, cursor: null })).next;
    let pages = 0;
    const result = await ctx.loop({ seconds: ctx.seconds, warmupSeconds: 0.5 }, async () => {
      const page = await listTransactions(ctx.db, user, { ...base, cursor });
      if (page.items.length === 0) throw new Error('walked off the end');
      cursor = page.next ?? (await listTransactions(ctx.db, user, { ...base, cursor: null })).next;
      pages++;
      return 1;
    });
    return { ...summary(result), rows: ROWS, pages };
  },
} satisfies Benchmark;
