import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, chartIds, ledgerbeeCompany, ledgerbeeParties, saleEntry, type ChartIds } from '../../helpers/ledgerbee.ts';

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
const PDF = Buffer.from('%PDF-1.4\n%test\n').toString('base64');

test('POST /api/v2/journal-entries: 201, VAT split Gross, one balanced entry; GET it back', async () => {
  const entry = await c.ok('POST', '/api/v2/journal-entries', sale(12500, { reference: 'R-1', attachments: [{ fileName: 'r.pdf', contentType: 'application/pdf', data: PDF }] }));
  assert.equal(entry.lines[1].vatAmount, -2500);
  assert.equal(entry.lines[1].postedAmount, -10000);
  const again = await c.ok('GET', `/api/v1/journal-entries/${entry.id}`);
  assert.deepEqual(again, entry);
  const attachments = await c.ok('GET', `/api/v1/journal-entries/${entry.id}/attachments`);
  assert.equal(attachments.length, 1);
  assert.equal(attachments[0].contentType, 'application/pdf');
});

test('validation: unbalanced names lines.2.amount; unknown fields, wrong types and a missing field name their property', async () => {
  const three = { entryType: 'JOURNAL_ENTRY', date: '2026-05-01', lines: [{ accountId: acct[5400], amount: 100 }, { accountId: acct[1100], amount: -60 }, { accountId: acct[1610], amount: -30 }] };
  assertError(await c.call('POST', '/api/v2/journal-entries', three), 400, 'SHARED_VALIDATION_FAILED', 'lines.2.amount');
  assertError(await c.call('POST', '/api/v2/journal-entries', { ...sale(1), colour: 'red' }), 400, 'SHARED_VALIDATION_FAILED', 'colour');
  assertError(await c.call('POST', '/api/v2/journal-entries', { ...sale(1), lines: [{ accountId: acct[5400], amount: '1' }, { accountId: acct[1100], amount: -1 }] }), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.amount');
  const { date: _d, ...noDate } = sale(1);
  assertError(await c.call('POST', '/api/v2/journal-entries', noDate), 400, 'SHARED_VALIDATION_FAILED', 'date');
  assertError(await c.call('POST', '/api/v2/journal-entries', { ...sale(1), lines: [{ accountId: acct[5400], amount: 2 ** 60 }, { accountId: acct[1100], amount: -1 }] }), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.amount');
  const malformed = await t.request({ method: 'POST', url: '/api/v2/journal-entries', headers: { ...c.headers, 'content-type': 'application/json' }, payload: '{"entryType":' });
  assertError(malformed, 400, 'SHARED_VALIDATION_FAILED');
  assertError(await c.call('POST', '/api/v2/journal-entries', sale(1, { journalCategoryId: '0190a0a0-0000-7000-8000-000000000001' })), 404, 'JOURNAL_CATEGORY_NOT_FOUND');
  assertError(await c.call('POST', '/api/v2/journal-entries', sale(1, { attachments: [{ fileName: 'x.exe', contentType: 'application/x-msdownload', data: 'TVqQ' }] })), 400, 'INVALID_ATTACHMENT_TYPE', 'attachments.0.contentType');
  assertError(await c.call('POST', '/api/v2/journal-entries', sale(1, { attachments: [{ fileName: 'x.pdf', contentType: 'application/pdf', data: 'TVqQ' }] })), 400, 'INVALID_ATTACHMENT_TYPE', 'attachments.0.data');
  // A control account line needs its customer.
  const control = { entryType: 'JOURNAL_ENTRY', date: '2026-05-01', lines: [{ accountId: acct[5300], amount: 5 }, { accountId: acct[1100], amount: -5 }] };
  assertError(await c.call('POST', '/api/v2/journal-entries', control), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.customerId');
});

test('another company cannot use these accounts or see these entries: 404', async () => {
  const entry = await c.ok('POST', '/api/v2/journal-entries', sale(100));
  const other = await ledgerbeeCompany(t);
  assertError(await other.call('GET', `/api/v1/journal-entries/${entry.id}`), 404, 'JOURNAL_ENTRY_NOT_FOUND');
  assertError(await other.call('POST', `/api/v1/journal-entries/${entry.id}/reverse`, {}), 404, 'JOURNAL_ENTRY_NOT_FOUND');
  assertError(await other.call('POST', '/api/v2/journal-entries', sale(100)), 404, 'ACCOUNT_NOT_FOUND', 'lines.0.accountId');
});

test('a customer invoice gets its receivable line; sending the control line yourself is refused', async () => {
  const { customerId } = await ledgerbeeParties(t, c.orgId);
  const other = await ledgerbeeCompany(t);
  const theirs = await ledgerbeeParties(t, other.orgId);
  assertError(await c.call('POST', '/api/v2/journal-entries', { entryType: 'CUSTOMER_INVOICE', date: '2026-05-02', customerId: theirs.customerId, lines: [{ accountId: acct[1100], amount: -1 }] }), 404, 'CUSTOMER_NOT_FOUND', 'customerId');
  const invoice = await c.ok('POST', '/api/v2/journal-entries', { entryType: 'CUSTOMER_INVOICE', date: '2026-05-02', customerId, originalAmount: 12500, lines: [{ accountId: acct[1100], amount: -10000, vatCodeId: vat.S25 }] });
  const control = invoice.lines.find((l: any) => l.isSystemLine);
  assert.equal(control.accountId, acct[5300]);
  assert.equal(control.amount, 12500);
  assert.equal(control.customerId, customerId);
  assertError(await c.call('POST', '/api/v2/journal-entries', { entryType: 'CUSTOMER_INVOICE', date: '2026-05-02', customerId, originalAmount: 999, lines: [{ accountId: acct[1100], amount: -10000, vatCodeId: vat.S25 }] }), 400, 'SHARED_VALIDATION_FAILED', 'originalAmount');
  assertError(await c.call('POST', '/api/v2/journal-entries', { entryType: 'CUSTOMER_PAYMENT', date: '2026-05-02', customerId, lines: [{ accountId: acct[5300], amount: -1, customerId }] }), 400, 'SHARED_VALIDATION_FAILED', 'lines.0.accountId');
  assertError(await c.call('POST', '/api/v2/journal-entries', { entryType: 'SUPPLIER_INVOICE', date: '2026-05-02', lines: [{ accountId: acct[1210], amount: 100 }] }), 400, 'SHARED_VALIDATION_FAILED', 'vendorId');
});

test('batches: v2 {totalCreated, entries} in order, all or none; v1 the same with Deprecation, Sunset and Link', async () => {
  const ok = await c.ok('POST', '/api/v2/journal-entries/batch', { entries: [sale(1, { reference: 'a' }), sale(2, { reference: 'b' })] });
  assert.equal(ok.totalCreated, 2);
  assert.deepEqual(ok.entries.map((e: any) => e.reference), ['a', 'b']);
  const before = (await c.ok('GET', '/api/v1/journal-entries?limit=1')).total;
  const bad = await c.call('POST', '/api/v2/journal-entries/batch', { entries: [sale(3), { ...sale(4), lines: [{ accountId: acct[5400], amount: 4 }, { accountId: acct[1100], amount: -5 }] }] });
  assertError(bad, 400, 'SHARED_VALIDATION_FAILED', 'entries.1.lines.1.amount');
  assert.equal((await c.ok('GET', '/api/v1/journal-entries?limit=1')).total, before);
  assertError(await c.call('POST', '/api/v2/journal-entries/batch', { entries: [] }), 400, 'SHARED_VALIDATION_FAILED', 'entries');
  assertError(await c.call('POST', '/api/v2/journal-entries/batch', { entries: Array.from({ length: 101 }, () => sale(1)) }), 400, 'SHARED_VALIDATION_FAILED', 'entries');
  const v1 = await c.call('POST', '/api/v1/journal-entries/batch', { entries: [sale(5)] });
  assert.equal(v1.statusCode, 201, v1.body);
  assert.equal(v1.headers.deprecation, 'true');
  assert.match(String(v1.headers.sunset), /GMT$/);
  assert.equal(v1.headers.link, '</api/v2/journal-entries/batch>; rel="successor-version"');
  const single = await c.call('POST', '/api/v1/journal-entries', sale(6));
  assert.equal(single.statusCode, 201);
  assert.equal(single.headers.link, '</api/v2/journal-entries>; rel="successor-version"');
});

test('list: filters and the product pagination; PATCH corrects reference and external id only', async () => {
  const d = await ledgerbeeCompany(t);
  const a = await d.accountId(5400);
  const r = await d.accountId(1100);
  for (let i = 1; i <= 5; i++) await d.ok('POST', '/api/v2/journal-entries', { entryType: 'JOURNAL_ENTRY', date: `2026-06-0${i}`, lines: [{ accountId: a, amount: i }, { accountId: r, amount: -i }] });
  const page = await d.ok('GET', '/api/v1/journal-entries?page=2&limit=2');
  assert.deepEqual([page.total, page.page, page.limit, page.totalPages, page.journalEntries.length], [5, 2, 2, 3, 2]);
  assert.deepEqual(page.journalEntries.map((e: any) => e.date), ['2026-06-03', '2026-06-02']);
  const ranged = await d.ok('GET', `/api/v1/journal-entries?fromDate=2026-06-02&toDate=2026-06-03&accountId=${a}`);
  assert.equal(ranged.total, 2);
  assertError(await d.call('GET', '/api/v1/journal-entries?limit=0'), 400, 'SHARED_VALIDATION_FAILED', 'limit');
  const id = page.journalEntries[0].id;
  const patched = await d.ok('PATCH', `/api/v1/journal-entries/${id}`, { reference: 'INV-9', externalSystemId: 'erp-1' });
  assert.equal(patched.reference, 'INV-9');
  assert.equal((await d.ok('GET', '/api/v1/journal-entries?externalSystemId=erp-1')).total, 1);
  assertError(await d.call('PATCH', `/api/v1/journal-entries/${id}`, { date: '2026-01-01' }), 400, 'SHARED_VALIDATION_FAILED', 'date');
});

test('reversal: linked both ways, twice 409; batch reversal all or none', async () => {
  const one = await c.ok('POST', '/api/v2/journal-entries', sale(700));
  const reversal = await c.ok('POST', `/api/v1/journal-entries/${one.id}/reverse`, { date: '2026-05-10' });
  assert.equal(reversal.reversesId, one.id);
  assert.equal(reversal.lines[0].amount, -700);
  assert.equal((await c.ok('GET', `/api/v1/journal-entries/${one.id}`)).reversedById, reversal.id);
  assertError(await c.call('POST', `/api/v1/journal-entries/${one.id}/reverse`, {}), 409, 'JOURNAL_ENTRY_ALREADY_REVERSED');
  const [x, y] = (await c.ok('POST', '/api/v2/journal-entries/batch', { entries: [sale(1), sale(2)] })).entries;
  assertError(await c.call('POST', '/api/v1/journal-entries/reverse', { ids: [x.id, one.id] }), 409, 'JOURNAL_ENTRY_ALREADY_REVERSED');
  assert.equal((await c.ok('GET', `/api/v1/journal-entries/${x.id}`)).reversedById, null);
  const both = await c.ok('POST', '/api/v1/journal-entries/reverse', { ids: [x.id, y.id] });
  assert.equal(both.totalReversed, 2);
});

test('scopes: a read-only key cannot post (403), and no key is 401', async () => {
  const reader = await ledgerbeeCompany(t, { scopes: ['journal-entries-read', 'accounts-read'] });
  const body = assertError(await reader.call('POST', '/api/v2/journal-entries', sale(1)), 403, 'INSUFFICIENT_PERMISSIONS');
  assert.deepEqual(body.details.requiredScopes, ['journal-entries-write']);
  assertError(await t.request({ method: 'GET', url: '/api/v1/journal-entries' }), 401, 'UNAUTHORIZED');
});

test('the answer of a create is the view as JSON.stringify writes it, whatever the entry holds', async () => {
  const { journalEntryJson, journalEntryView } = await import('../../../src/apis/ledgerbee/journal-schemas.ts');
  const u = (n: number) => `0000000${n}-0000-4000-8000-00000000000${n}`;
  const line = (over: object) => ({ accountId: u(1), amount: 125n, description: null, vatCodeId: null, vatAmount: 0n, postedAmount: 125n, customerId: null, vendorId: null, dimensionValueIds: [], system: false, ...over });
  const plain = { id: u(2), entryType: 'JOURNAL_ENTRY', date: '2026-03-01', originalAmount: null, currency: 'DKK', customerId: null, vendorId: null, description: null, reference: null, externalSystemId: null, journalCategoryId: null, tagIds: [], lines: [line({}), line({ amount: -125n, postedAmount: -125n })], reversesId: null, reversedById: null, createdAt: new Date('2026-03-01T10:11:12.345Z') };
  const full = {
    ...plain,
    entryType: 'CUSTOMER_INVOICE',
    originalAmount: -9_007_199_254_740_993n,
    customerId: u(3),
    vendorId: u(4),
    description: 'Quote " back\\slash \n newline \u0001 ünï €',
    reference: '{a,b} \u2028 \u007f emoji 😀 lone \ud800 end',
    externalSystemId: 'x"y',
    journalCategoryId: u(5),
    tagIds: [u(6), u(7)],
    lines: [line({ description: 'tab\there', vatCodeId: u(8), vatAmount: 25n, postedAmount: 100n, customerId: u(3), vendorId: u(4), dimensionValueIds: [u(9)], system: true }), line({ amount: 0n, postedAmount: 0n })],
    reversesId: u(1),
    reversedById: u(2),
    createdAt: new Date('2026-03-02T00:00:00Z'),
  };
  for (const entry of [plain, full, plain] as any[]) assert.equal(journalEntryJson(entry), JSON.stringify(journalEntryView(entry)));
});
