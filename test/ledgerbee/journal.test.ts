import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { ensureCompany, listChart, listVatCodes, type LedgerBeeDeps } from '../../src/ledgerbee/company-store.ts';
import { postJournalEntries } from '../../src/ledgerbee/journal.ts';
import { journalEntriesById, listJournalEntries } from '../../src/ledgerbee/journal-store.ts';
import { reverseJournalEntries } from '../../src/ledgerbee/journal-reversal.ts';
import { divideRounded, splitVat } from '../../src/ledgerbee/vat.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { ledgerbeeParties } from '../helpers/ledgerbee.ts';

let t: TestApp;
let deps: LedgerBeeDeps;
before(async () => {
  t = await startTestApp();
  deps = { db: t.db, clock: t.clock, ledger: t.core.ledger };
});
after(() => t.close());

async function company() {
  const org = await createOrg(t.db, t.clock, { name: 'Journal ApS' });
  const c = await t.db.transaction((tx) => ensureCompany(deps, tx, org.id));
  const chart = await listChart(t.db, org.id);
  const vat = await listVatCodes(t.db, org.id);
  const acct = (n: number) => chart.find((a) => a.number === n)!.id;
  const code = (c: string) => vat.find((v) => v.code === c)!.id;
  const post = (inputs: Parameters<typeof postJournalEntries>[3]) => t.db.transaction((tx) => postJournalEntries(deps, tx, org.id, inputs));
  const balance = async (n: number) => (await t.core.ledger.getAccount(org.id, acct(n))).balance;
  return { orgId: org.id, company: c, acct, code, post, balance };
}

test('rounding: halves away from zero, both signs alike', () => {
  assert.equal(divideRounded(5n, 2n), 3n);
  assert.equal(divideRounded(-5n, 2n), -3n);
  assert.equal(divideRounded(4n, 3n), 1n);
  const gross = { id: 'x', code: 'S25G', name: '', rateBp: 2500, type: 'SALES' as const, principle: 'Gross' as const, accountId: 'vat', contraAccountId: null };
  assert.deepEqual(splitVat(-12500n, gross).vat, -2500n);
  assert.deepEqual(splitVat(1n, gross).vat, 0n);
  assert.deepEqual(splitVat(3n, gross).vat, 1n);
});

test('a customer invoice with a Net VAT line: the receivable line is added, VAT posted, the ledger balanced', async () => {
  const c = await company();
  const { customerId } = await ledgerbeeParties(t, c.orgId);
  await assert.rejects(c.post([{ entryType: 'CUSTOMER_INVOICE', date: '2026-03-01', customerId: '0190a0a0-0000-7000-8000-000000000001', lines: [{ accountId: c.acct(1100), amount: -1n }] }]), (e: any) => e.details?.code === 'CUSTOMER_NOT_FOUND' && e.field === 'customerId');
  const [entry] = await c.post([{ entryType: 'CUSTOMER_INVOICE', date: '2026-03-01', customerId, lines: [{ accountId: c.acct(1100), amount: -10000n, vatCodeId: c.code('S25') }] }]);
  assert.equal(entry.originalAmount, 12500n);
  assert.equal(entry.lines.length, 2);
  assert.equal(entry.lines[1].system, true);
  assert.equal(await c.balance(5300), 12500n);
  assert.equal(await c.balance(6410), 2500n);
  assert.equal(await c.balance(1100), 10000n);
  const ledgerEntry = await t.core.ledger.getEntry(c.orgId, entry.id);
  assert.equal(ledgerEntry.postings.reduce((s, p) => s + p.amount, 0n), 0n);
});

test('unbalanced input names the last line amount; a heading takes no postings; nothing is written', async () => {
  const c = await company();
  await assert.rejects(
    c.post([{ entryType: 'JOURNAL_ENTRY', date: '2026-03-01', lines: [{ accountId: c.acct(5400), amount: 100n }, { accountId: c.acct(1100), amount: -50n }, { accountId: c.acct(1610), amount: -40n }] }]),
    (e: any) => e instanceof DomainError && e.code === 'unbalanced' && e.field === 'lines.2.amount',
  );
  await assert.rejects(
    c.post([{ entryType: 'JOURNAL_ENTRY', date: '2026-03-01', lines: [{ accountId: c.acct(1010), amount: 100n }, { accountId: c.acct(1100), amount: -100n }] }]),
    (e: any) => e instanceof DomainError && e.field === 'lines.0.accountId',
  );
  assert.equal(await c.balance(5400), 0n);
});

test('a batch is all or nothing; a reversal mirrors the entry, links both ways, and twice is refused', async () => {
  const c = await company();
  const good = { entryType: 'JOURNAL_ENTRY' as const, date: '2026-03-02', lines: [{ accountId: c.acct(5400), amount: 12500n }, { accountId: c.acct(1100), amount: -12500n, vatCodeId: c.code('S25G') }] };
  await assert.rejects(c.post([good, { ...good, lines: [{ accountId: c.acct(5400), amount: 1n }, { accountId: c.acct(1100), amount: -2n }] }]), (e: any) => e.field === 'entries.1.lines.1.amount');
  assert.equal(await c.balance(5400), 0n);
  const [entry] = await c.post([good]);
  assert.equal(await c.balance(6410), 2500n);
  const [reversal] = await t.db.transaction((tx) => reverseJournalEntries(deps, tx, c.orgId, [entry.id], {}));
  assert.equal(reversal.reversesId, entry.id);
  assert.equal(await c.balance(6410), 0n);
  assert.equal(await c.balance(5400), 0n);
  await assert.rejects(t.db.transaction((tx) => reverseJournalEntries(deps, tx, c.orgId, [entry.id], {})), (e: any) => e.code === 'already_reversed');
});

test('the lock date refuses postings on or before it', async () => {
  const c = await company();
  const { setLockDate } = await import('../../src/ledgerbee/company-store.ts');
  await setLockDate(t.db, c.orgId, '2026-03-31');
  await assert.rejects(
    c.post([{ entryType: 'JOURNAL_ENTRY', date: '2026-03-31', lines: [{ accountId: c.acct(5400), amount: 1n }, { accountId: c.acct(1100), amount: -1n }] }]),
    (e: any) => e.details?.code === 'JOURNAL_ENTRY_DATE_LOCKED' && e.field === 'date',
  );
  await c.post([{ entryType: 'JOURNAL_ENTRY', date: '2026-04-01', lines: [{ accountId: c.acct(5400), amount: 1n }, { accountId: c.acct(1100), amount: -1n }] }]);
});

test('a lock date set while entries are being posted: the posting waits for it, is refused, and leaves nothing', { timeout: 30_000 }, async () => {
  const c = await company();
  const { setLockDate } = await import('../../src/ledgerbee/company-store.ts');
  const { submitJournalEntries } = await import('../../src/ledgerbee/journal.ts');
  const lines = [{ accountId: c.acct(5400), amount: 7n }, { accountId: c.acct(1100), amount: -7n }];
  // Another transaction sets the lock date and holds it, uncommitted, while the entry posts.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let set!: () => void;
  const isSet = new Promise<void>((resolve) => (set = resolve));
  const locking = t.db.transaction(async (tx) => {
    await setLockDate(tx, c.orgId, '2026-03-31');
    set();
    await held;
  });
  await isSet;
  const posting = submitJournalEntries(deps, c.orgId, [{ entryType: 'JOURNAL_ENTRY', date: '2026-03-15', lines }], () => '');
  let settled: unknown = null;
  const outcome = posting.then(
    () => 'posted',
    (error) => error,
  );
  void outcome.then((value) => (settled = value));
  // The posting checked the lock date as committed (none), posted, and now waits for the company row.
  for (let waited = 0; ; waited += 20) {
    const [row] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM ledgerbee_companies WHERE org_id = $1 FOR SHARE%'`,
    );
    if (row.n > 0) break;
    if (settled !== null || waited >= 10_000) {
      release();
      assert.fail(`the posting never waited for the lock date: ${String(settled ?? 'still running after 10 s')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  release();
  await locking;
  const refused = await outcome;
  assert.ok(refused instanceof DomainError && (refused.details as any)?.code === 'JOURNAL_ENTRY_DATE_LOCKED' && refused.field === 'date', String(refused));
  assert.equal(await c.balance(5400), 0n);
  const [journal] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledgerbee_journal_entries WHERE org_id = $1', [c.orgId]);
  assert.equal(journal.n, 0);
});

test('submitted entries without dimension values post with their journal rows in one statement, each row under its ledger entry id', async () => {
  const c = await company();
  const { submitJournalEntries } = await import('../../src/ledgerbee/journal.ts');
  const { LedgerEngine } = await import('../../src/ledger/engine.ts');
  let transactions = 0;
  const counted = { ...t.db, query: t.db.query.bind(t.db), transaction: ((fn: any) => (transactions++, t.db.transaction(fn))) as typeof t.db.transaction };
  const ledgerDeps = { ...deps, ledger: new LedgerEngine(counted, t.clock) };
  const lines = (n: bigint) => [{ accountId: c.acct(5400), amount: n }, { accountId: c.acct(1100), amount: -n, vatCodeId: c.code('S25G') }];
  const entries = await submitJournalEntries(ledgerDeps, c.orgId, [
    { entryType: 'JOURNAL_ENTRY', date: '2026-03-15', lines: lines(125n) },
    { entryType: 'JOURNAL_ENTRY', date: '2026-03-16', lines: lines(250n) },
  ], (i) => `entries.${i}.`);
  assert.equal(transactions, 0, 'no transaction: the journal rows went with the posting statement');
  const stored = await journalEntriesById(t.db, c.orgId, entries.map((e) => e.id));
  assert.deepEqual([...stored.values()].map((e) => [e.id, e.date, e.lines.length]).sort(), entries.map((e) => [e.id, e.date, e.lines.length]).sort());
  const posted = await t.db.query<{ id: string }>('SELECT id FROM entries WHERE org_id = $1 AND id = ANY($2::uuid[])', [c.orgId, entries.map((e) => e.id)]);
  assert.equal(posted.length, 2, 'each journal row names its ledger entry');
  assert.equal(await c.balance(5400), 375n);
});

test('lines are stored with only the keys they hold; rows stored with every key read the same and match the same filters', async () => {
  const c = await company();
  const { customerId } = await ledgerbeeParties(t, c.orgId);
  const [entry] = await c.post([
    {
      entryType: 'CUSTOMER_INVOICE',
      date: '2026-03-02',
      customerId,
      lines: [
        { accountId: c.acct(1100), amount: -12500n, vatCodeId: c.code('S25G'), description: 'gross "quoted"' },
        { accountId: c.acct(1110), amount: -100n },
      ],
    },
  ]);
  const stored = async () => (await t.db.query<{ lines: any[] }>('SELECT lines FROM ledgerbee_journal_entries WHERE org_id = $1 AND id = $2', [c.orgId, entry.id]))[0].lines;
  const compact = await stored();
  assert.deepEqual(Object.keys(compact[1]).sort(), ['accountId', 'amount']);
  assert.deepEqual(Object.keys(compact[0]).sort(), ['accountId', 'amount', 'description', 'postedAmount', 'vatAmount', 'vatCodeId']);
  const read = (await journalEntriesById(t.db, c.orgId, [entry.id])).get(entry.id)!;
  assert.deepEqual(read.lines, entry.lines);
  // Rows written before (every key of every line, amounts as strings) read as they did.
  const full = entry.lines.map((l) => ({ ...l, amount: String(l.amount), vatAmount: String(l.vatAmount), postedAmount: String(l.postedAmount) }));
  await t.db.query('UPDATE ledgerbee_journal_entries SET lines = $3::jsonb WHERE org_id = $1 AND id = $2', [c.orgId, entry.id, JSON.stringify(full)]);
  assert.deepEqual((await journalEntriesById(t.db, c.orgId, [entry.id])).get(entry.id)!.lines, entry.lines);
  for (const filter of [{ accountId: c.acct(1110) }, { customerId }]) {
    assert.deepEqual((await listJournalEntries(t.db, c.orgId, filter, { offset: 0, limit: 10 })).items.map((e) => e.id), [entry.id]);
  }
});

test("an entry's free text is stored as written, whatever it holds (quotes, backslashes, braces, commas, NULL, empty)", async () => {
  const c = await company();
  const texts = ['say "hi"', 'back\\slash', '{a,b}', 'NULL', '', ' spaced ', 'ünï € 😀'];
  const posted = await c.post(
    texts.map((text, i) => ({
      entryType: 'JOURNAL_ENTRY' as const,
      date: '2026-03-01',
      description: text,
      reference: i % 2 === 0 ? text : null,
      externalSystemId: i % 3 === 0 ? null : text,
      lines: [
        { accountId: c.acct(1100), amount: 100n },
        { accountId: c.acct(5400), amount: -100n },
      ],
    })),
  );
  const stored = await journalEntriesById(t.db, c.orgId, posted.map((e) => e.id));
  texts.forEach((text, i) => {
    const e = stored.get(posted[i].id)!;
    assert.equal(e.description, text);
    assert.equal(e.reference, i % 2 === 0 ? text : null);
    assert.equal(e.externalSystemId, i % 3 === 0 ? null : text);
  });
});
