import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgyUser } from '../../helpers/ledgy.ts';
import { currentPeriod, type BudgetPeriod } from '../../../src/ledgy/budgets.ts';

const NOW = '2026-05-15T12:00:00Z';

// The clock moves a few weeks in one test: sessions and trials must outlive that.
let t: TestApp;
before(async () => {
  t = await startTestApp({ JWT_ACCESS_TTL_SECONDS: String(31 * 24 * 3600), LEDGY_TRIAL_DAYS: '3650' });
  t.clock.set(NOW);
});
after(async () => t.close());

type User = Awaited<ReturnType<typeof ledgyUser>>;


const monthly = (extra: object = {}) => ({ amount: 500, currencyCode: 'EUR', period: 1, startDate: '2026-01-01', isActive: true, ...extra });

async function budget(u: User, body: unknown) {
  const res = await u.call('POST', '/api/v1/budgets', body);
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

async function tx(u: User, body: object) {
  const res = await u.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-10T10:00:00Z', ...body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

test('current period: weekly, monthly (clamped to month ends), quarterly, yearly, before start, after endDate', () => {
  const at = (period: BudgetPeriod, start: string, now: string, end?: string) => {
    const p = currentPeriod({ period, startDate: new Date(start), endDate: end ? new Date(end) : null }, new Date(now));
    return [p.start.toISOString().slice(0, 10), p.end.toISOString().slice(0, 10)];
  };
  assert.deepEqual(at(0, '2026-05-04', NOW), ['2026-05-11', '2026-05-18']);
  assert.deepEqual(at(0, '2026-05-04T18:30:00Z', '2026-05-18T00:00:00Z'), ['2026-05-18', '2026-05-25'], 'only the date of startDate counts');
  assert.deepEqual(at(1, '2026-01-01', NOW), ['2026-05-01', '2026-06-01']);
  assert.deepEqual(at(1, '2026-01-31', '2026-02-28T23:59:59Z'), ['2026-02-28', '2026-03-31']);
  assert.deepEqual(at(1, '2026-01-31', '2026-02-27T23:59:59Z'), ['2026-01-31', '2026-02-28']);
  assert.deepEqual(at(1, '2024-01-31', '2024-03-01T00:00:00Z'), ['2024-02-29', '2024-03-31']);
  assert.deepEqual(at(2, '2026-01-31', NOW), ['2026-04-30', '2026-07-31']);
  assert.deepEqual(at(3, '2024-02-29', NOW), ['2026-02-28', '2027-02-28']);
  assert.deepEqual(at(3, '2025-03-01', NOW), ['2026-03-01', '2027-03-01']);
  assert.deepEqual(at(1, '2026-06-10', NOW), ['2026-06-10', '2026-07-10'], 'before startDate: the first period');
  assert.deepEqual(at(1, '2026-01-01', NOW, '2026-03-15'), ['2026-03-01', '2026-03-16'], 'after endDate: the last period, cut after the end day');
  assert.deepEqual(at(1, '2026-01-01', NOW, '2026-05-20'), ['2026-05-01', '2026-05-21']);
  assert.deepEqual(at(1, '2026-01-01', NOW, '2026-12-31'), ['2026-05-01', '2026-06-01']);
  assert.deepEqual(at(1, '2020-01-01', '2026-05-31T23:59:59Z'), ['2026-05-01', '2026-06-01']);
});

test('create 201 + Location, get, list, replace, delete 204 then 404', async () => {
  t.clock.set(NOW);
  const u = await ledgyUser(t);
  const created = await u.call('POST', '/api/v1/budgets', monthly({ name: 'Groceries', amount: 12.5, categoryId: 'cat_groceries', endDate: '2026-12-31' }));
  assert.equal(created.statusCode, 201, created.body);
  const b = created.json();
  assert.match(b.id, /^bud_[0-9A-Z]{26}$/);
  assert.equal(created.headers.location, `/api/v1/budgets/${b.id}`);
  assert.deepEqual(b, {
    id: b.id,
    name: 'Groceries',
    amount: 12.5,
    currencyCode: 'EUR',
    period: 1,
    startDate: '2026-01-01T00:00:00Z',
    endDate: '2026-12-31T00:00:00Z',
    isActive: true,
    categoryId: 'cat_groceries',
    groupId: null,
    spent: 0,
    remaining: 12.5,
    periodStart: '2026-05-01T00:00:00Z',
    periodEnd: '2026-06-01T00:00:00Z',
    createdAt: NOW,
    updatedAt: NOW,
  });
  assert.deepEqual((await u.call('GET', created.headers.location as string)).json(), b);
  assert.deepEqual((await u.call('GET', '/api/v1/budgets')).json(), { items: [b], totalCount: 1 });

  t.clock.advance(60_000);
  const put = await u.call('PUT', `/api/v1/budgets/${b.id}`, { amount: 80, currencyCode: 'USD', period: 0, startDate: '2026-05-04', isActive: false });
  assert.equal(put.statusCode, 200, put.body);
  const p = put.json();
  assert.deepEqual(
    [p.amount, p.currencyCode, p.period, p.isActive, p.name, p.categoryId, p.endDate, p.periodStart, p.periodEnd, p.createdAt, p.updatedAt],
    [80, 'USD', 0, false, null, null, null, '2026-05-11T00:00:00Z', '2026-05-18T00:00:00Z', NOW, '2026-05-15T12:01:00Z'],
  );

  assert.equal((await u.call('DELETE', `/api/v1/budgets/${b.id}`)).statusCode, 204);
  assertError(await u.call('GET', `/api/v1/budgets/${b.id}`), 404, /^Budget not found/);
  assertError(await u.call('PUT', `/api/v1/budgets/${b.id}`, monthly()), 404);
  assertError(await u.call('DELETE', `/api/v1/budgets/${b.id}`), 404);
  assert.deepEqual((await u.call('GET', '/api/v1/budgets')).json(), { items: [], totalCount: 0 });
});

test('exact money: 12.5 stays 12.5, every digit of 99999999999.9999 is kept; a fifth decimal is 400', async () => {
  const u = await ledgyUser(t);
  for (const amount of ['12.5', '0.0001', '12.3456', '99999999999.9999', '1e2']) {
    const created = await u.call('POST', '/api/v1/budgets', `{"amount":${amount},"currencyCode":"EUR","period":1,"startDate":"2026-01-01","isActive":true}`);
    assert.equal(created.statusCode, 201, created.body);
    const text = amount === '1e2' ? '100' : amount;
    assert.match(created.body, new RegExp(`"amount":${text.replace('.', '\\.')},`));
    assert.match(created.body, new RegExp(`"remaining":${text.replace('.', '\\.')},`));
    const got = await u.call('GET', `/api/v1/budgets/${created.json().id}`);
    assert.match(got.body, new RegExp(`"amount":${text.replace('.', '\\.')},`));
  }
  const b = (await u.call('GET', '/api/v1/budgets')).json().items[0];
  assertError(await u.call('POST', '/api/v1/budgets', '{"amount":12.34567,"currencyCode":"EUR","period":1,"startDate":"2026-01-01","isActive":true}'), 400, /amount has more than 4 decimal places/);
  assertError(await u.call('PUT', `/api/v1/budgets/${b.id}`, '{"amount":0.00001,"currencyCode":"EUR","period":1,"startDate":"2026-01-01","isActive":true}'), 400, /more than 4 decimal places/);
  // Spending in odd decimals is summed exactly.
  await tx(u, { amount: 0.1, date: '2026-05-02' });
  await tx(u, { amount: 0.2, date: '2026-05-03' });
  const small = await u.call('POST', '/api/v1/budgets', '{"amount":0.3001,"currencyCode":"EUR","period":1,"startDate":"2026-01-01","isActive":true}');
  assert.match(small.body, /"spent":0\.3,"remaining":0\.0001,/);
});

test('validation is 400 with { error }', async () => {
  const u = await ledgyUser(t);
  const bad = async (body: unknown, message?: RegExp) => assertError(await u.call('POST', '/api/v1/budgets', body), 400, message);
  await bad(monthly({ amount: 0 }), /amount must be greater than 0/);
  await bad(monthly({ amount: -5 }), /amount must be greater than 0/);
  await bad(monthly({ amount: '12.5' }));
  await bad(monthly({ currencyCode: 'eur' }));
  await bad(monthly({ currencyCode: 'XYZ' }), /currencyCode/);
  await bad(monthly({ period: 4 }));
  await bad(monthly({ period: -1 }));
  await bad(monthly({ period: 1.5 }));
  await bad(monthly({ period: 'Monthly' }));
  await bad(monthly({ startDate: 'yesterday' }));
  await bad(monthly({ endDate: '2025-12-31' }), /endDate must not be before startDate/);
  await bad(monthly({ isActive: 'yes' }));
  await bad(monthly({ name: 'x'.repeat(201) }));
  for (const field of ['amount', 'currencyCode', 'period', 'startDate', 'isActive']) {
    const body: Record<string, unknown> = monthly();
    delete body[field];
    await bad(body, new RegExp(`${field} is required`));
  }
  await bad('{"amount":');
  assert.equal((await u.call('POST', '/api/v1/budgets', monthly({ name: 'x'.repeat(200), endDate: '2026-01-01' }))).statusCode, 201);
  const b = (await u.call('GET', '/api/v1/budgets')).json().items[0];
  assertError(await u.call('PUT', `/api/v1/budgets/${b.id}`, { amount: 5 }), 400);
});

test('categoryId is a system category or one of yours; groupId a group you belong to (else 404)', async () => {
  const u = await ledgyUser(t);
  const other = await ledgyUser(t);
  const mine = (await u.call('POST', '/api/v1/categories', { name: 'Coffee', type: 'expense', order: 0, isPinned: false })).json();
  const theirs = (await other.call('POST', '/api/v1/categories', { name: 'Coffee', type: 'expense', order: 0, isPinned: false })).json();
  const theirGroup = (await other.call('POST', '/api/v1/groups', { name: 'Theirs' })).json();
  const myGroup = (await u.call('POST', '/api/v1/groups', { name: 'Mine' })).json();
  assert.equal((await budget(u, monthly({ categoryId: 'cat_food_drinks' }))).categoryId, 'cat_food_drinks');
  const withMine = await budget(u, monthly({ categoryId: mine.id, groupId: myGroup.id }));
  assert.equal(withMine.categoryId, mine.id);
  assert.equal(withMine.groupId, myGroup.id);
  assertError(await u.call('POST', '/api/v1/budgets', monthly({ categoryId: theirs.id })), 404, /Category not found/);
  assertError(await u.call('POST', '/api/v1/budgets', monthly({ categoryId: 'cat_not_a_thing' })), 404);
  assertError(await u.call('POST', '/api/v1/budgets', monthly({ groupId: theirGroup.id })), 404, /Group not found/);
  assertError(await u.call('POST', '/api/v1/budgets', monthly({ groupId: 'grp_nope' })), 404);
  assertError(await u.call('PUT', `/api/v1/budgets/${withMine.id}`, monthly({ groupId: theirGroup.id })), 404);
  // A deleted category cannot be budgeted against any more.
  await u.call('DELETE', `/api/v1/categories/${mine.id}`);
  assertError(await u.call('POST', '/api/v1/budgets', monthly({ categoryId: mine.id })), 404);
});

test("spent and remaining: this period's live expenses in the budget's currency, by category; remaining may go negative", async () => {
  const u = await ledgyUser(t);
  const other = await ledgyUser(t);
  const coffee = (await u.call('POST', '/api/v1/categories', { name: 'Coffee', type: 'expense', order: 0, isPinned: false })).json();
  await tx(u, { amount: 30.25, date: '2026-05-01T00:00:00Z', categoryId: coffee.id }); // first instant of the period
  await tx(u, { amount: 10, date: '2026-05-31T23:59:59Z', categoryId: 'cat_groceries' }); // last second
  await tx(u, { amount: 99, date: '2026-04-30T23:59:59Z', categoryId: coffee.id }); // last period
  await tx(u, { amount: 99, date: '2026-06-01T00:00:00Z' }); // next period
  await tx(u, { amount: 99, currencyCode: 'USD', date: '2026-05-10' }); // another currency
  await tx(u, { type: 'income', amount: 99, date: '2026-05-10' }); // income
  const gone = await tx(u, { amount: 99, date: '2026-05-10' });
  await u.call('DELETE', `/api/v1/transactions/${gone.id}`); // deleted
  await tx(other, { amount: 99, date: '2026-05-10' }); // someone else's
  const a = await u.account({ name: 'Cash', initialBalance: 100 });
  const b = await u.account({ name: 'Bank', initialBalance: 0 });
  const transfer = await u.call('POST', '/api/v1/transactions/transfer', { fromAccountId: a.id, toAccountId: b.id, amount: 99, currencyCode: 'EUR', date: '2026-05-10' });
  assert.equal(transfer.statusCode, 201, transfer.body); // transfers never count

  const all = await budget(u, monthly({ amount: 100 }));
  assert.deepEqual([all.spent, all.remaining], [40.25, 59.75]);
  const byCategory = await budget(u, monthly({ amount: 20, categoryId: coffee.id }));
  assert.deepEqual([byCategory.spent, byCategory.remaining], [30.25, -10.25]);
  const bySystem = await budget(u, monthly({ amount: 20, categoryId: 'cat_groceries' }));
  assert.deepEqual([bySystem.spent, bySystem.remaining], [10, 10]);
  const usd = await budget(u, monthly({ amount: 50, currencyCode: 'USD' }));
  assert.deepEqual([usd.spent, usd.remaining], [99, -49]);
  const weekly = await budget(u, monthly({ amount: 50, period: 0, startDate: '2026-05-01' }));
  assert.deepEqual([weekly.periodStart, weekly.periodEnd, weekly.spent], ['2026-05-15T00:00:00Z', '2026-05-22T00:00:00Z', 0]);
  const yearly = await budget(u, monthly({ amount: 1000, period: 3 }));
  assert.deepEqual([yearly.periodStart, yearly.periodEnd, yearly.spent], ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z', 40.25 + 99 + 99]);

  // The figures follow the clock into the next period, and new spending.
  t.clock.set('2026-06-03T08:00:00Z');
  const june = (await u.call('GET', `/api/v1/budgets/${all.id}`)).json();
  assert.deepEqual([june.periodStart, june.spent, june.remaining], ['2026-06-01T00:00:00Z', 99, 1]);
  await tx(u, { amount: 2, date: '2026-06-02' });
  const list = (await u.call('GET', '/api/v1/budgets')).json();
  assert.deepEqual(
    [list.items[0].id, list.items[0].spent, list.items[0].remaining],
    [all.id, 101, -1],
  );
  // Deleting the category leaves the budget as it was; its spending no longer carries the category.
  t.clock.set(NOW);
  await u.call('DELETE', `/api/v1/categories/${coffee.id}`);
  const orphan = (await u.call('GET', `/api/v1/budgets/${byCategory.id}`)).json();
  assert.deepEqual([orphan.categoryId, orphan.spent], [coffee.id, 0]);
});

test('a group budget counts every member\'s group spending; members see it, only its creator changes it', async () => {
  const owner = await ledgyUser(t);
  const member = await ledgyUser(t);
  const stranger = await ledgyUser(t);
  const group = (await owner.call('POST', '/api/v1/groups', { name: 'Flat' })).json();
  assert.equal((await owner.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: member.email })).statusCode, 202);
  const [invitation] = (await member.call('GET', '/api/v1/groups/invitations')).json().items;
  assert.equal((await member.call('POST', `/api/v1/groups/invitations/${invitation.id}/accept`)).statusCode, 200);
  await tx(owner, { amount: 40, groupId: group.id });
  await tx(member, { amount: 15.5, groupId: group.id });
  await tx(owner, { amount: 1000 }); // personal: not the group's
  await tx(member, { amount: 1000 });

  const shared = await budget(owner, monthly({ amount: 100, groupId: group.id }));
  assert.deepEqual([shared.spent, shared.remaining, shared.groupId], [55.5, 44.5, group.id]);
  const personal = await budget(owner, monthly({ amount: 100 }));
  assert.deepEqual([personal.spent, personal.remaining], [1040, -940], "a personal budget counts all the owner's own spending, shared or not");

  assert.deepEqual((await member.call('GET', `/api/v1/budgets/${shared.id}`)).json(), shared);
  assert.deepEqual(
    (await member.call('GET', '/api/v1/budgets')).json().items.map((b: any) => b.id),
    [shared.id],
  );
  assertError(await member.call('GET', `/api/v1/budgets/${personal.id}`), 404);
  assertError(await member.call('PUT', `/api/v1/budgets/${shared.id}`, monthly({ groupId: group.id })), 403);
  assertError(await member.call('DELETE', `/api/v1/budgets/${shared.id}`), 403);
  for (const [method, body] of [['GET'], ['PUT', monthly()], ['DELETE']] as const) {
    assertError(await stranger.call(method, `/api/v1/budgets/${shared.id}`, body), 404);
  }
  assert.deepEqual((await stranger.call('GET', '/api/v1/budgets')).json(), { items: [], totalCount: 0 });

  // A member's own group budget becomes personal when they leave.
  const theirs = await budget(member, monthly({ amount: 10, groupId: group.id }));
  assert.equal((await owner.call('GET', `/api/v1/budgets/${theirs.id}`)).statusCode, 200);
  assert.equal((await owner.call('DELETE', `/api/v1/groups/${group.id}/members/${member.user.id}`)).statusCode, 204);
  assertError(await member.call('GET', `/api/v1/budgets/${shared.id}`), 404);
  assertError(await owner.call('GET', `/api/v1/budgets/${theirs.id}`), 404);
  const left = (await member.call('GET', `/api/v1/budgets/${theirs.id}`)).json();
  assert.deepEqual([left.groupId, left.spent], [null, 1015.5]);
  // After removal the member's old group spending no longer counts for the group.
  assert.deepEqual((await owner.call('GET', `/api/v1/budgets/${shared.id}`)).json().spent, 40);
});

test("another user's budget ids are 404", async () => {
  const a = await ledgyUser(t);
  const b = await ledgyUser(t);
  const mine = await budget(a, monthly());
  assertError(await b.call('GET', `/api/v1/budgets/${mine.id}`), 404);
  assertError(await b.call('PUT', `/api/v1/budgets/${mine.id}`, monthly({ amount: 1 })), 404);
  assertError(await b.call('DELETE', `/api/v1/budgets/${mine.id}`), 404);
  assertError(await a.call('GET', '/api/v1/budgets/bud_nope'), 404);
  assertError(await a.call('GET', '/api/v1/budgets/bud_01HK8V0000000000000000000Z'), 404);
  assert.equal((await a.call('GET', `/api/v1/budgets/${mine.id}`)).json().amount, 500);
});

test('scopes: budgets:read for reads, budgets:write for writes; write does not imply read; 401 without a token', async () => {
  const u = await ledgyUser(t);
  const b = await budget(u, monthly());
  const reader = await u.pat(['budgets:read']);
  const writer = await u.pat(['budgets:write']);
  const neither = await u.pat(['accounts:read', 'categories:read', 'groups:read', 'groups:write', 'transactions:read']);
  for (const url of ['/api/v1/budgets', `/api/v1/budgets/${b.id}`]) {
    assert.equal((await reader.call('GET', url)).statusCode, 200, url);
    assertError(await writer.call('GET', url), 403, /budgets:read/);
    assertError(await neither.call('GET', url), 403);
    assertError(await t.request({ method: 'GET', url }), 401);
  }
  const writes: ['POST' | 'PUT' | 'DELETE', string, unknown, number][] = [
    ['POST', '/api/v1/budgets', monthly(), 201],
    ['PUT', `/api/v1/budgets/${b.id}`, monthly({ amount: 7 }), 200],
    ['DELETE', `/api/v1/budgets/${b.id}`, undefined, 204],
  ];
  for (const [method, url, body, status] of writes) {
    assertError(await reader.call(method, url, body), 403, /budgets:write/);
    assertError(await neither.call(method, url, body), 403);
    assertError(await t.request({ method, url, payload: body as any }), 401);
    assert.equal((await writer.call(method, url, body)).statusCode, status, `${method} ${url}`);
  }
});
