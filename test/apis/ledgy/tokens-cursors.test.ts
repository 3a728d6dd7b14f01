import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgyUser } from '../../helpers/ledgy.ts';

// Issue 12 (testing from outside), items 13 and 15: the token list shows active tokens only,
// and transaction cursors are tamper-evident and bound to the walk they came from.

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('tokens: an expired token is neither listed among the active ones nor counted against the limit', async () => {
  const u = await ledgyUser(t);
  const soon = new Date(t.clock.now().getTime() + 60_000).toISOString();
  const expiring = [];
  for (let i = 0; i < 25; i++) expiring.push(await u.pat(['accounts:read'], { expiresAt: soon }));
  assertError(await u.call('POST', '/api/auth/tokens', { name: 'one too many', scopes: [] }), 409);
  assert.equal((await u.call('GET', '/api/auth/tokens')).json().totalCount, 25);
  t.clock.advance(120_000);
  const listed = (await u.call('GET', '/api/auth/tokens')).json();
  assert.equal(listed.totalCount, 0, JSON.stringify(listed));
  assert.deepEqual(listed.items, []);
  assert.equal((await expiring[0].call('GET', '/api/v1/accounts')).statusCode, 401);
  // An expired token is no longer one of the active ones to revoke.
  assertError(await u.call('DELETE', `/api/auth/tokens/${expiring[0].id}`), 404);
  const fresh = await u.pat(['accounts:read']);
  assert.equal((await fresh.call('GET', '/api/v1/accounts')).statusCode, 200);
  assert.deepEqual((await u.call('GET', '/api/auth/tokens')).json().items.map((k: any) => k.id), [fresh.id]);
});

async function walker() {
  const u = await ledgyUser(t);
  for (let i = 0; i < 4; i++) {
    for (const type of ['expense', 'income']) {
      const r = await u.call('POST', '/api/v1/transactions', { type, amount: i + 1, currencyCode: 'EUR', date: `2026-05-0${i + 1}` });
      assert.equal(r.statusCode, 201, r.body);
    }
  }
  return u;
}

test('cursors: an edited cursor is refused with 400 naming cursor, never trusted', async () => {
  const u = await walker();
  const first = (await u.call('GET', '/api/v1/transactions?limit=2')).json();
  assert.equal(first.totalCount, 8);
  const cursor: string = first.nextCursor;
  const next = await u.call('GET', `/api/v1/transactions?limit=2&cursor=${cursor}`);
  assert.equal(next.statusCode, 200, next.body);
  assert.equal(next.json().totalCount, 8);
  // Every edit of any part of the cursor is refused: its payload's total, or a single character.
  const [payload, ...rest] = cursor.split('.');
  const decoded = Buffer.from(payload, 'base64url').toString('utf8');
  const edited = Buffer.from(decoded.replace(/8(?=[^8]*$)/, '-5')).toString('base64url');
  assert.notEqual(edited, payload, decoded);
  const forged = [[edited, ...rest].join('.'), cursor.slice(0, -1) + (cursor.endsWith('A') ? 'B' : 'A'), Buffer.from(JSON.stringify([Date.now(), Date.now(), '00000000-0000-0000-0000-000000000000', -5])).toString('base64url')];
  for (const bad of forged) {
    const r = await u.call('GET', `/api/v1/transactions?limit=2&cursor=${bad}`);
    assertError(r, 400, /cursor/);
  }
});

test('cursors: a cursor from one filter, or one user, is refused with another', async () => {
  const u = await walker();
  const expenses = (await u.call('GET', '/api/v1/transactions?limit=2&type=expense')).json();
  assert.equal(expenses.totalCount, 4);
  const cursor = expenses.nextCursor;
  assert.equal((await u.call('GET', `/api/v1/transactions?limit=3&type=expense&cursor=${cursor}`)).statusCode, 200, 'the page size may change');
  for (const other of ['type=income', '', 'type=expense&dateFrom=2026-05-02', 'type=expense&accountId=acc_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A', 'type=expense&updatedSince=2026-01-01']) {
    assertError(await u.call('GET', `/api/v1/transactions?limit=2&${other}&cursor=${cursor}`), 400, /cursor/);
  }
  const stranger = await walker();
  assertError(await stranger.call('GET', `/api/v1/transactions?limit=2&type=expense&cursor=${cursor}`), 400, /cursor/);
});
