import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgyUser } from '../../helpers/ledgy.ts';
import { SYSTEM_CATEGORIES, SYSTEM_CATEGORIES_VERSION } from '../../../src/ledgy/catalogue.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  t.clock.set('2026-05-15T12:00:00Z');
});
after(async () => t.close());


/** The clock's now as the API writes timestamps. */
const stamp = () => t.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');


const category = (extra: object = {}) => ({ name: 'Coffee', type: 'expense', order: 1, isPinned: false, ...extra });

test('system categories: the catalogue with its version; the static path wins over /categories/:id', async () => {
  const u = await ledgyUser(t);
  const res = await u.call('GET', '/api/v1/categories/system-categories');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.version, SYSTEM_CATEGORIES_VERSION);
  assert.equal(body.totalCount, SYSTEM_CATEGORIES.length);
  assert.deepEqual(body.items, SYSTEM_CATEGORIES);
  assert.deepEqual(body.items[0], { id: 'cat_food_drinks', name: 'Food & Drinks', type: 'expense', icon: 'utensils', color: '#F97316', order: 0 });
  // /categories/groups is a list too, not a lookup of a category called "groups".
  const groups = await u.call('GET', '/api/v1/categories/groups');
  assert.equal(groups.statusCode, 200, groups.body);
  assert.deepEqual(groups.json(), { items: [], totalCount: 0 });
  // A system category is not a user category.
  assertError(await u.call('GET', '/api/v1/categories/cat_food_drinks'), 404);
  assertError(await t.request({ method: 'GET', url: '/api/v1/categories/system-categories' }), 401);
});

test('user categories: create 201 + Location, get, list, replace, delete 204 then 404', async () => {
  const u = await ledgyUser(t);
  const created = await u.call('POST', '/api/v1/categories', category({ icon: 'mug-hot', color: '#F97316' }));
  assert.equal(created.statusCode, 201, created.body);
  const cat = created.json();
  assert.match(cat.id, /^cat_[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.equal(created.headers.location, `/api/v1/categories/${cat.id}`);
  assert.deepEqual(
    { ...cat, createdAt: 0, updatedAt: 0 },
    { id: cat.id, name: 'Coffee', type: 'expense', order: 1, isPinned: false, categoryGroupId: null, icon: 'mug-hot', color: '#F97316', createdAt: 0, updatedAt: 0 },
  );
  assert.equal(cat.createdAt, stamp());

  const got = await u.call('GET', created.headers.location as string);
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.json(), cat);

  await u.call('POST', '/api/v1/categories', category({ name: 'Salary bonus', type: 'income', order: 0, isPinned: true }));
  const list = await u.call('GET', '/api/v1/categories');
  assert.equal(list.statusCode, 200);
  assert.equal(list.json().totalCount, 2);
  assert.deepEqual(
    list.json().items.map((c: any) => c.name),
    ['Salary bonus', 'Coffee'],
  );

  t.clock.advance(60_000);
  const put = await u.call('PUT', `/api/v1/categories/${cat.id}`, { name: 'Cafés', type: 'expense', order: 3, isPinned: true });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().name, 'Cafés');
  assert.equal(put.json().isPinned, true);
  assert.equal(put.json().icon, null, 'PUT replaces: an omitted optional field is cleared');
  assert.equal(put.json().createdAt, cat.createdAt);
  assert.equal(put.json().updatedAt, stamp());

  const del = await u.call('DELETE', `/api/v1/categories/${cat.id}`);
  assert.equal(del.statusCode, 204);
  assert.equal(del.body, '');
  assertError(await u.call('GET', `/api/v1/categories/${cat.id}`), 404, /^Category not found/);
  assertError(await u.call('PUT', `/api/v1/categories/${cat.id}`, category()), 404);
  assertError(await u.call('DELETE', `/api/v1/categories/${cat.id}`), 404);
  assert.equal((await u.call('GET', '/api/v1/categories')).json().totalCount, 1);
});

test('user categories: validation is 400 with { error }', async () => {
  const u = await ledgyUser(t);
  const bad = async (body: unknown, message?: RegExp) => assertError(await u.call('POST', '/api/v1/categories', body), 400, message);
  await bad({ type: 'expense', order: 0, isPinned: false }, /name is required/);
  await bad(category({ name: '' }));
  await bad(category({ name: 'x'.repeat(101) }));
  await bad(category({ type: 'transfer' }));
  await bad(category({ order: 1.5 }));
  await bad(category({ order: 'first' }));
  await bad({ name: 'A', type: 'expense', order: 0 }, /isPinned is required/);
  await bad(category({ icon: 'x'.repeat(51) }));
  await bad(category({ color: 'x'.repeat(21) }));
  await bad('{"name":');
  assert.equal((await u.call('POST', '/api/v1/categories', category({ name: 'x'.repeat(100) }))).statusCode, 201);
  const ok = (await u.call('POST', '/api/v1/categories', category())).json();
  // PUT takes the same body: every required field again.
  assertError(await u.call('PUT', `/api/v1/categories/${ok.id}`, { name: 'Only a name' }), 400);
});

test("another user's categories and category groups are 404; so are ids that are not ours", async () => {
  const a = await ledgyUser(t);
  const b = await ledgyUser(t);
  const cat = (await a.call('POST', '/api/v1/categories', category())).json();
  const group = (await a.call('POST', '/api/v1/categories/groups', { name: 'Food', order: 0 })).json();
  assertError(await b.call('GET', `/api/v1/categories/${cat.id}`), 404);
  assertError(await b.call('PUT', `/api/v1/categories/${cat.id}`, category()), 404);
  assertError(await b.call('DELETE', `/api/v1/categories/${cat.id}`), 404);
  assertError(await b.call('GET', `/api/v1/categories/groups/${group.id}`), 404);
  assertError(await b.call('PUT', `/api/v1/categories/groups/${group.id}`, { name: 'X', order: 0 }), 404);
  assertError(await b.call('DELETE', `/api/v1/categories/groups/${group.id}`), 404);
  // B cannot file a category under A's group.
  assertError(await b.call('POST', '/api/v1/categories', category({ categoryGroupId: group.id })), 404, /category group not found/i);
  assert.equal((await b.call('GET', '/api/v1/categories')).json().totalCount, 0);
  assert.equal((await b.call('GET', '/api/v1/categories/groups')).json().totalCount, 0);
  assertError(await a.call('GET', '/api/v1/categories/cat_nope'), 404);
  assertError(await a.call('GET', `/api/v1/categories/${group.id}`), 404, /category not found/i);
  assertError(await a.call('GET', `/api/v1/categories/groups/${cat.id}`), 404, /category group not found/i);
  // A's own records are untouched.
  assert.equal((await a.call('GET', `/api/v1/categories/${cat.id}`)).statusCode, 200);
});

test('categoryGroupId must be one of your live groups (404 otherwise)', async () => {
  const u = await ledgyUser(t);
  const group = (await u.call('POST', '/api/v1/categories/groups', { name: 'Food', order: 0 })).json();
  const cat = await u.call('POST', '/api/v1/categories', category({ categoryGroupId: group.id }));
  assert.equal(cat.statusCode, 201, cat.body);
  assert.equal(cat.json().categoryGroupId, group.id);
  assertError(await u.call('POST', '/api/v1/categories', category({ categoryGroupId: 'cgr_01HK8V0000000000000000000Z' })), 404);
  assertError(await u.call('POST', '/api/v1/categories', category({ categoryGroupId: 'not-an-id' })), 404);
  const other = (await u.call('POST', '/api/v1/categories/groups', { name: 'Gone', order: 1 })).json();
  await u.call('DELETE', `/api/v1/categories/groups/${other.id}`);
  assertError(await u.call('PUT', `/api/v1/categories/${cat.json().id}`, category({ categoryGroupId: other.id })), 404);
  // null is "ungrouped".
  const ungrouped = await u.call('PUT', `/api/v1/categories/${cat.json().id}`, category({ categoryGroupId: null }));
  assert.equal(ungrouped.statusCode, 200);
  assert.equal(ungrouped.json().categoryGroupId, null);
});

test('deleting a category clears categoryId on its transactions and nothing else', async () => {
  const u = await ledgyUser(t);
  const account = await u.account();
  const cat = (await u.call('POST', '/api/v1/categories', category())).json();
  const keep = (await u.call('POST', '/api/v1/categories', category({ name: 'Keep' }))).json();
  const tx = (body: object) => u.call('POST', '/api/v1/transactions', { type: 'expense', amount: 4.2, currencyCode: 'EUR', date: '2026-05-12T09:14:00Z', accountId: account.id, payee: 'Pret', note: 'Flat white', ...body });
  const tagged = (await tx({ categoryId: cat.id })).json();
  const other = (await tx({ categoryId: keep.id })).json();
  const system = (await tx({ categoryId: 'cat_food_drinks' })).json();
  assert.equal(tagged.categoryId, cat.id);

  t.clock.advance(5 * 60_000);
  assert.equal((await u.call('DELETE', `/api/v1/categories/${cat.id}`)).statusCode, 204);
  const after = (await u.call('GET', `/api/v1/transactions/${tagged.id}`)).json();
  assert.deepEqual({ ...after, categoryId: 'x', updatedAt: 'x' }, { ...tagged, categoryId: 'x', updatedAt: 'x' });
  assert.equal(after.categoryId, null);
  assert.notEqual(after.updatedAt, tagged.updatedAt, 'updatedAt moves so a sync sees the change');
  assert.deepEqual((await u.call('GET', `/api/v1/transactions/${other.id}`)).json(), other);
  assert.deepEqual((await u.call('GET', `/api/v1/transactions/${system.id}`)).json(), system);
  // The account balance is unchanged: the ledger is not touched.
  assert.equal((await u.call('GET', `/api/v1/accounts/${account.id}`)).json().currentBalance, -12.6);
  assert.equal((await u.call('GET', '/api/v1/transactions')).json().totalCount, 3);
  // The category can no longer be used.
  assertError(await tx({ categoryId: cat.id }), 404);
});

test('category groups: CRUD, validation, and delete ungroups the children', async () => {
  const u = await ledgyUser(t);
  const created = await u.call('POST', '/api/v1/categories/groups', { name: 'Food', order: 2, icon: 'utensils', color: '#F97316' });
  assert.equal(created.statusCode, 201, created.body);
  const group = created.json();
  assert.match(group.id, /^cgr_[0-9A-Z]{26}$/);
  assert.equal(created.headers.location, `/api/v1/categories/groups/${group.id}`);
  assert.deepEqual(
    { ...group, createdAt: 0, updatedAt: 0 },
    { id: group.id, name: 'Food', order: 2, icon: 'utensils', color: '#F97316', createdAt: 0, updatedAt: 0 },
  );
  assert.deepEqual((await u.call('GET', created.headers.location as string)).json(), group);
  assert.equal((await u.call('GET', '/api/v1/categories/groups')).json().totalCount, 1);

  assertError(await u.call('POST', '/api/v1/categories/groups', { order: 0 }), 400, /name is required/);
  assertError(await u.call('POST', '/api/v1/categories/groups', { name: 'x'.repeat(101), order: 0 }), 400);
  assertError(await u.call('POST', '/api/v1/categories/groups', { name: 'A' }), 400, /order is required/);
  assertError(await u.call('PUT', `/api/v1/categories/groups/${group.id}`, { name: 'A' }), 400);

  const put = await u.call('PUT', `/api/v1/categories/groups/${group.id}`, { name: 'Eating', order: 0 });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().name, 'Eating');
  assert.equal(put.json().icon, null);

  const a = (await u.call('POST', '/api/v1/categories', category({ name: 'A', categoryGroupId: group.id }))).json();
  const b = (await u.call('POST', '/api/v1/categories', category({ name: 'B', categoryGroupId: group.id }))).json();
  t.clock.advance(60_000);
  assert.equal((await u.call('DELETE', `/api/v1/categories/groups/${group.id}`)).statusCode, 204);
  assertError(await u.call('GET', `/api/v1/categories/groups/${group.id}`), 404);
  assert.equal((await u.call('GET', '/api/v1/categories/groups')).json().totalCount, 0);
  const children = (await u.call('GET', '/api/v1/categories')).json();
  assert.equal(children.totalCount, 2);
  for (const child of children.items) {
    assert.equal(child.categoryGroupId, null);
    const before = [a, b].find((c) => c.id === child.id);
    assert.deepEqual({ ...child, categoryGroupId: 0, updatedAt: 0 }, { ...before, categoryGroupId: 0, updatedAt: 0 });
  }
});

test('scopes: categories:read for reads, categories:write for writes; write does not imply read; 401 without a token', async () => {
  const u = await ledgyUser(t);
  const cat = (await u.call('POST', '/api/v1/categories', category())).json();
  const group = (await u.call('POST', '/api/v1/categories/groups', { name: 'G', order: 0 })).json();
  const reader = await u.pat(['categories:read']);
  const writer = await u.pat(['categories:write']);
  const neither = await u.pat(['accounts:read', 'accounts:write', 'budgets:read', 'groups:read', 'transactions:read']);

  const reads: [string, string][] = [
    ['GET', '/api/v1/categories/system-categories'],
    ['GET', '/api/v1/categories'],
    ['GET', `/api/v1/categories/${cat.id}`],
    ['GET', '/api/v1/categories/groups'],
    ['GET', `/api/v1/categories/groups/${group.id}`],
  ];
  for (const [method, url] of reads) {
    assert.equal((await reader.call(method as 'GET', url)).statusCode, 200, url);
    assertError(await writer.call(method as 'GET', url), 403, /categories:read/);
    assertError(await neither.call(method as 'GET', url), 403);
    assertError(await t.request({ method: 'GET', url }), 401);
  }

  const writes: [string, string, unknown, number][] = [
    ['POST', '/api/v1/categories', category(), 201],
    ['PUT', `/api/v1/categories/${cat.id}`, category({ name: 'Renamed' }), 200],
    ['POST', '/api/v1/categories/groups', { name: 'G2', order: 1 }, 201],
    ['PUT', `/api/v1/categories/groups/${group.id}`, { name: 'G3', order: 1 }, 200],
    ['DELETE', `/api/v1/categories/${cat.id}`, undefined, 204],
    ['DELETE', `/api/v1/categories/groups/${group.id}`, undefined, 204],
  ];
  for (const [method, url, body, status] of writes) {
    assertError(await reader.call(method as 'POST', url, body), 403, /categories:write/);
    assertError(await neither.call(method as 'POST', url, body), 403);
    assertError(await t.request({ method: method as 'POST', url, payload: body as any }), 401);
    assert.equal((await writer.call(method as 'POST', url, body)).statusCode, status, `${method} ${url}`);
  }
});
