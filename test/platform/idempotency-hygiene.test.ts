/**
 * Idempotency keys keep no secrets and tell requests apart by everything that makes them
 * differ: answers that carry a session or a new token are never stored (a replay is refused,
 * the effect happens once), the fingerprint is keyed with a server secret (a stored log-in
 * fingerprint says nothing about the password), and the query string counts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ledgyUser, assertError } from '../helpers/ledgy.ts';
import { canonicalJson } from '../../src/platform/idempotency.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const rowsFor = (key: string) =>
  t.db.query<{ fingerprint: string; status_code: number | null; response_body: string | null; response_headers: unknown; withheld: boolean }>(
    'SELECT fingerprint, status_code, response_body, response_headers, withheld FROM idempotency_keys WHERE key = $1',
    [key],
  );

test('a token minted with an Idempotency-Key: the token is stored nowhere, a replay is refused, one token exists', async () => {
  const ana = await ledgyUser(t);
  const mint = () =>
    t.request({
      method: 'POST',
      url: '/api/auth/tokens',
      headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'application/json', 'idempotency-key': 'mint-1' },
      payload: JSON.stringify({ name: 'ci', scopes: ['accounts:read'] }),
    });
  const first = await mint();
  assert.equal(first.statusCode, 201, first.body);
  const secret: string = first.json().token;
  const [row] = await rowsFor('mint-1');
  assert.deepEqual({ status: row.status_code, body: row.response_body, headers: row.response_headers, withheld: row.withheld }, { status: 201, body: null, headers: {}, withheld: true });
  const everything = JSON.stringify(await t.db.query('SELECT * FROM idempotency_keys'), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  assert.ok(!everything.includes(secret.slice(6, 30)), 'no part of the token is in the idempotency table');

  const replay = await mint();
  assertError(replay, 409, /shown only once/);
  const listed = await ana.call('GET', '/api/auth/tokens');
  assert.equal(listed.json().totalCount, 1, listed.body);
});

test('a log-in with an Idempotency-Key: the session is not stored and the fingerprint is keyed, not a hash of the password', async () => {
  const email = `fp-${Date.now()}@acme.test`;
  const registered = await t.request({ method: 'POST', url: '/v1/auth/register', payload: { org_name: 'Acme', email, password: 'hunter22' } });
  assert.equal(registered.statusCode, 201);
  const body = { email, password: 'hunter22' };
  const login = () => t.request({ method: 'POST', url: '/v1/auth/login', headers: { 'idempotency-key': 'login-1' }, payload: body });
  const first = await login();
  assert.equal(first.statusCode, 200, first.body);
  const [row] = await rowsFor('login-1');
  assert.equal(row.response_body, null);
  assert.equal(row.withheld, true);
  const unkeyed = createHash('sha256').update(`POST /v1/auth/login\n{}\n${canonicalJson(body)}`).digest('hex');
  const older = createHash('sha256').update(`POST /v1/auth/login\n${canonicalJson(body)}`).digest('hex');
  assert.ok(row.fingerprint !== unkeyed && row.fingerprint !== older, 'the fingerprint is an HMAC with a server key');
  const replay = await login();
  assert.equal(replay.statusCode, 409, replay.body);
  assert.equal(replay.json().error.code, 'idempotency_key_reused');
  assert.ok(!replay.body.includes('access_token'));
  // A failed log-in holds no secret: it is kept and replayed as usual.
  const wrong = () => t.request({ method: 'POST', url: '/v1/auth/login', headers: { 'idempotency-key': 'login-2' }, payload: { email, password: 'wrong-one' } });
  const refused = await wrong();
  assert.equal(refused.statusCode, 401);
  const again = await wrong();
  assert.equal(again.statusCode, 401);
  assert.equal(again.headers['idempotent-replayed'], 'true');
});

test('the query string is part of the request: the same key with another query is refused, not replayed', async () => {
  const ana = await ledgyUser(t);
  const a = await ana.account({ name: 'A' });
  const b = await ana.account({ name: 'B' });
  const del = (id: string, query: string) =>
    t.request({ method: 'DELETE', url: `/api/v1/accounts/${id}?${query}`, headers: { authorization: `Bearer ${ana.token}`, 'idempotency-key': 'delete-1' } });
  const first = await del(a.id, 'action=Detach');
  assert.ok(first.statusCode < 300, first.body);
  const other = await del(a.id, 'action=DeleteAll');
  assertError(other, 409, /another request/);
  // Query parameters in another order are the same request: replayed.
  const d1 = await t.request({ method: 'DELETE', url: `/api/v1/accounts/${b.id}?action=Move&moveTargetAccountId=${a.id}`, headers: { authorization: `Bearer ${ana.token}`, 'idempotency-key': 'delete-2' } });
  const d2 = await t.request({ method: 'DELETE', url: `/api/v1/accounts/${b.id}?moveTargetAccountId=${a.id}&action=Move`, headers: { authorization: `Bearer ${ana.token}`, 'idempotency-key': 'delete-2' } });
  assert.equal(d2.statusCode, d1.statusCode);
  assert.equal(d2.headers['idempotent-replayed'], 'true');
});
