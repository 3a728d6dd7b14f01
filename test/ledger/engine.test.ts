import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/db.ts';
import type { Db } from '../../src/platform/db.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { LedgerEngine, type CompanionKind } from '../../src/ledger/engine.ts';
import { newId } from '../../src/platform/ids.ts';
import { createOrg } from '../../src/platform/orgs.ts';

let db: Db;
const clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
let ledger: LedgerEngine;

before(async () => {
  db = await openTestDb();
  ledger = new LedgerEngine(db, clock);
});
after(async () => db.close());

async function setup() {
  const org = await createOrg(db, clock, { name: 'Acme' });
  const book = await ledger.createLedger(org.id, { owner: 'kontor', name: 'main' }, db);
  const usd = { currency: 'USD', scale: 2 };
  const cash = await ledger.createAccount(org.id, { ledgerId: book.id, code: 'cash', name: 'Cash', type: 'asset', asset: usd, minBalance: 0n }, db);
  const revenue = await ledger.createAccount(org.id, { ledgerId: book.id, code: 'rev', name: 'Revenue', type: 'income', asset: usd }, db);
  const bank = await ledger.createAccount(org.id, { ledgerId: book.id, code: 'bank', name: 'Bank', type: 'asset', asset: usd }, db);
  return { org, book, cash, revenue, bank };
}

test('a balanced entry moves both balances on their normal sides', async () => {
  const { org, book, cash, revenue } = await setup();
  const { entry, duplicate } = await ledger.submitEntry(org.id, {
    ledgerId: book.id,
    postings: [
      { accountId: cash.id, amount: 1250n },
      { accountId: revenue.id, amount: -1250n },
    ],
  });
  assert.equal(duplicate, false);
  assert.equal(entry.postings.length, 2);
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 1250n);
  assert.equal((await ledger.getAccount(org.id, revenue.id)).balance, 1250n);
});

test('an unbalanced entry is refused and writes nothing', async () => {
  const { org, book, cash, revenue } = await setup();
  await assert.rejects(
    ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 100n }, { accountId: revenue.id, amount: -99n }] }),
    (e: any) => e.code === 'unbalanced' && e.field === 'postings',
  );
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 0n);
});

test('a no-negative limit refuses the entry that would break it', async () => {
  const { org, book, cash, revenue, bank } = await setup();
  await ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 500n }, { accountId: revenue.id, amount: -500n }] });
  await assert.rejects(
    ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 501n }, { accountId: cash.id, amount: -501n }] }),
    (e: any) => e.code === 'insufficient_funds' && e.field === 'postings[1]',
  );
  await ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 500n }, { accountId: cash.id, amount: -500n }] });
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 0n);
});

test('an external id makes a retry post nothing twice', async () => {
  const { org, book, cash, revenue } = await setup();
  const input = { ledgerId: book.id, externalId: 'inv-1', postings: [{ accountId: cash.id, amount: 100n }, { accountId: revenue.id, amount: -100n }] };
  const first = await ledger.submitEntry(org.id, input);
  const again = await ledger.submitEntry(org.id, input);
  assert.equal(again.duplicate, true);
  assert.equal(again.entry.id, first.entry.id);
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 100n);
});

test('a batch posts every entry or none', async () => {
  const { org, book, cash, revenue, bank } = await setup();
  await assert.rejects(
    ledger.submitBatch(org.id, [
      { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 100n }, { accountId: revenue.id, amount: -100n }] },
      { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 200n }, { accountId: cash.id, amount: -200n }] },
    ]),
    (e: any) => e.code === 'insufficient_funds' && e.field === 'entries[1].postings[1]',
  );
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 0n);
  const results = await ledger.submitBatch(org.id, [
    { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 300n }, { accountId: revenue.id, amount: -300n }] },
    { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 200n }, { accountId: cash.id, amount: -200n }] },
  ]);
  assert.equal(results.length, 2);
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 100n);
});

test('a reversal restores balances, links the original and happens once', async () => {
  const { org, book, cash, revenue } = await setup();
  const { entry } = await ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 700n }, { accountId: revenue.id, amount: -700n }] });
  const reversal = await db.transaction((tx) => ledger.reverseEntry(org.id, entry.id, {}, tx));
  assert.equal(reversal.entry.reversesId, entry.id);
  assert.equal((await ledger.getAccount(org.id, cash.id)).balance, 0n);
  await assert.rejects(db.transaction((tx) => ledger.reverseEntry(org.id, entry.id, {}, tx)), (e: any) => e.code === 'already_reversed');
});

test('balances as of a past date use the effective date', async () => {
  const { org, book, cash, revenue } = await setup();
  await ledger.submitEntry(org.id, { ledgerId: book.id, effectiveAt: new Date('2026-01-10T10:00:00Z'), postings: [{ accountId: cash.id, amount: 100n }, { accountId: revenue.id, amount: -100n }] });
  await ledger.submitEntry(org.id, { ledgerId: book.id, effectiveAt: new Date('2026-02-10T10:00:00Z'), postings: [{ accountId: cash.id, amount: 50n }, { accountId: revenue.id, amount: -50n }] });
  assert.equal((await ledger.balance(org.id, cash.id, '2026-01-09')).balance, 0n);
  assert.equal((await ledger.balance(org.id, cash.id, '2026-01-10')).balance, 100n);
  assert.equal((await ledger.balance(org.id, cash.id, '2026-02-10')).balance, 150n);
  assert.equal((await ledger.balance(org.id, cash.id)).balance, 150n);
  const tb = await ledger.trialBalance(org.id, book.id, '2026-01-31');
  assert.deepEqual(tb.totals.map((t) => [t.debit, t.credit]), [[100n, 100n]]);
});

test('as-of balances stay exact when the open day moves on, entries are dated before it, and one batch spans days', async () => {
  // The latest day's total lives on the account row, the others in account_days (0012).
  const { org, book, cash, revenue } = await setup();
  const post = (day: string, amount: bigint) =>
    ledger.submitEntry(org.id, { ledgerId: book.id, effectiveAt: new Date(`${day}T12:00:00Z`), postings: [{ accountId: cash.id, amount }, { accountId: revenue.id, amount: -amount }] });
  await post('2026-03-10', 100n); // opens 03-10
  await post('2026-03-10', 1n); // same open day
  await post('2026-03-05', 20n); // before the open day
  await post('2026-03-12', 3n); // a later day: 03-10 closes
  await post('2026-03-10', 400n); // a closed day again
  await post('2026-03-12', -3n); // the open day nets to zero
  await ledger.submitBatch(org.id, [
    { ledgerId: book.id, effectiveAt: new Date('2026-03-11T00:00:00Z'), postings: [{ accountId: cash.id, amount: 5000n }, { accountId: revenue.id, amount: -5000n }] },
    { ledgerId: book.id, effectiveAt: new Date('2026-03-15T23:59:59Z'), postings: [{ accountId: cash.id, amount: 60000n }, { accountId: revenue.id, amount: -60000n }] },
  ]);
  const expected: [string, bigint][] = [
    ['2026-03-04', 0n], ['2026-03-05', 20n], ['2026-03-09', 20n], ['2026-03-10', 521n], ['2026-03-11', 5521n],
    ['2026-03-12', 5521n], ['2026-03-14', 5521n], ['2026-03-15', 65521n], ['2026-12-31', 65521n],
  ];
  for (const [day, balance] of expected) {
    assert.equal((await ledger.balance(org.id, cash.id, day)).balance, balance, `cash as of ${day}`);
    assert.equal((await ledger.balance(org.id, revenue.id, day)).balance, balance, `revenue as of ${day}`);
    const tb = await ledger.trialBalance(org.id, book.id, day);
    assert.deepEqual(tb.totals.map((t) => [t.debit, t.credit]), balance === 0n ? [[0n, 0n]] : [[balance, balance]], `trial balance as of ${day}`);
  }
  assert.equal((await ledger.balance(org.id, cash.id)).balance, 65521n);
  const totals = await ledger.periodTotals(org.id, book.id, [{ from: '2026-03-01', to: '2026-03-10' }, { from: '2026-03-11', to: '2026-03-31' }]);
  assert.deepEqual(totals.get('cash'), [521n, 65000n]);
});

test('a plain transfer posts in one statement; one that a limit refuses takes the full path and writes nothing', async () => {
  const { org, book, cash, revenue, bank } = await setup();
  let transactions = 0;
  const counted: Db = { ...db, query: (text, params) => db.query(text, params), transaction: (fn) => (transactions++, db.transaction(fn)) };
  const engine = new LedgerEngine(counted, clock);
  await engine.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 500n }, { accountId: revenue.id, amount: -500n }] });
  assert.equal(transactions, 0, 'no explicit transaction for a transfer every check accepts');
  assert.equal((await engine.getAccount(org.id, cash.id)).balance, 500n);
  // Cash may not go negative: 600 out of 500 is refused by the full path, with its own error.
  await assert.rejects(
    engine.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 600n }, { accountId: cash.id, amount: -600n }] }),
    (e: any) => e.code === 'insufficient_funds' && e.field === 'postings[1]',
  );
  assert.equal(transactions, 1);
  // An unknown account, and another ledger's account, are not found (full path again).
  const other = await ledger.createLedger(org.id, { owner: 'kontor', name: 'other' }, db);
  const stranger = await ledger.createAccount(org.id, { ledgerId: other.id, code: 'x', name: 'X', type: 'asset', asset: { currency: 'USD', scale: 2 } }, db);
  await assert.rejects(
    engine.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: stranger.id, amount: 1n }, { accountId: cash.id, amount: -1n }] }),
    (e: any) => e.code === 'not_found' && e.field === 'postings[0].account_id',
  );
  // 400 out of 500 is within the limit: one statement.
  await engine.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: bank.id, amount: 400n }, { accountId: cash.id, amount: -400n }] });
  assert.equal(transactions, 2);
  const [row] = await db.query<{ n: bigint }>('SELECT count(*)::int8 AS n FROM entries WHERE org_id = $1', [org.id]);
  assert.equal(row.n, 2n);
  assert.equal((await engine.getAccount(org.id, cash.id)).balance, 100n);
  assert.equal((await engine.getAccount(org.id, stranger.id)).balance, 0n);
});

test('entries with a commit hook post in one statement inside their transaction, the hook after it; a refusal takes the full path there; a failing hook leaves nothing', async () => {
  const { org, book, cash, revenue, bank } = await setup();
  const statements: string[] = [];
  const counted: Db = {
    ...db,
    query: (text, params) => db.query(text, params),
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params) => (statements.push(text), tx.query(text, params)) })),
  };
  const engine = new LedgerEngine(counted, clock);
  let hooked: string[] = [];
  const hook = async (tx: { query: Db['query'] }, results: { entry: { id: string } }[]) => {
    hooked = results.map((r) => r.entry.id);
    await tx.query('SELECT 1');
  };
  const [posted] = await engine.submitBatch(org.id, [{ ledgerId: book.id, postings: [{ accountId: cash.id, amount: 500n }, { accountId: revenue.id, amount: -500n }] }], { beforeCommit: hook });
  assert.equal(statements.length, 2, `the posting statement and the hook's: ${statements.map((s) => s.slice(0, 40)).join(' | ')}`);
  assert.deepEqual(hooked, [posted.entry.id]);
  assert.equal((await engine.getAccount(org.id, cash.id)).balance, 500n);

  // Cash may not go negative: the statement writes nothing, the full path refuses in the same transaction.
  statements.length = 0;
  hooked = [];
  await assert.rejects(
    engine.submitBatch(org.id, [{ ledgerId: book.id, postings: [{ accountId: bank.id, amount: 600n }, { accountId: cash.id, amount: -600n }] }], { beforeCommit: hook }),
    (e: any) => e.code === 'insufficient_funds',
  );
  assert.equal(statements.length, 2, 'the statement, then the full path\'s lock');
  assert.match(statements[1], /FOR UPDATE/);
  assert.deepEqual(hooked, [], 'no hook for a refused unit');

  await assert.rejects(
    engine.submitBatch(org.id, [{ ledgerId: book.id, postings: [{ accountId: bank.id, amount: 100n }, { accountId: cash.id, amount: -100n }] }], {
      beforeCommit: async () => {
        throw new Error('the hook failed');
      },
    }),
    /the hook failed/,
  );
  assert.equal((await engine.getAccount(org.id, cash.id)).balance, 500n);
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM entries WHERE org_id = $1', [org.id]);
  assert.equal(row.n, 1);
});

test("entries with a companion post with its rows in one statement and no hook; when its condition fails the full path runs the hook instead", async () => {
  const { org, book, cash, revenue } = await setup();
  await db.query('CREATE TABLE IF NOT EXISTS companion_notes (org_id uuid NOT NULL, entry_id uuid NOT NULL, note text NOT NULL)');
  await db.query('CREATE TABLE IF NOT EXISTS companion_guard (org_id uuid PRIMARY KEY, blocked boolean NOT NULL)');
  await db.query('INSERT INTO companion_guard VALUES ($1, false)', [org.id]);
  const notes: CompanionKind = {
    name: 'test.notes',
    reads: () => 'test_guard AS (SELECT blocked FROM companion_guard WHERE org_id = $1 FOR SHARE)',
    holds: () => 'NOT EXISTS (SELECT 1 FROM test_guard WHERE blocked)',
    writes: (first) =>
      `test_notes AS (INSERT INTO companion_notes SELECT $1, u.entry_id, u.note FROM unnest($${first}::uuid[], $${first + 1}::text[]) AS u(entry_id, note) WHERE (SELECT ok FROM gate))`,
    params: ([ids, texts]) => [ids, texts],
  };
  let transactions = 0;
  const counted: Db = { ...db, query: (text, params) => db.query(text, params), transaction: (fn) => (transactions++, db.transaction(fn)) };
  const engine = new LedgerEngine(counted, clock);
  const hooked: string[] = [];
  const transfer = (amount: bigint) => ({ ledgerId: book.id, postings: [{ accountId: cash.id, amount }, { accountId: revenue.id, amount: -amount }] });
  const submit = (note: string, amount: bigint) => {
    const id = newId();
    return engine.submitBatch(org.id, [transfer(amount)], {
      entryIds: [id],
      companion: { kind: notes, columns: [[id], [note]] },
      beforeCommit: async (tx, results) => {
        hooked.push(note);
        await tx.query('INSERT INTO companion_notes VALUES ($1, $2, $3)', [org.id, results[0].entry.id, `${note} (hook)`]);
      },
    });
  };
  const notesOf = async () => (await db.query<{ entry_id: string; note: string }>('SELECT entry_id, note FROM companion_notes WHERE org_id = $1 ORDER BY note', [org.id]));

  const [first] = await submit('a', 100n);
  assert.equal(transactions, 0, 'one statement, no transaction');
  assert.deepEqual(hooked, [], 'the companion stands in for the hook');
  assert.deepEqual(await notesOf(), [{ entry_id: first.entry.id, note: 'a' }]);

  // Units of one kind in a group share its insert; each keeps its rows.
  const both = await Promise.all([submit('b', 10n), submit('c', 20n)]);
  assert.equal(transactions, 0);
  assert.deepEqual((await notesOf()).slice(1), [{ entry_id: both[0][0].entry.id, note: 'b' }, { entry_id: both[1][0].entry.id, note: 'c' }]);

  // The condition fails: the statement writes nothing, the full path posts and runs the hook.
  await db.query('UPDATE companion_guard SET blocked = true WHERE org_id = $1', [org.id]);
  const [fourth] = await submit('d', 1n);
  assert.equal(transactions, 1);
  assert.deepEqual(hooked, ['d']);
  assert.deepEqual((await notesOf()).slice(3), [{ entry_id: fourth.entry.id, note: 'd (hook)' }]);
  assert.equal((await engine.getAccount(org.id, cash.id)).balance, 131n);

  // A companion names its entries: without their ids it is a caller's mistake.
  await assert.rejects(
    engine.submitBatch(org.id, [transfer(1n)], { companion: { kind: notes, columns: [[newId()], ['e']] }, beforeCommit: async () => {} }),
    /needs entryIds/,
  );
  await db.query('DROP TABLE companion_notes, companion_guard');
});

test('two currencies balance through trading accounts at the given rate', async () => {
  const { org, book, cash } = await setup();
  const eur = await ledger.createAccount(org.id, { ledgerId: book.id, code: 'eur', name: 'EUR cash', type: 'asset', asset: { currency: 'EUR', scale: 2 } }, db);
  await assert.rejects(
    ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: eur.id, amount: 1000n }, { accountId: cash.id, amount: -1085n }] }),
    (e: any) => e.code === 'unbalanced' && e.field === 'rates',
  );
  await ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 2000n }, { accountId: (await ledger.createAccount(org.id, { ledgerId: book.id, code: 'eq', name: 'Equity', type: 'equity', asset: { currency: 'USD', scale: 2 } }, db)).id, amount: -2000n }] });
  const { entry } = await ledger.submitEntry(org.id, {
    ledgerId: book.id,
    rates: { 'EUR/USD': '1.085' },
    postings: [{ accountId: eur.id, amount: 1000n }, { accountId: cash.id, amount: -1085n }],
  });
  assert.equal(entry.postings.length, 4);
  assert.deepEqual(entry.rates, { 'EUR/USD': '1.085' });
  const tb = await ledger.trialBalance(org.id, book.id);
  for (const total of tb.totals) assert.equal(total.debit, total.credit);
});

test("another org's ids are not found", async () => {
  const a = await setup();
  const b = await setup();
  await assert.rejects(ledger.getAccount(b.org.id, a.cash.id), (e: any) => e.code === 'not_found');
  await assert.rejects(
    ledger.submitEntry(b.org.id, { ledgerId: b.book.id, postings: [{ accountId: a.cash.id, amount: 1n }, { accountId: b.revenue.id, amount: -1n }] }),
    (e: any) => e.code === 'not_found' && e.field === 'postings[0].account_id',
  );
});

test('purging a ledger removes everything in it and logs it', async () => {
  const { org, book, cash, revenue } = await setup();
  await ledger.submitEntry(org.id, { ledgerId: book.id, postings: [{ accountId: cash.id, amount: 1n }, { accountId: revenue.id, amount: -1n }] });
  const counts = await db.transaction((tx) => ledger.purgeLedger(org.id, book.id, 'test', tx));
  assert.deepEqual(counts, { entries: 1, accounts: 3 });
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM postings WHERE org_id = $1', [org.id]);
  assert.equal(n, 0);
  const log = await db.query('SELECT action FROM audit_log WHERE org_id = $1', [org.id]);
  assert.deepEqual(log.map((r) => r.action), ['ledger.purged']);
});

test('a refused entry in two currencies writes no trading accounts', async () => {
  const { org, book, cash } = await setup();
  const eur = await ledger.createAccount(org.id, { ledgerId: book.id, code: 'eur', name: 'EUR', type: 'asset', asset: { currency: 'EUR', scale: 2 } }, db);
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE org_id = $1', [org.id]))[0].n;
  const before = await count();
  await assert.rejects(
    ledger.submitEntry(org.id, { ledgerId: book.id, rates: { 'EUR/USD': '2' }, postings: [{ accountId: eur.id, amount: 100n }, { accountId: cash.id, amount: -100n }] }),
    (e: any) => e.code === 'unbalanced',
  );
  assert.equal(await count(), before);
});
