import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';
import { setSubscription } from '../../../src/ledgy/users.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ LEDGY_TRIAL_DAYS: '14' });
});
after(async () => t.close());

test('register answers 201 {user, accessToken}; login 200; duplicate email 409; bad login 401', async () => {
  const res = await t.request({ method: 'POST', url: '/api/auth/register', payload: { email: 'ann@ledgy.test', password: 'correct horse', name: 'Ann', primaryCurrency: 'EUR' } });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  assert.equal(body.user.email, 'ann@ledgy.test');
  assert.equal(body.user.primaryCurrency, 'EUR');
  assert.equal(body.user.subscription.status, 'trialing');
  assert.match(body.user.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(typeof body.accessToken, 'string');
  const dup = await t.request({ method: 'POST', url: '/api/auth/register', payload: { email: 'ANN@ledgy.test', password: 'correct horse', name: 'Ann' } });
  assert.equal(dup.statusCode, 409);
  assert.equal(typeof dup.json().error, 'string');
  const login = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'ann@ledgy.test', password: 'correct horse' } });
  assert.equal(login.statusCode, 200);
  assert.equal(login.json().user.id, body.user.id);
  const wrong = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'ann@ledgy.test', password: 'wrong horse' } });
  const unknown = await t.request({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@ledgy.test', password: 'wrong horse' } });
  assert.equal(wrong.statusCode, 401);
  assert.deepEqual(wrong.json(), unknown.json());
  const bad = await t.request({ method: 'POST', url: '/api/auth/register', payload: { email: 'x@ledgy.test', password: 'short', name: 'X' } });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(Object.keys(bad.json()), ['error']);
});

test('tokens: lgpat_ + 64 hex, shown once, stored as SHA-256, listed without the secret', async () => {
  const u = await ledgyUser(t);
  const minted = await u.call('POST', '/api/auth/tokens', { name: 'Zapier — weekly export', scopes: ['accounts:read'], expiresAt: new Date(Date.now() + 10 * 86_400_000).toISOString() });
  assert.equal(minted.statusCode, 201, minted.body);
  const { token, id } = minted.json();
  assert.match(token, /^lgpat_[0-9a-f]{64}$/);
  const list = (await u.call('GET', '/api/auth/tokens')).json();
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].id, id);
  assert.equal(list.items[0].token, undefined);
  assert.equal(list.items[0].permissionCount, 1);
  assert.equal(list.items[0].expiresSoon, true);
  assert.ok(!JSON.stringify(await t.db.query('SELECT name, start, scopes FROM api_keys')).includes(token.slice(10)));
  // A token cannot manage tokens.
  assert.equal((await t.request({ method: 'GET', url: '/api/auth/tokens', headers: { authorization: `Bearer ${token}` } })).statusCode, 401);
});

test('at most 25 active tokens: the 26th is 409; a revoke frees a place and takes effect at once', async () => {
  const u = await ledgyUser(t);
  const tokens = [];
  for (let i = 0; i < 25; i++) tokens.push(await u.pat(['accounts:read']));
  const refused = await u.call('POST', '/api/auth/tokens', { name: 'one too many', scopes: [] });
  assert.equal(refused.statusCode, 409);
  assert.equal((await tokens[0].call('GET', '/api/v1/accounts')).statusCode, 200);
  assert.equal((await u.call('DELETE', `/api/auth/tokens/${tokens[0].id}`)).statusCode, 204);
  assert.equal((await tokens[0].call('GET', '/api/v1/accounts')).statusCode, 401);
  assert.equal((await u.call('POST', '/api/auth/tokens', { name: 'fits again', scopes: [] })).statusCode, 201);
  assert.equal((await u.call('DELETE', `/api/auth/tokens/${tokens[0].id}`)).statusCode, 404);
});

test('401 for missing, malformed, expired and revoked tokens', async () => {
  const u = await ledgyUser(t);
  for (const header of [undefined, 'Bearer lgpat_nothex', 'Bearer lgpat_' + '0'.repeat(64), 'Bearer not-a-jwt']) {
    const res = await t.request({ method: 'GET', url: '/api/v1/accounts', headers: header ? { authorization: header } : {} });
    assert.equal(res.statusCode, 401, header);
    // /api/v1/accounts is shared with LedgerBee (decision 0025): with no credential at all the
    // 401 is LedgerBee's body plus Ledgy's `error`; any bearer token gets Ledgy's own body.
    if (header) assert.deepEqual(Object.keys(res.json()), ['error']);
    else assert.equal(typeof res.json().error, 'string');
  }
  const soon = await u.pat(['accounts:read'], { expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() });
  assert.equal((await soon.call('GET', '/api/v1/accounts')).statusCode, 200);
  t.clock.advance(61_000);
  assert.equal((await soon.call('GET', '/api/v1/accounts')).statusCode, 401);
});

test('order of checks: token 401, then subscription 403 with the header, then scope 403', async () => {
  const u = await ledgyUser(t);
  const noScope = await u.pat([]);
  assert.equal((await noScope.call('GET', '/api/v1/accounts')).statusCode, 403);
  // Icons need a valid token and no scope.
  assert.equal((await noScope.call('GET', '/api/v1/icons')).statusCode, 200);
  await setSubscription(t.db, u.email, 'inactive');
  for (const caller of [noScope.call, u.call]) {
    for (const url of ['/api/v1/accounts', '/api/v1/transactions', '/api/v1/icons']) {
      const res = await caller('GET', url);
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.headers['x-subscription-required'], 'true');
      assert.deepEqual(res.json(), { error: 'Active cloud subscription required' });
    }
  }
  // Token checks still come first, and token management is not gated.
  assert.equal((await t.request({ method: 'GET', url: '/api/v1/accounts' })).statusCode, 401);
  assert.equal((await u.call('GET', '/api/auth/tokens')).statusCode, 200);
  await setSubscription(t.db, u.email, 'active');
  assert.equal((await u.call('GET', '/api/v1/accounts')).statusCode, 200);
});

test('a trial is active for its length, then the gate closes', async () => {
  const u = await ledgyUser(t);
  const pat = await u.pat(['accounts:read']);
  assert.equal((await pat.call('GET', '/api/v1/accounts')).statusCode, 200);
  t.clock.advance(13 * 86_400_000);
  assert.equal((await pat.call('GET', '/api/v1/accounts')).statusCode, 200);
  t.clock.advance(2 * 86_400_000);
  const res = await pat.call('GET', '/api/v1/accounts');
  assert.equal(res.statusCode, 403);
  assert.equal(res.headers['x-subscription-required'], 'true');
});

test('scope matrix: each endpoint needs its scope; write does not imply read', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account();
  const spare = await u.account({ name: 'Spare' });
  // One token per scope (a user holds at most 25).
  const tokens = new Map<string, Awaited<ReturnType<typeof u.pat>>>();
  const withOnly = async (scope: string) => {
    if (!tokens.has(scope)) tokens.set(scope, await u.pat([scope]));
    return tokens.get(scope)!;
  };
  const tx = (await u.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', accountId: acc.id })).json();
  const cases: [string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?][] = [
    ['accounts:read', 'GET', '/api/v1/accounts'],
    ['accounts:read', 'GET', `/api/v1/accounts/${acc.id}`],
    ['accounts:write', 'POST', '/api/v1/accounts', { name: 'B', currencyCode: 'EUR', initialBalance: 0, order: 1 }],
    ['accounts:write', 'PUT', `/api/v1/accounts/${acc.id}`, { name: 'A', currencyCode: 'EUR', initialBalance: 0, order: 0 }],
    ['transactions:read', 'GET', '/api/v1/transactions'],
    ['transactions:read', 'GET', `/api/v1/transactions/${tx.id}`],
    ['transactions:write', 'POST', '/api/v1/transactions', { type: 'income', amount: 1, currencyCode: 'EUR', date: '2026-05-12' }],
    ['transactions:write', 'PUT', `/api/v1/transactions/${tx.id}`, { type: 'expense', amount: 2, currencyCode: 'EUR', date: '2026-05-12', accountId: acc.id }],
    ['transactions:write', 'POST', '/api/v1/transactions/bulk', [{ type: 'income', amount: 1, currencyCode: 'EUR', date: '2026-05-12' }]],
    ['transactions:write', 'POST', '/api/v1/transactions/bulk-delete', { ids: ['tx_x'] }],
    ['transactions:write', 'PUT', '/api/v1/transactions/bulk', [{ id: tx.id, type: 'expense', amount: 3, currencyCode: 'EUR', date: '2026-05-12' }]],
    ['transactions:write', 'POST', '/api/v1/transactions/transfer', { fromAccountId: acc.id, toAccountId: spare.id, amount: 1, currencyCode: 'EUR', date: '2026-05-12' }],
  ];
  for (const [scope, method, url, body] of cases) {
    const other = scope.endsWith(':read') ? scope.replace(':read', ':write') : scope.replace(':write', ':read');
    const without = await (await withOnly(other)).call(method, url, body);
    assert.equal(without.statusCode, 403, `${method} ${url} without ${scope}`);
    const withScope = await (await withOnly(scope)).call(method, url, body);
    assert.ok(withScope.statusCode < 300, `${method} ${url} with ${scope}: ${withScope.statusCode} ${withScope.body}`);
  }
  // Deletes last, each with and without its scope.
  const doomed = (await u.call('POST', '/api/v1/transactions', { type: 'income', amount: 1, currencyCode: 'EUR', date: '2026-05-12' })).json();
  assert.equal((await (await withOnly('transactions:read')).call('DELETE', `/api/v1/transactions/${doomed.id}`)).statusCode, 403);
  assert.equal((await (await withOnly('transactions:write')).call('DELETE', `/api/v1/transactions/${doomed.id}`)).statusCode, 204);
  assert.equal((await (await withOnly('accounts:read')).call('DELETE', `/api/v1/accounts/${spare.id}`)).statusCode, 403);
  assert.equal((await (await withOnly('accounts:write')).call('DELETE', `/api/v1/accounts/${spare.id}`)).statusCode, 204);
});
