/**
 * Sign-up and log-in take no credential, so they are limited per client address (before the
 * body is read) and per email (before anything is hashed), in the surface's own envelope;
 * those refusals are never stored as an Idempotency-Key's answer; their bodies are small.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runAddress, runEmail } from '../helpers/run-identities.ts';

const apps: TestApp[] = [];
after(() => Promise.all(apps.map((a) => a.close())));
const app = async (env: Record<string, string>) => {
  const t = await startTestApp(env);
  apps.push(t);
  return t;
};
// Addresses and emails of this run only (test/helpers/run-identities.ts): the limits may live in Redis.
const home = runAddress();
const login = (t: TestApp, email: string, from = home, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/auth/login', remoteAddress: from, headers, payload: { email, password: 'wrong-password' } });

test('per client address: past the limit a log-in is 429 with Retry-After; another address is not held up', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_ADDRESS: '5' });
  for (let i = 0; i < 5; i++) assert.equal((await login(t, runEmail(`a${i}`))).statusCode, 401);
  const refused = await login(t, runEmail('a9'));
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal(refused.json().error.code, 'rate_limited');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal((await login(t, runEmail('a9'), runAddress())).statusCode, 401);
  // Ledgy's sign-up counts against its own surface's allowance, in its own envelope.
  const ledgy = await t.request({ method: 'POST', url: '/api/auth/login', remoteAddress: home, payload: { email: runEmail('x'), password: 'nope' } });
  assert.equal(ledgy.statusCode, 401);
});

test('per email: past the limit attempts on one email are 429 from any address; other emails go on', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_EMAIL: '3' });
  const victim = runEmail('Victim');
  for (let i = 0; i < 3; i++) assert.equal((await login(t, victim, runAddress())).statusCode, 401);
  // The same email, however written.
  const refused = await login(t, ` ${victim.toLowerCase().replace('@acme.test', '@ACME.test')}`, runAddress());
  assert.equal(refused.statusCode, 429, refused.body);
  assert.equal((await login(t, runEmail('other'), runAddress())).statusCode, 401);
});

test('a refusal by these limits is not stored as the answer of an Idempotency-Key', async () => {
  const t = await app({ AUTH_RATE_PER_MINUTE_PER_EMAIL: '1' });
  const email = runEmail('k');
  assert.equal((await login(t, email)).statusCode, 401);
  const refused = await login(t, email, home, { 'idempotency-key': 'limited-1' });
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
  const [one, two] = [runAddress(), runAddress()];
  const [a, b, other] = await Promise.all([login(t, runEmail('c1'), one), login(t, runEmail('c2'), one), login(t, runEmail('c3'), two)]);
  assert.deepEqual([a.statusCode, b.statusCode].sort(), [401, 429]);
  assert.equal(other.statusCode, 401);
  // The slot is free again once the first has answered.
  assert.equal((await login(t, runEmail('c4'), one)).statusCode, 401);
});
