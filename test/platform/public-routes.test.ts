/**
 * Sign-up and log-in take no credential, so they are limited per client address (before the
 * body is read) and per email (before anything is hashed), in the surface's own envelope;
 * those refusals are never stored as an Idempotency-Key's answer; their bodies are small.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));
const app = async (env: Record<string, string>) => {
  const t = await startTestApp(env);
  apps.push(t);
  return t;
};
const login = (t: TestApp, email: string, from = '127.0.0.1', headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/auth/login', remoteAddress: from, headers, payload: { email, password: 'wrong-password' } });

test('per client address: past the limit a log-in is 429 with Retry-After; another address is not held up', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_ADDRESS: '5' });
  for (let i = 0; i < 5; i++) assert.equal((await login(t, `a${i}@acme.test`)).statusCode, 401);
  const refused = await login(t, 'a9@acme.test');
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal(refused.json().error.code, 'rate_limited');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal((await login(t, 'a9@acme.test', '10.0.0.2')).statusCode, 401);
  // Ledgy's sign-up counts against its own surface's allowance, in its own envelope.
  const ledgy = await t.request({ method: 'POST', url: '/api/auth/login', remoteAddress: '127.0.0.1', payload: { email: 'x@ledgy.test', password: 'nope' } });
  assert.equal(ledgy.statusCode, 401);
});

test('per email: past the limit attempts on one email are 429 from any address; other emails go on', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_EMAIL: '3' });
  for (let i = 0; i < 3; i++) assert.equal((await login(t, 'Victim@acme.test', `10.0.1.${i}`)).statusCode, 401);
  const refused = await login(t, ' victim@ACME.test', '10.0.1.9');
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal((await login(t, 'other@acme.test', '10.0.1.9')).statusCode, 401);
});

test('a refusal by these limits is not stored as the answer of an Idempotency-Key', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_EMAIL: '1' });
  assert.equal((await login(t, 'k@acme.test')).statusCode, 401);
  const refused = await login(t, 'k@acme.test', '127.0.0.1', { 'idempotency-key': 'limited-1' });
  assert.equal(refused.statusCode, 429);
  assert.deepEqual(await t.db.query('SELECT key FROM idempotency_keys WHERE key = $1', ['limited-1']), []);
});

test('sign-up and log-in bodies over 16 KiB are 413', async () => {
  const t = await app({});
  const big = { email: 'big@acme.test', password: 'x'.repeat(17 * 1024) };
  for (const url of ['/v1/auth/login', '/v1/auth/register', '/api/auth/login', '/api/auth/register']) {
    const res = await t.request({ method: 'POST', url, payload: { ...big, org_name: 'Big', name: 'Big' } });
    assert.equal(res.statusCode, 413, `${url}: ${res.body}`);
  }
});

test('one attempt at a time from an address: a concurrent one is 429 (after a pause), another address is not', async () => {
  const t = await app({});
  const [a, b, other] = await Promise.all([login(t, 'c1@acme.test', '10.0.2.1'), login(t, 'c2@acme.test', '10.0.2.1'), login(t, 'c3@acme.test', '10.0.2.2')]);
  assert.deepEqual([a.statusCode, b.statusCode].sort(), [401, 429]);
  assert.equal(other.statusCode, 401);
  // The slot is free again once the first has answered.
  assert.equal((await login(t, 'c4@acme.test', '10.0.2.1')).statusCode, 401);
});
