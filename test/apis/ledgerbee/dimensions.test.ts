import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgerbeeCompany } from '../../helpers/ledgerbee.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('dimensions: create, values as a tree, update, delete; names unique; another company 404', async () => {
  const c = await ledgerbeeCompany(t);
  const dept = await c.ok('POST', '/api/v1/dimensions', { name: 'Department', isUnique: true });
  assert.equal(dept.isUnique, true);
  assertError(await c.call('POST', '/api/v1/dimensions', { name: 'department' }), 409, 'DIMENSION_NAME_ALREADY_EXISTS');
  assertError(await c.call('POST', '/api/v1/dimensions', { name: 'D' }), 400, 'SHARED_VALIDATION_FAILED', 'name');
  assertError(await c.call('POST', '/api/v1/dimensions', { name: 'Region', extra: 1 }), 400, 'SHARED_VALIDATION_FAILED', 'extra');
  const sales = await c.ok('POST', `/api/v1/dimensions/${dept.id}/values`, { name: 'Sales' });
  const nordic = await c.ok('POST', `/api/v1/dimensions/${dept.id}/values`, { name: 'Nordic', parentId: sales.id });
  const got = await c.ok('GET', `/api/v1/dimensions/${dept.id}`);
  assert.equal(got.values.length, 1);
  assert.equal(got.values[0].children[0].id, nordic.id);
  assertError(await c.call('PUT', `/api/v1/dimensions/${dept.id}/values/${sales.id}`, { name: 'Sales', parentId: nordic.id }), 400, 'SHARED_VALIDATION_FAILED', 'parentId');
  const renamed = await c.ok('PUT', `/api/v1/dimensions/${dept.id}`, { name: 'Departments', isUnique: true });
  assert.equal(renamed.name, 'Departments');
  const other = await ledgerbeeCompany(t);
  assertError(await other.call('GET', `/api/v1/dimensions/${dept.id}`), 404, 'DIMENSION_NOT_FOUND');
  assertError(await other.call('DELETE', `/api/v1/dimensions/${dept.id}/values/${sales.id}`), 404, 'DIMENSION_VALUE_NOT_FOUND');
  assert.equal((await c.call('DELETE', `/api/v1/dimensions/${dept.id}/values/${sales.id}`)).statusCode, 204);
  assert.equal((await c.ok('GET', `/api/v1/dimensions/${dept.id}`)).values.length, 0);
  assert.equal((await c.call('DELETE', `/api/v1/dimensions/${dept.id}`)).statusCode, 204);
  assert.deepEqual(await c.ok('GET', '/api/v1/dimensions'), []);
});

test('isUnique: one value of the dimension per entry; values carried per line; a used value cannot be deleted', async () => {
  const c = await ledgerbeeCompany(t);
  const bank = await c.accountId(5400);
  const revenue = await c.accountId(1100);
  const dept = await c.ok('POST', '/api/v1/dimensions', { name: 'Department', isUnique: true });
  const tags = await c.ok('POST', '/api/v1/dimensions', { name: 'Tags', isUnique: false });
  const [a, b] = [await c.ok('POST', `/api/v1/dimensions/${dept.id}/values`, { name: 'A' }), await c.ok('POST', `/api/v1/dimensions/${dept.id}/values`, { name: 'B' })];
  const [x, y] = [await c.ok('POST', `/api/v1/dimensions/${tags.id}/values`, { name: 'x' }), await c.ok('POST', `/api/v1/dimensions/${tags.id}/values`, { name: 'y' })];
  const entry = (l0: string[], l1: string[]) => ({ entryType: 'JOURNAL_ENTRY', date: '2026-02-01', lines: [{ accountId: bank, amount: 10, dimensionValueIds: l0 }, { accountId: revenue, amount: -10, dimensionValueIds: l1 }] });
  assertError(await c.call('POST', '/api/v2/journal-entries', entry([a.id], [b.id])), 400, 'SHARED_VALIDATION_FAILED', 'lines.1.dimensionValueIds.0');
  const posted = await c.ok('POST', '/api/v2/journal-entries', entry([a.id, x.id, y.id], [a.id]));
  assert.deepEqual(posted.lines[0].dimensionValueIds, [a.id, x.id, y.id]);
  assertError(await c.call('POST', '/api/v2/journal-entries', entry(['0190a0a0-0000-7000-8000-000000000009'], [])), 404, 'DIMENSION_VALUE_NOT_FOUND', 'lines.0.dimensionValueIds.0');
  assertError(await c.call('DELETE', `/api/v1/dimensions/${dept.id}/values/${a.id}`), 409, 'DIMENSION_VALUE_IN_USE');
  assertError(await c.call('DELETE', `/api/v1/dimensions/${dept.id}`), 409, 'DIMENSION_IN_USE');
  const reader = await ledgerbeeCompany(t, { scopes: ['dimensions-read'] });
  assertError(await reader.call('POST', '/api/v1/dimensions', { name: 'Nope' }), 403, 'INSUFFICIENT_PERMISSIONS');
});
