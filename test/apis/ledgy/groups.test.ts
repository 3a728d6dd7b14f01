import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgyUser } from '../../helpers/ledgy.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  t.clock.set('2026-05-15T12:00:00Z');
});
after(async () => t.close());

type User = Awaited<ReturnType<typeof ledgyUser>>;

/** The clock's now as the API writes timestamps. */
const stamp = () => t.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');


async function newGroup(u: User, body: object = {}) {
  const res = await u.call('POST', '/api/v1/groups', { name: 'Household', ...body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

/** Owner invites, member accepts (nobody joins a group otherwise); answers the group. */
async function addMember(owner: User, groupId: string, member: User, email = member.email) {
  const invited = await owner.call('POST', `/api/v1/groups/${groupId}/invitations`, { email });
  assert.equal(invited.statusCode, 202, invited.body);
  const pending = (await member.call('GET', '/api/v1/groups/invitations')).json().items.find((i: any) => i.groupId === groupId);
  const res = await member.call('POST', `/api/v1/groups/invitations/${pending.id}/accept`);
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function expense(u: User, body: object = {}) {
  const res = await u.call('POST', '/api/v1/transactions', { type: 'expense', amount: 12.5, currencyCode: 'EUR', date: '2026-05-12T09:14:00Z', payee: 'Market', ...body });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

const visibleIds = async (u: User) => (await u.call('GET', '/api/v1/transactions')).json().items.map((x: any) => x.id).sort();

test('create 201 + Location: the creator is owner and first member; get, list, replace', async () => {
  const u = await ledgyUser(t);
  const created = await u.call('POST', '/api/v1/groups', { name: 'Trip to Lisbon', description: 'May 2026', icon: 'plane', color: '#06B6D4' });
  assert.equal(created.statusCode, 201, created.body);
  const group = created.json();
  assert.match(group.id, /^grp_[0-9A-Z]{26}$/);
  assert.equal(created.headers.location, `/api/v1/groups/${group.id}`);
  assert.deepEqual(
    { ...group, createdAt: 0, updatedAt: 0 },
    {
      id: group.id,
      name: 'Trip to Lisbon',
      description: 'May 2026',
      icon: 'plane',
      color: '#06B6D4',
      ownerId: u.user.id,
      members: [{ userId: u.user.id, email: u.email, name: 'Test User', role: 'owner', addedAt: stamp() }],
      createdAt: 0,
      updatedAt: 0,
    },
  );
  assert.deepEqual((await u.call('GET', created.headers.location as string)).json(), group);
  const list = (await u.call('GET', '/api/v1/groups')).json();
  assert.deepEqual(list, { items: [group], totalCount: 1 });

  t.clock.advance(60_000);
  const put = await u.call('PUT', `/api/v1/groups/${group.id}`, { name: 'Lisbon' });
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().name, 'Lisbon');
  assert.equal(put.json().description, null, 'PUT replaces: an omitted optional field is cleared');
  assert.equal(put.json().updatedAt, stamp());
  assert.deepEqual(put.json().members, group.members);
});

test('validation is 400 with { error }', async () => {
  const u = await ledgyUser(t);
  const group = await newGroup(u);
  for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 'A', description: 'x'.repeat(501) }, { name: 'A', icon: 'x'.repeat(51) }, { name: 'A', color: 'x'.repeat(21) }, { name: 5 }, '[1']) {
    assertError(await u.call('POST', '/api/v1/groups', body), 400);
    assertError(await u.call('PUT', `/api/v1/groups/${group.id}`, body), 400);
  }
  assert.equal((await u.call('POST', '/api/v1/groups', { name: 'x'.repeat(100), description: 'y'.repeat(500) })).statusCode, 201);
  assertError(await u.call('POST', `/api/v1/groups/${group.id}/invitations`, {}), 400, /email is required/);
  assertError(await u.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: 'not-an-email' }), 400);
});

test("another user's groups are 404; a member who is not the owner gets 403 on changes", async () => {
  const owner = await ledgyUser(t);
  const member = await ledgyUser(t);
  const stranger = await ledgyUser(t);
  const group = await newGroup(owner);
  await addMember(owner, group.id, member);

  for (const [method, url, body] of [
    ['GET', `/api/v1/groups/${group.id}`, undefined],
    ['PUT', `/api/v1/groups/${group.id}`, { name: 'Mine now' }],
    ['DELETE', `/api/v1/groups/${group.id}`, undefined],
    ['POST', `/api/v1/groups/${group.id}/invitations`, { email: stranger.email }],
    ['DELETE', `/api/v1/groups/${group.id}/members/${member.user.id}`, undefined],
  ] as const) {
    assertError(await stranger.call(method, url, body), 404, /Group not found/);
  }
  assert.equal((await stranger.call('GET', '/api/v1/groups')).json().totalCount, 0);

  const seen = await member.call('GET', `/api/v1/groups/${group.id}`);
  assert.equal(seen.statusCode, 200);
  assert.equal((await member.call('GET', '/api/v1/groups')).json().totalCount, 1);
  assertError(await member.call('PUT', `/api/v1/groups/${group.id}`, { name: 'Mine now' }), 403);
  assertError(await member.call('DELETE', `/api/v1/groups/${group.id}`), 403);
  assertError(await member.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: stranger.email }), 403);
  assertError(await member.call('DELETE', `/api/v1/groups/${group.id}/members/${owner.user.id}`), 403);
  // Nothing changed.
  assert.deepEqual((await owner.call('GET', `/api/v1/groups/${group.id}`)).json(), seen.json());
  assertError(await owner.call('GET', '/api/v1/groups/grp_01HK8V0000000000000000000Z'), 404);
  assertError(await owner.call('GET', '/api/v1/groups/acc_nope'), 404);
});

test('members: join by invitation; already a member 409; an unknown email is invited too (202); remove 204; the owner cannot be removed (400)', async () => {
  const owner = await ledgyUser(t);
  const member = await ledgyUser(t);
  const group = await newGroup(owner);
  t.clock.advance(1000);
  const added = await addMember(owner, group.id, member, member.email.toUpperCase());
  assert.deepEqual(
    added.members.map((m: any) => [m.userId, m.email, m.role]),
    [
      [owner.user.id, owner.email, 'owner'],
      [member.user.id, member.email, 'member'],
    ],
  );
  assertError(await owner.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: member.email }), 409);
  assertError(await owner.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: owner.email }), 409);
  assert.equal((await owner.call('POST', `/api/v1/groups/${group.id}/invitations`, { email: 'nobody@ledgy.test' })).statusCode, 202);

  assertError(await owner.call('DELETE', `/api/v1/groups/${group.id}/members/${owner.user.id}`), 400, /owner/);
  assertError(await owner.call('DELETE', `/api/v1/groups/${group.id}/members/usr_01HK8V0000000000000000000Z`), 404);
  assertError(await owner.call('DELETE', `/api/v1/groups/${group.id}/members/garbage`), 404);
  const removed = await owner.call('DELETE', `/api/v1/groups/${group.id}/members/${member.user.id}`);
  assert.equal(removed.statusCode, 204);
  assert.equal(removed.body, '');
  assertError(await owner.call('DELETE', `/api/v1/groups/${group.id}/members/${member.user.id}`), 404);
  assert.deepEqual(
    (await owner.call('GET', `/api/v1/groups/${group.id}`)).json().members.map((m: any) => m.role),
    ['owner'],
  );
  assertError(await member.call('GET', `/api/v1/groups/${group.id}`), 404);
  // They can be added again.
  await addMember(owner, group.id, member);
});

test("a member sees the group's transactions, cannot change the owner's, and loses them on removal", async () => {
  const owner = await ledgyUser(t);
  const member = await ledgyUser(t);
  const group = await newGroup(owner);
  const shared = await expense(owner, { groupId: group.id });
  const personal = await expense(owner);
  // Not a member yet: the group cannot be used, its rows cannot be seen.
  assertError(await member.call('GET', `/api/v1/transactions/${shared.id}`), 404);
  assertError(await member.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', groupId: group.id }), 404);

  await addMember(owner, group.id, member);
  const mine = await expense(member, { groupId: group.id, amount: 3 });
  assert.deepEqual(await visibleIds(member), [shared.id, mine.id].sort());
  assert.deepEqual(await visibleIds(owner), [shared.id, personal.id, mine.id].sort());
  assert.deepEqual((await member.call('GET', `/api/v1/transactions/${shared.id}`)).json(), shared);
  assertError(await member.call('GET', `/api/v1/transactions/${personal.id}`), 404);
  const filtered = (await member.call('GET', `/api/v1/transactions?groupId=${group.id}`)).json();
  assert.equal(filtered.totalCount, 2);
  // Only its creator changes a row.
  assertError(await member.call('PUT', `/api/v1/transactions/${shared.id}`, { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', groupId: group.id }), 403);
  assertError(await member.call('DELETE', `/api/v1/transactions/${shared.id}`), 403);
  assertError(await owner.call('PUT', `/api/v1/transactions/${mine.id}`, { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', groupId: group.id }), 403);
  assert.deepEqual((await owner.call('GET', `/api/v1/transactions/${shared.id}`)).json(), shared);

  t.clock.advance(60_000);
  assert.equal((await owner.call('DELETE', `/api/v1/groups/${group.id}/members/${member.user.id}`)).statusCode, 204);
  assertError(await member.call('GET', `/api/v1/transactions/${shared.id}`), 404);
  assertError(await member.call('PUT', `/api/v1/transactions/${shared.id}`, { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12' }), 404);
  // The removed member keeps their own row, now personal; the owner no longer sees it.
  assert.deepEqual(await visibleIds(member), [mine.id]);
  const back = (await member.call('GET', `/api/v1/transactions/${mine.id}`)).json();
  assert.equal(back.groupId, null);
  assert.equal(back.updatedAt, stamp());
  assert.deepEqual(await visibleIds(owner), [shared.id, personal.id].sort());
  assert.equal((await owner.call('GET', `/api/v1/transactions/${shared.id}`)).json().groupId, group.id);
  assert.equal((await member.call('GET', '/api/v1/groups')).json().totalCount, 0);
});

test('deleting a group: members lose visibility, transactions and budgets revert to personal', async () => {
  const owner = await ledgyUser(t);
  const member = await ledgyUser(t);
  const group = await newGroup(owner);
  await addMember(owner, group.id, member);
  const shared = await expense(owner, { groupId: group.id });
  const theirs = await expense(member, { groupId: group.id, amount: 2 });
  const budget = await owner.call('POST', '/api/v1/budgets', { amount: 100, currencyCode: 'EUR', period: 1, startDate: '2026-05-01', isActive: true, groupId: group.id });
  assert.equal(budget.statusCode, 201, budget.body);
  assert.equal((await member.call('GET', `/api/v1/budgets/${budget.json().id}`)).statusCode, 200);
  assert.deepEqual(await visibleIds(member), [shared.id, theirs.id].sort());

  t.clock.advance(60_000);
  const del = await owner.call('DELETE', `/api/v1/groups/${group.id}`);
  assert.equal(del.statusCode, 204);
  assertError(await owner.call('GET', `/api/v1/groups/${group.id}`), 404);
  assertError(await member.call('GET', `/api/v1/groups/${group.id}`), 404);
  assertError(await owner.call('DELETE', `/api/v1/groups/${group.id}`), 404);
  assert.equal((await owner.call('GET', '/api/v1/groups')).json().totalCount, 0);
  assert.equal((await member.call('GET', '/api/v1/groups')).json().totalCount, 0);

  // The owner's shared row is now personal and otherwise intact.
  const after = (await owner.call('GET', `/api/v1/transactions/${shared.id}`)).json();
  assert.deepEqual({ ...after, groupId: 'x', updatedAt: 'x' }, { ...shared, groupId: 'x', updatedAt: 'x' });
  assert.equal(after.groupId, null);
  assert.equal(after.updatedAt, stamp());
  assert.deepEqual(await visibleIds(owner), [shared.id]);
  assertError(await member.call('GET', `/api/v1/transactions/${shared.id}`), 404);
  assert.deepEqual(await visibleIds(member), [theirs.id]);
  assert.equal((await member.call('GET', `/api/v1/transactions/${theirs.id}`)).json().groupId, null);
  // The group budget is personal now: the member no longer sees it.
  const b = (await owner.call('GET', `/api/v1/budgets/${budget.json().id}`)).json();
  assert.equal(b.groupId, null);
  assertError(await member.call('GET', `/api/v1/budgets/${budget.json().id}`), 404);
  // The deleted group cannot be used again.
  assertError(await owner.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', groupId: group.id }), 404);
});

test('scopes: groups:read for reads, groups:write for writes; write does not imply read; 401 without a token', async () => {
  const u = await ledgyUser(t);
  const other = await ledgyUser(t);
  const group = await newGroup(u);
  const reader = await u.pat(['groups:read']);
  const writer = await u.pat(['groups:write']);
  const neither = await u.pat(['categories:read', 'categories:write', 'budgets:read', 'transactions:read', 'transactions:write']);

  for (const url of ['/api/v1/groups', `/api/v1/groups/${group.id}`]) {
    assert.equal((await reader.call('GET', url)).statusCode, 200, url);
    assertError(await writer.call('GET', url), 403, /groups:read/);
    assertError(await neither.call('GET', url), 403);
    assertError(await t.request({ method: 'GET', url }), 401);
  }
  const writes: ['POST' | 'PUT' | 'DELETE', string, unknown, number][] = [
    ['POST', '/api/v1/groups', { name: 'New' }, 201],
    ['PUT', `/api/v1/groups/${group.id}`, { name: 'Renamed' }, 200],
    ['POST', `/api/v1/groups/${group.id}/invitations`, { email: other.email }, 202],
    ['DELETE', `/api/v1/groups/${group.id}/members/${other.user.id}`, undefined, 404],
    ['DELETE', `/api/v1/groups/${group.id}`, undefined, 204],
  ];
  for (const [method, url, body, status] of writes) {
    assertError(await reader.call(method, url, body), 403, /groups:write/);
    assertError(await neither.call(method, url, body), 403);
    assertError(await t.request({ method, url, payload: body as any }), 401);
    assert.equal((await writer.call(method, url, body)).statusCode, status, `${method} ${url}`);
  }
});
