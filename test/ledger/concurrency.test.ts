/**
 * Many concurrent writers draining one hot account that may not go negative, through two
 * engines on the same database (two "processes", each with its own commit queue), so that on
 * PostgreSQL concurrent transactions really contend for the account's row lock; and many
 * concurrent first entries in a currency pair, racing to create its trading accounts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb, testDbKind } from '../helpers/db.ts';
import type { Db, Queryable } from '../../src/platform/db.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { LedgerEngine } from '../../src/ledger/engine.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import type { Account } from '../../src/ledger/types.ts';

const WRITERS = 50;
const TRANSFERS_PER_WRITER = 100;
const FUNDS = 3000n;

let db: Db;
before(async () => {
  db = await openTestDb();
});
after(async () => db.close());

/** Open transactions over all engines, to tell whether any ran at the same time. */
const open = { now: 0, max: 0 };

/** The same database, counting transactions (one engine each, like a process each). */
function counting(inner: Db) {
  const stats = { transactions: 0, attempts: 0 };
  const wrapped: Db = {
    listen: (channel, onMessage, onReconnect) => inner.listen(channel, onMessage, onReconnect),
    holdAdvisoryLock: (key) => inner.holdAdvisoryLock(key),
    query: (text, params) => inner.query(text, params),
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>) => {
      stats.transactions++;
      open.now++;
      open.max = Math.max(open.max, open.now);
      try {
        return await inner.transaction((tx) => {
          stats.attempts++; // more attempts than transactions: some were retried
          return fn(tx);
        });
      } finally {
        open.now--;
      }
    },
    close: () => inner.close(),
  };
  return { db: wrapped, stats };
}

test(
  `${WRITERS} concurrent writers through two engines never overdraw a hot account`,
  { timeout: 60_000 },
  async (t) => {
    open.max = 0;
    const first = counting(db);
    const second = counting(db);
    const engines = [new LedgerEngine(first.db, systemClock), new LedgerEngine(second.db, systemClock)];
    const [engine] = engines;

    const org = await createOrg(db, systemClock, { name: 'Hot' });
    const book = await engine.createLedger(org.id, { owner: 'kontor', name: 'main' }, db);
    const usd = { currency: 'USD', scale: 2 };
    const hot = await engine.createAccount(org.id, { ledgerId: book.id, code: 'hot', name: 'Hot wallet', type: 'asset', asset: usd, minBalance: 0n }, db);
    const equity = await engine.createAccount(org.id, { ledgerId: book.id, code: 'equity', name: 'Equity', type: 'equity', asset: usd }, db);
    const sinks: Account[] = [];
    for (let w = 0; w < WRITERS; w++) {
      sinks.push(await engine.createAccount(org.id, { ledgerId: book.id, code: `sink-${w}`, name: `Sink ${w}`, type: 'expense', asset: usd }, db));
    }
    await engine.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: hot.id, amount: FUNDS }, { accountId: equity.id, amount: -FUNDS }] });

    const hotBalance = async () =>
      (await db.query<{ balance: bigint }>('SELECT balance FROM accounts WHERE org_id = $1 AND id = $2', [org.id, hot.id]))[0].balance;

    // A reader sampling the committed balance for as long as the writers run.
    let running = true;
    const samples: bigint[] = [];
    const sampler = (async () => {
      while (running) {
        samples.push(await hotBalance());
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const errors = new Map<string, number>();
    const afterFirstRefusal: bigint[] = [];
    const started = Date.now();
    const posted = await Promise.all(
      sinks.map(async (sink, w) => {
        const engine = engines[w % engines.length];
        let ok = 0;
        let refused = false;
        for (let i = 0; i < TRANSFERS_PER_WRITER; i++) {
          try {
            await engine.submitEntry(org.id, {
              ledgerId: book.id,
              externalId: `w${w}-${i}`,
              postings: [{ accountId: sink.id, amount: 1n }, { accountId: hot.id, amount: -1n }],
            });
            ok++;
          } catch (error) {
            const code = error instanceof DomainError ? error.code : `unexpected: ${(error as Error).message}`;
            errors.set(code, (errors.get(code) ?? 0) + 1);
            if (!refused && code === 'insufficient_funds') {
              refused = true;
              // The balance only goes down, so once a transfer was refused for want of funds,
              // every later read must find none left: a refusal while funds remained is a bug.
              afterFirstRefusal.push(await hotBalance());
            }
          }
        }
        return ok;
      }),
    );
    running = false;
    await sampler;
    await Promise.all(engines.map((e) => e.drain()));
    const elapsed = Date.now() - started;

    const attempts = WRITERS * TRANSFERS_PER_WRITER;
    const succeeded = posted.reduce((a, b) => a + b, 0);
    assert.deepEqual(Object.fromEntries(errors), { insufficient_funds: attempts - Number(FUNDS) });
    assert.equal(succeeded, Number(FUNDS));
    assert.equal(await hotBalance(), 0n);
    assert.equal((await engine.getAccount(org.id, hot.id)).balance, 0n);
    assert.ok(samples.length > 0);
    assert.ok(samples.every((b) => b >= 0n && b <= FUNDS), `the hot account was seen at ${samples.find((b) => b < 0n || b > FUNDS)}`);
    assert.ok(afterFirstRefusal.every((b) => b === 0n), `a transfer was refused while funds remained: ${afterFirstRefusal.filter((b) => b !== 0n)}`);

    // Each writer's sink holds exactly what that writer was told had posted.
    const accounts = await engine.getAccounts(org.id, sinks.map((s) => s.id));
    sinks.forEach((sink, w) => assert.equal(accounts.get(sink.id)!.balance, BigInt(posted[w]), `sink of writer ${w}`));

    // Stored balances replay from the postings, and from the per-day deltas.
    const rows = await db.query<{ id: string; balance: bigint; replay: bigint; days: bigint }>(
      `SELECT a.id, a.balance,
              coalesce((SELECT sum(p.amount) FROM postings p WHERE p.org_id = a.org_id AND p.account_id = a.id), 0)::int8 AS replay,
              coalesce((SELECT sum(d.delta) FROM account_day_totals d WHERE d.org_id = a.org_id AND d.account_id = a.id), 0)::int8 AS days
         FROM accounts a WHERE a.org_id = $1`,
      [org.id],
    );
    assert.equal(rows.length, WRITERS + 2);
    for (const row of rows) {
      assert.equal(row.replay, row.balance, `postings of ${row.id}`);
      assert.equal(row.days, row.balance, `account_days of ${row.id}`);
    }
    const [counts] = await db.query<{ entries: number; postings: number; external: number }>(
      `SELECT (SELECT count(*)::int FROM entries WHERE org_id = $1) AS entries,
              (SELECT count(DISTINCT external_id)::int FROM entries WHERE org_id = $1) AS external,
              (SELECT count(*)::int FROM postings WHERE org_id = $1) AS postings`,
      [org.id],
    );
    assert.deepEqual(counts, { entries: Number(FUNDS) + 1, external: Number(FUNDS), postings: 2 * (Number(FUNDS) + 1) });

    // Both engines wrote, grouped commits, and on PostgreSQL their transactions overlapped.
    const transactions = first.stats.transactions + second.stats.transactions;
    assert.ok(first.stats.transactions > 0 && second.stats.transactions > 0);
    assert.ok(transactions < attempts / 5, `${transactions} transactions for ${attempts} transfers: the queue did not group`);
    // Each engine has one commit on the hot account in flight at a time (a second would only
    // wait for its row lock); the two engines' transactions overlap.
    assert.ok(open.max >= 2, `at most ${open.max} transactions were open at once`);
    t.diagnostic(`${testDbKind}: ${attempts} transfers in ${elapsed} ms, ${transactions} transactions, at most ${open.max} open at once`);
  },
);

test('one engine runs a second group at once only when it posts to other accounts than the group in flight', async () => {
  const counted = counting(db);
  const engine = new LedgerEngine(counted.db, systemClock);
  const org = await createOrg(db, systemClock, { name: 'Scheduling' });
  const book = await engine.createLedger(org.id, { owner: 'kontor', name: 'main' }, db);
  const usd = { currency: 'USD', scale: 2 };
  const accounts: Account[] = [];
  for (let i = 0; i < 41; i++) accounts.push(await engine.createAccount(org.id, { ledgerId: book.id, code: `a-${i}`, name: `A ${i}`, type: 'asset', asset: usd }, db));
  const [hub, ...others] = accounts;
  // External ids send each group through a transaction, which `counting` sees.
  const transfer = (from: Account, to: Account, id: string) =>
    engine.submitEntry(org.id, { ledgerId: book.id, externalId: id, postings: [{ accountId: to.id, amount: 1n }, { accountId: from.id, amount: -1n }] });
  /** A first wave, then (once its group is in flight) a second one. */
  const waves = async (first: [Account, Account][], second: [Account, Account][], tag: string) => {
    open.max = 0;
    const sent = first.map(([a, b], i) => transfer(a, b, `${tag}-1-${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    sent.push(...second.map(([a, b], i) => transfer(a, b, `${tag}-2-${i}`)));
    await Promise.all(sent);
    return open.max;
  };
  const pairs = (from: number, n: number) => Array.from({ length: n }, (_, i) => [others[from + 2 * i], others[from + 2 * i + 1]] as [Account, Account]);
  assert.equal(await waves(pairs(0, 10), pairs(20, 10), 'apart'), 2, 'disjoint accounts: both groups in flight');
  assert.equal(await waves(others.slice(0, 10).map((a) => [hub, a]), others.slice(10, 20).map((a) => [hub, a]), 'shared'), 1, 'one shared account: the second group waits');
  assert.equal(counted.stats.transactions, 4);
});

test('concurrent first entries in a currency pair create its trading accounts once', { timeout: 60_000 }, async (t) => {
  const first = counting(db);
  const second = counting(db);
  const engines = [new LedgerEngine(first.db, systemClock), new LedgerEngine(second.db, systemClock)];
  const [engine] = engines;
  const org = await createOrg(db, systemClock, { name: 'Pairs' });
  const book = await engine.createLedger(org.id, { owner: 'kontor', name: 'main' }, db);
  const WRITERS_FX = 16;
  const EACH = 5;
  // Each writer has accounts of its own, so the only rows they share are the trading
  // accounts that do not exist yet: nothing else makes their transactions wait for another.
  const accounts: { eur: Account; usd: Account }[] = [];
  for (let w = 0; w < WRITERS_FX; w++) {
    const asset = (currency: string) => ({ currency, scale: 2 });
    accounts.push({
      eur: await engine.createAccount(org.id, { ledgerId: book.id, code: `eur-${w}`, name: 'EUR', type: 'asset', asset: asset('EUR') }, db),
      usd: await engine.createAccount(org.id, { ledgerId: book.id, code: `usd-${w}`, name: 'USD', type: 'liability', asset: asset('USD') }, db),
    });
  }

  // Buys 10.00 EUR for 10.85 USD, through the queue or in a transaction of the caller's.
  const buy = (w: number, i: number) => {
    const input = {
      ledgerId: book.id,
      externalId: `fx-${w}-${i}`,
      rates: { 'EUR/USD': '1.085' },
      postings: [{ accountId: accounts[w].eur.id, amount: 1000n }, { accountId: accounts[w].usd.id, amount: -1085n }],
    };
    const e = engines[w % 2];
    return w % 4 === 3 ? (w % 2 ? second : first).db.transaction((tx) => e.postBatch(org.id, [input], tx)) : e.submitEntry(org.id, input);
  };
  await Promise.all(
    Array.from({ length: WRITERS_FX }, async (_, w) => {
      for (let i = 0; i < EACH; i++) await buy(w, i);
    }),
  );
  const n = BigInt(WRITERS_FX * EACH);
  const rows = await db.query<{ code: string; balance: bigint; replay: bigint }>(
    `SELECT a.code, a.balance,
            coalesce((SELECT sum(p.amount) FROM postings p WHERE p.org_id = a.org_id AND p.account_id = a.id), 0)::int8 AS replay
       FROM accounts a WHERE a.org_id = $1`,
    [org.id],
  );
  const byCode = Object.fromEntries(rows.map((r) => [r.code, r.balance]));
  const expected: Record<string, bigint> = {
    '_trading:EUR/2:USD/2:EUR/2': -1000n * n,
    '_trading:EUR/2:USD/2:USD/2': 1085n * n,
  };
  for (let w = 0; w < WRITERS_FX; w++) {
    expected[`eur-${w}`] = 1000n * BigInt(EACH);
    expected[`usd-${w}`] = -1085n * BigInt(EACH);
  }
  assert.deepEqual(byCode, expected);
  for (const row of rows) assert.equal(row.replay, row.balance, `postings of ${row.code}`);
  const retried = first.stats.attempts + second.stats.attempts - first.stats.transactions - second.stats.transactions;
  t.diagnostic(`${testDbKind}: ${first.stats.transactions + second.stats.transactions} transactions, ${retried} retried`);
});

test(
  'one external id posted at once through two engines posts once; the other gets the duplicate',
  {
    timeout: 60_000,
    // The loser hits the unique index and is retried.
  },
  async () => {
    const engines = [new LedgerEngine(db, systemClock), new LedgerEngine(db, systemClock)];
    const org = await createOrg(db, systemClock, { name: 'Twice' });
    const book = await engines[0].createLedger(org.id, { owner: 'kontor', name: 'main' }, db);
    const usd = { currency: 'USD', scale: 2 };
    const accounts: Account[] = [];
    for (let i = 0; i < 4; i++) {
      accounts.push(await engines[0].createAccount(org.id, { ledgerId: book.id, code: `a${i}`, name: `A${i}`, type: 'asset', asset: usd }, db));
    }
    for (let k = 0; k < 20; k++) {
      // Two retries of one request that disagree on the accounts, so no row lock orders them.
      const [x, y] = await Promise.all(
        engines.map((engine, e) =>
          engine.submitEntry(org.id, {
            ledgerId: book.id,
            externalId: `once-${k}`,
            postings: [{ accountId: accounts[2 * e].id, amount: 1n }, { accountId: accounts[2 * e + 1].id, amount: -1n }],
          }),
        ),
      );
      assert.deepEqual([x.duplicate, y.duplicate].sort(), [false, true]);
      assert.equal(x.entry.id, y.entry.id);
    }
    const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM entries WHERE org_id = $1', [org.id]);
    assert.equal(n, 20);
  },
);
