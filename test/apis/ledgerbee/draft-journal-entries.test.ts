import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, chartIds, ledgerbeeCompany, ledgerbeeParties, saleEntry, type ChartIds } from '../../helpers/ledgerbee.ts';

/* Draft journal entries over HTTP, v2 and v1: create, batch, list filters, get, PATCH, delete, book (once). */

let t: TestApp;
let c: Awaited<ReturnType<typeof ledgerbeeCompany>>;
let acct: Record<number, string>;
let vat: Record<string, string>;
let chart: ChartIds;
before(async () => {
  t = await startTestApp();
  c = await ledgerbeeCompany(t);
  chart = await chartIds(c);
  ({ accounts: acct, vatCodes: vat } = chart);
});
after(() => t.close());

const sale = (amount: number, extra: Record<string, unknown> = {}) => saleEntry(chart, amount, extra);

test('v2: create, get, PATCH, book into one posted entry; booking twice is 409 naming the entry', async () => {
  const draft = await c.ok('POST', '/api/v2/draft-journal-entries', sale(12500, { reference: 'R-1', externalSystemId: 'erp-1' }));
  assert.deepEqual([draft.status, draft.journalEntryId, draft.amount, draft.lines.length], ['draft', null, 12500, 2]);
  assert.deepEqual(await c.ok('GET', `/api/v2/draft-journal-entries/${draft.id}`), draft);
  // A draft need not balance until it is booked.
  const unbalanced = await c.ok('PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { lines: [{ accountId: acct[5400], amount: 100 }, { accountId: acct[1100], amount: -60 }], description: 'half done' });
  assert.deepEqual([unbalanced.description, unbalanced.reference, unbalanced.amount], ['half done', 'R-1', 100]);
  assertError(await c.call('POST', `/api/v2/draft-journal-entries/${draft.id}/book`), 400, 'SHARED_VALIDATION_FAILED', 'lines.1.amount');
  assert.equal((await c.ok('GET', `/api/v2/draft-journal-entries/${draft.id}`)).status, 'draft', 'a refused booking leaves the draft');
  await c.ok('PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { lines: sale(12500).lines, reference: null });
  const booked = await c.ok('POST', `/api/v2/draft-journal-entries/${draft.id}/book`);
  assert.equal(booked.draftJournalEntry.status, 'booked');
  assert.equal(booked.draftJournalEntry.journalEntryId, booked.journalEntry.id);
  assert.equal(booked.journalEntry.lines[1].vatAmount, -2500);
  assert.equal(booked.journalEntry.reference, null);
  assert.equal(booked.journalEntry.externalSystemId, 'erp-1');
  assert.deepEqual(await c.ok('GET', `/api/v1/journal-entries/${booked.journalEntry.id}`), booked.journalEntry);
  const twice = assertError(await c.call('POST', `/api/v2/draft-journal-entries/${draft.id}/book`), 409, 'DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED');
  assert.equal(twice.details.journalEntryId, booked.journalEntry.id);
  assertError(await c.call('PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { description: 'x' }), 409, 'DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED');
  assertError(await c.call('DELETE', `/api/v2/draft-journal-entries/${draft.id}`), 409, 'DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED');
});

test('a customer invoice draft gets its receivable line when booked', async () => {
  const { customerId } = await ledgerbeeParties(t, c.orgId);
  const draft = await c.ok('POST', '/api/v2/draft-journal-entries', { entryType: 'CUSTOMER_INVOICE', date: '2026-05-02', customerId, lines: [{ accountId: acct[1100], amount: -10000, vatCodeId: vat.S25 }] });
  assert.equal(draft.customerId, customerId);
  const { journalEntry } = await c.ok('POST', `/api/v2/draft-journal-entries/${draft.id}/book`);
  const control = journalEntry.lines.find((l: any) => l.isSystemLine);
  assert.deepEqual([control.accountId, control.amount], [acct[5300], 12500]);
});

test('validation: field paths, unknown fields, references checked when written, batches all or none', async () => {
  assertError(await c.call('POST', '/api/v2/draft-journal-entries', { ...sale(1), colour: 'red' }), 400, 'SHARED_VALIDATION_FAILED', 'colour');
  assertError(await c.call('POST', '/api/v2/draft-journal-entries', { ...sale(1), lines: [{ accountId: acct[5400], amount: '1' }] }), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.amount');
  assertError(await c.call('POST', '/api/v2/draft-journal-entries', sale(1, { date: '2026-02-30' })), 400, 'SHARED_VALIDATION_FAILED');
  assertError(await c.call('POST', '/api/v2/draft-journal-entries', sale(1, { lines: [{ accountId: acct[5400], amount: 0 }] })), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.amount');
  assertError(await c.call('POST', '/api/v2/draft-journal-entries', sale(1, { journalCategoryId: '0190a0a0-0000-7000-8000-000000000001' })), 404, 'JOURNAL_CATEGORY_NOT_FOUND', 'journalCategoryId');
  const before = (await c.ok('GET', '/api/v2/draft-journal-entries?limit=1')).total;
  const bad = await c.call('POST', '/api/v2/draft-journal-batches', { entries: [sale(3), sale(4, { lines: [{ accountId: acct[5400], amount: 4, vatCodeId: '0190a0a0-0000-7000-8000-000000000002' }] })] });
  assertError(bad, 404, 'VAT_CODE_NOT_FOUND', 'entries.1.lines.0.vatCodeId');
  assertError(await c.call('POST', '/api/v2/draft-journal-batches', { entries: [sale(1), { ...sale(1), date: 5 }] }), 400, 'SHARED_VALIDATION_FAILED', 'entries.1.date');
  assertError(await c.call('POST', '/api/v2/draft-journal-batches', { entries: [] }), 400, 'SHARED_VALIDATION_FAILED', 'entries');
  assert.equal((await c.ok('GET', '/api/v2/draft-journal-entries?limit=1')).total, before);
  assertError(await c.call('GET', '/api/v2/draft-journal-entries?search=x'), 400, 'SHARED_VALIDATION_FAILED', 'search');
  assertError(await c.call('GET', '/api/v2/draft-journal-entries?minAmount=1.5'), 400, 'SHARED_VALIDATION_FAILED', 'minAmount');
  const draft = await c.ok('POST', '/api/v2/draft-journal-entries', sale(5));
  assertError(await c.call('PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { date: null }), 400, 'SHARED_VALIDATION_FAILED', 'date');
  assertError(await c.call('PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { lines: [{ accountId: acct[1000], amount: 5 }] }), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.accountId');
});

test('batches and the list: v2 {totalCreated, entries} in order; every filter; v1 adds externalSystemId and search, with deprecation headers', async () => {
  const d = await ledgerbeeCompany(t);
  const a = await d.accountId(5400);
  const b = await d.accountId(1100);
  const e = (date: string, amount: number, extra: Record<string, unknown> = {}) => ({ entryType: 'JOURNAL_ENTRY', date, lines: [{ accountId: a, amount }, { accountId: b, amount: -amount }], ...extra });
  const made = await d.ok('POST', '/api/v2/draft-journal-batches', { entries: [e('2026-06-01', 100, { reference: 'Rent June' }), e('2026-06-03', 300, { externalSystemId: 'erp-3' }), e('2026-06-02', 200)] });
  assert.equal(made.totalCreated, 3);
  assert.deepEqual(made.entries.map((x: any) => x.amount), [100, 300, 200]);
  const amounts = async (query: string, v = 'v2') => (await d.ok('GET', `/api/${v}/draft-journal-entries?${query}`)).draftJournalEntries.map((x: any) => x.amount);
  assert.deepEqual(await amounts(''), [300, 200, 100]);
  assert.deepEqual(await amounts('fromDate=2026-06-02&toDate=2026-06-02'), [200]);
  assert.deepEqual(await amounts('minAmount=200&maxAmount=300'), [300, 200]);
  assert.deepEqual(await amounts(`accountId=${a}&journalType=JOURNAL_ENTRY`), [300, 200, 100]);
  assert.deepEqual(await amounts('journalType=CUSTOMER_INVOICE'), []);
  assert.deepEqual(await amounts(`customerId=${a}`), []);
  assert.deepEqual(await amounts(`vendorId=${a}`), []);
  const page = await d.ok('GET', '/api/v2/draft-journal-entries?page=2&limit=2');
  assert.deepEqual([page.total, page.page, page.limit, page.totalPages, page.draftJournalEntries.length], [3, 2, 2, 2, 1]);
  assert.deepEqual(await amounts('externalSystemId=erp-3', 'v1'), [300]);
  assert.deepEqual(await amounts('search=rent', 'v1'), [100]);
  const v1 = await d.call('POST', '/api/v1/draft-journal-entries/batch', { entries: [e('2026-06-04', 400)] });
  assert.equal(v1.statusCode, 201, v1.body);
  assert.equal(v1.headers.deprecation, 'true');
  assert.equal(v1.headers.link, '</api/v2/draft-journal-batches>; rel="successor-version"');
  const single = await d.call('POST', '/api/v1/draft-journal-entries', e('2026-06-05', 500));
  assert.equal(single.statusCode, 201);
  assert.equal(single.headers.link, '</api/v2/draft-journal-entries>; rel="successor-version"');
  const id = single.json().id;
  const booked = await d.call('POST', `/api/v1/draft-journal-entries/${id}/book`);
  assert.equal(booked.statusCode, 201, booked.body);
  assert.equal(booked.headers.deprecation, 'true');
  assertError(await d.call('POST', `/api/v1/draft-journal-entries/${id}/book`), 409, 'DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED');
  const gone = made.entries[0].id;
  assert.equal((await d.call('DELETE', `/api/v1/draft-journal-entries/${gone}`)).statusCode, 204);
  assertError(await d.call('GET', `/api/v2/draft-journal-entries/${gone}`), 404, 'DRAFT_JOURNAL_ENTRY_NOT_FOUND');
  assert.equal((await d.call('GET', `/api/v1/draft-journal-entries/${made.entries[1].id}`)).statusCode, 200);
});

test("another company's drafts are 404 on every operation; its accounts cannot be named", async () => {
  const draft = await c.ok('POST', '/api/v2/draft-journal-entries', sale(100));
  const other = await ledgerbeeCompany(t);
  for (const [method, url, body] of [
    ['GET', `/api/v2/draft-journal-entries/${draft.id}`],
    ['GET', `/api/v1/draft-journal-entries/${draft.id}`],
    ['PATCH', `/api/v2/draft-journal-entries/${draft.id}`, { description: 'mine' }],
    ['DELETE', `/api/v2/draft-journal-entries/${draft.id}`],
    ['POST', `/api/v2/draft-journal-entries/${draft.id}/book`],
    ['POST', `/api/v1/draft-journal-entries/${draft.id}/book`],
  ] as const) {
    assertError(await other.call(method, url, body), 404, 'DRAFT_JOURNAL_ENTRY_NOT_FOUND');
  }
  assert.equal((await other.ok('GET', '/api/v2/draft-journal-entries')).total, 0);
  assertError(await other.call('POST', '/api/v2/draft-journal-entries', sale(100)), 404, 'ACCOUNT_NOT_FOUND', 'lines.0.accountId');
  assert.equal((await c.ok('GET', `/api/v2/draft-journal-entries/${draft.id}`)).status, 'draft');
});

test('scopes: 401 without a key; a read-only key cannot write (403 naming the scope); a journal key cannot read drafts', async () => {
  assertError(await t.request({ method: 'GET', url: '/api/v2/draft-journal-entries' }), 401, 'UNAUTHORIZED');
  assertError(await t.request({ method: 'POST', url: '/api/v2/draft-journal-batches', payload: { entries: [] } }), 401, 'UNAUTHORIZED');
  const reader = await ledgerbeeCompany(t, { scopes: ['draft-journal-entries-read'] });
  const body = assertError(await reader.call('POST', '/api/v2/draft-journal-entries', sale(1)), 403, 'INSUFFICIENT_PERMISSIONS');
  assert.deepEqual(body.details.requiredScopes, ['draft-journal-entries-write']);
  for (const [method, url] of [
    ['POST', '/api/v2/draft-journal-batches'],
    ['PATCH', '/api/v2/draft-journal-entries/0190a0a0-0000-7000-8000-000000000001'],
    ['DELETE', '/api/v2/draft-journal-entries/0190a0a0-0000-7000-8000-000000000001'],
    ['POST', '/api/v2/draft-journal-entries/0190a0a0-0000-7000-8000-000000000001/book'],
    ['POST', '/api/v1/draft-journal-entries/batch'],
  ] as const) {
    assertError(await reader.call(method, url, method === 'DELETE' ? undefined : {}), 403, 'INSUFFICIENT_PERMISSIONS');
  }
  const journal = await ledgerbeeCompany(t, { scopes: ['journal-entries-read', 'journal-entries-write'] });
  assertError(await journal.call('GET', '/api/v1/draft-journal-entries'), 403, 'INSUFFICIENT_PERMISSIONS');
});
