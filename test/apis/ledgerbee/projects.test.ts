import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgerbeeCompany } from '../../helpers/ledgerbee.ts';
import { postJournalEntries, type JournalEntryInput } from '../../../src/ledgerbee/journal.ts';
import { ledgerbeeDeps } from '../../../src/apis/ledgerbee/context.ts';

/* Projects over HTTP: list, create, get, update, upsert (201/200), subprojects, profit from posted lines carrying the project's dimension. */

let t: TestApp;
let c: Awaited<ReturnType<typeof ledgerbeeCompany>>;
let other: Awaited<ReturnType<typeof ledgerbeeCompany>>;
before(async () => {
  t = await startTestApp();
  c = await ledgerbeeCompany(t);
  other = await ledgerbeeCompany(t);
});
after(() => t.close());

const post = (orgId: string, inputs: JournalEntryInput[]) => t.db.transaction((tx) => postJournalEntries(ledgerbeeDeps(t.core), tx, orgId, inputs));

test('create, get, list (archived hidden unless includeArchived=true), update', async () => {
  const customer = await c.ok('POST', '/api/v1/customers', { name: 'Client' });
  const p = await c.ok('POST', '/api/v1/projects', { name: 'Website', customerId: customer.id, budgetHours: 120.5, budgetAmount: 9500000, startDate: '2026-01-01', endDate: '2026-06-30', color: '#ff8800', subprojects: [{ name: 'Design' }] });
  assert.deepEqual([p.currency, p.budgetHours, p.budgetAmount, p.color, p.isArchived, p.customerId], ['DKK', 120.5, 9500000, '#FF8800', false, customer.id]);
  assert.deepEqual(p.subprojects.map((s: any) => [s.name, s.isDefault]), [['General', true], ['Design', false]]);
  assert.equal(p.defaultSubprojectId, p.subprojects[0].id);
  const dims = await c.ok('GET', `/api/v1/dimensions/${p.dimensionId}`).catch(() => null);
  if (dims) assert.deepEqual(dims.values.map((v: any) => v.id).sort(), p.subprojects.map((s: any) => s.id).sort(), 'the dimension API shows the subprojects as values');
  assert.deepEqual(await c.ok('GET', `/api/v1/projects/${p.id}`), p);
  const updated = await c.ok('PUT', `/api/v1/projects/${p.id}`, { name: 'Website 2', budgetHours: null, isArchived: true });
  assert.deepEqual([updated.name, updated.budgetHours, updated.budgetAmount, updated.isArchived], ['Website 2', null, 9500000, true]);
  assert.deepEqual((await c.ok('GET', '/api/v1/projects')).map((x: any) => x.id).includes(p.id), false);
  assert.deepEqual((await c.ok('GET', '/api/v1/projects?includeArchived=true')).map((x: any) => x.id).includes(p.id), true);
  assertError(await c.call('PUT', `/api/v1/projects/${p.id}`, { name: 'Changed' }), 409, 'PROJECT_ARCHIVED');
  assert.equal((await c.ok('PUT', `/api/v1/projects/${p.id}`, { isArchived: false })).isArchived, false);
});

test('validation and refusals: field paths, unknown fields, another company’s ids 404, name taken 409', async () => {
  assertError(await c.call('POST', '/api/v1/projects', {}), 400, 'SHARED_VALIDATION_FAILED', 'name');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', color: 'red' }), 400, 'SHARED_VALIDATION_FAILED', 'color');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', startDate: '2026-13-01' }), 400, 'SHARED_VALIDATION_FAILED', 'startDate');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', startDate: '2026-02-01', endDate: '2026-01-01' }), 400, 'SHARED_VALIDATION_FAILED', 'endDate');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', budgetAmount: 1.5 }), 400, 'SHARED_VALIDATION_FAILED', 'budgetAmount');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', subprojects: [{ name: '' }] }), 400, 'SHARED_VALIDATION_FAILED', 'subprojects.0.name');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', owner: 'me' }), 400, 'SHARED_VALIDATION_FAILED');
  const theirCustomer = await other.ok('POST', '/api/v1/customers', { name: 'Theirs' });
  assertError(await c.call('POST', '/api/v1/projects', { name: 'A', customerId: theirCustomer.id }), 404, 'CUSTOMER_NOT_FOUND', undefined);
  await c.ok('POST', '/api/v1/projects', { name: 'Taken' });
  assertError(await c.call('POST', '/api/v1/projects', { name: 'taken' }), 409, 'DIMENSION_NAME_ALREADY_EXISTS');
  const theirs = await other.ok('POST', '/api/v1/projects', { name: 'Theirs', subprojects: [{ name: 'S' }] });
  const sub = theirs.subprojects[1].id;
  for (const [method, url, body] of [
    ['GET', `/api/v1/projects/${theirs.id}`],
    ['PUT', `/api/v1/projects/${theirs.id}`, { name: 'Mine' }],
    ['GET', `/api/v1/projects/${theirs.id}/profit`],
    ['POST', `/api/v1/projects/${theirs.id}/subprojects`, { name: 'x' }],
    ['PUT', `/api/v1/projects/${theirs.id}/subprojects/${sub}`, { name: 'x' }],
    ['DELETE', `/api/v1/projects/${theirs.id}/subprojects/${sub}`],
  ] as const) {
    assertError(await c.call(method, url, body), 404, 'PROJECT_NOT_FOUND');
  }
});

test('upsert by externalReference: 201 created, then 200 updated in place; the reference is required', async () => {
  const first = await c.call('PUT', '/api/v1/projects', { name: 'Synced', externalReference: 'erp-1', budgetAmount: 100 });
  assert.equal(first.statusCode, 201, first.body);
  const again = await c.call('PUT', '/api/v1/projects', { name: 'Synced renamed', externalReference: 'erp-1' });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().id, first.json().id);
  assert.deepEqual([again.json().name, again.json().budgetAmount], ['Synced renamed', 100]);
  assertError(await c.call('PUT', '/api/v1/projects', { name: 'No ref' }), 400, 'SHARED_VALIDATION_FAILED', 'externalReference');
  assertError(await c.call('POST', '/api/v1/projects', { name: 'Other', externalReference: 'erp-1' }), 409, 'PROJECT_EXTERNAL_REFERENCE_ALREADY_EXISTS');
  assert.equal((await other.call('PUT', '/api/v1/projects', { name: 'Synced', externalReference: 'erp-1' })).statusCode, 201, 'references are per company');
});

test('subprojects: add, update, delete; the default and used ones stay', async () => {
  const p = await c.ok('POST', '/api/v1/projects', { name: 'Phased' });
  const s = await c.ok('POST', `/api/v1/projects/${p.id}/subprojects`, { name: 'Phase 1', budgetHours: 10 });
  assert.deepEqual([s.name, s.sortOrder, s.isDefault, s.budgetHours], ['Phase 1', 1, false, 10]);
  const u = await c.ok('PUT', `/api/v1/projects/${p.id}/subprojects/${s.id}`, { name: 'Phase One', budgetAmount: 5000 });
  assert.deepEqual([u.name, u.budgetAmount, u.budgetHours], ['Phase One', 5000, 10]);
  assertError(await c.call('DELETE', `/api/v1/projects/${p.id}/subprojects/${p.defaultSubprojectId}`), 400, 'SUBPROJECT_DEFAULT_NOT_DELETABLE');
  assertError(await c.call('PUT', `/api/v1/projects/${p.id}/subprojects/${p.id}`, { name: 'x' }), 404, 'SUBPROJECT_NOT_FOUND');
  assertError(await c.call('PUT', `/api/v1/projects/${p.id}/subprojects/${s.id}`, { sortOrder: -1 }), 400, 'SHARED_VALIDATION_FAILED', 'sortOrder');
  const used = await c.ok('POST', `/api/v1/projects/${p.id}/subprojects`, { name: 'Used' });
  await post(c.orgId, [{ entryType: 'JOURNAL_ENTRY', date: '2026-02-01', lines: [{ accountId: await c.accountId(1100), amount: -100n, dimensionValueIds: [used.id] }, { accountId: await c.accountId(5400), amount: 100n }] }]);
  assertError(await c.call('DELETE', `/api/v1/projects/${p.id}/subprojects/${used.id}`), 409, 'DIMENSION_VALUE_IN_USE');
  assert.equal((await c.call('DELETE', `/api/v1/projects/${p.id}/subprojects/${s.id}`)).statusCode, 204);
  assert.deepEqual((await c.ok('GET', `/api/v1/projects/${p.id}`)).subprojects.map((x: any) => x.name), ['General', 'Used']);
});

test('profit: revenue and costs of lines carrying the project, per subproject, within the dates; VAT and other projects left out', async () => {
  const p = await c.ok('POST', '/api/v1/projects', { name: 'Profitable', subprojects: [{ name: 'Build' }] });
  const q = await c.ok('POST', '/api/v1/projects', { name: 'Elsewhere' });
  const [general, build] = p.subprojects.map((s: any) => s.id);
  const sales = await c.accountId(1100);
  const wages = await c.accountId(1410);
  const bank = await c.accountId(5400);
  const s25 = (await c.ok('GET', '/api/v1/vat-codes')).find((v: any) => v.vatCode === 'S25').id;
  await post(c.orgId, [
    // 10,000.00 sales excl. VAT on Build (25 % VAT on top goes to the VAT account, not the project).
    { entryType: 'JOURNAL_ENTRY', date: '2026-02-01', lines: [{ accountId: sales, amount: -1_000_000n, vatCodeId: s25, dimensionValueIds: [build] }, { accountId: bank, amount: 1_250_000n }] },
    // 4,000.00 wages on General, 1,000.00 wages on Build.
    { entryType: 'JOURNAL_ENTRY', date: '2026-02-15', lines: [{ accountId: wages, amount: 400_000n, dimensionValueIds: [general] }, { accountId: wages, amount: 100_000n, dimensionValueIds: [build] }, { accountId: bank, amount: -500_000n }] },
    // Another project's sale, and a sale in March.
    { entryType: 'JOURNAL_ENTRY', date: '2026-02-20', lines: [{ accountId: sales, amount: -777n, dimensionValueIds: [q.defaultSubprojectId] }, { accountId: bank, amount: 777n }] },
    { entryType: 'JOURNAL_ENTRY', date: '2026-03-10', lines: [{ accountId: sales, amount: -200_000n, dimensionValueIds: [general] }, { accountId: bank, amount: 200_000n }] },
  ]);
  const all = await c.ok('GET', `/api/v1/projects/${p.id}/profit`);
  assert.deepEqual([all.revenue, all.costs, all.profit, all.currency], [1_200_000, 500_000, 700_000, 'DKK']);
  assert.deepEqual(all.subprojects.map((s: any) => [s.name, s.revenue, s.costs, s.profit]), [['General', 200_000, 400_000, -200_000], ['Build', 1_000_000, 100_000, 900_000]]);
  const feb = await c.ok('GET', `/api/v1/projects/${p.id}/profit?fromDate=2026-02-01&toDate=2026-02-28`);
  assert.deepEqual([feb.revenue, feb.costs, feb.profit, feb.fromDate, feb.toDate], [1_000_000, 500_000, 500_000, '2026-02-01', '2026-02-28']);
  const none = await c.ok('GET', `/api/v1/projects/${p.id}/profit?toDate=2026-01-31`);
  assert.deepEqual([none.revenue, none.costs, none.profit], [0, 0, 0]);
  assertError(await c.call('GET', `/api/v1/projects/${p.id}/profit?fromDate=yesterday`), 400, 'SHARED_VALIDATION_FAILED', 'fromDate');
});

test('401 without a key, 403 without the scope, on every project operation', async () => {
  const readOnly = await ledgerbeeCompany(t, { scopes: ['projects-read'] });
  const none = await ledgerbeeCompany(t, { scopes: ['company-read'] });
  const id = '550e8400-e29b-41d4-a716-446655440000';
  for (const url of ['/api/v1/projects', `/api/v1/projects/${id}`, `/api/v1/projects/${id}/profit`]) {
    assertError(await t.request({ method: 'GET', url }), 401, 'UNAUTHORIZED');
    assert.deepEqual(assertError(await none.call('GET', url), 403, 'INSUFFICIENT_PERMISSIONS').details.requiredScopes, ['projects-read']);
  }
  for (const [method, url] of [['PUT', '/api/v1/projects'], ['POST', '/api/v1/projects'], ['PUT', `/api/v1/projects/${id}`], ['POST', `/api/v1/projects/${id}/subprojects`], ['PUT', `/api/v1/projects/${id}/subprojects/${id}`], ['DELETE', `/api/v1/projects/${id}/subprojects/${id}`]] as const) {
    assertError(await t.request({ method, url }), 401, 'UNAUTHORIZED');
    assert.deepEqual(assertError(await readOnly.call(method, url, method === 'DELETE' ? undefined : { name: 'x' }), 403, 'INSUFFICIENT_PERMISSIONS').details.requiredScopes, ['projects-write']);
  }
});
