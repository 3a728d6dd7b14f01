import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { KeyFormats } from '../../src/platform/identity/key-formats.ts';
import { surfaceKeyFormats } from '../../src/surfaces.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { ApiKeys } from '../../src/platform/identity/api-keys.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5' });
});
after(async () => t.close());

const list = (headers: Record<string, string>) => t.request({ method: 'GET', url: '/kontor/v1/ledgers', headers });

const formats = surfaceKeyFormats();
const generateSecret = (surface: string, mode: 'live' | 'sandbox') => formats.generate(surface, mode);
const parseSecret = (secret: string) => formats.parse(secret);

test('key formats: checksummed kt_ keys, Ledgy lgpat_ + 64 hex, and the formats a manifest declares', () => {
  const live = generateSecret('kontor', 'live');
  assert.match(live, /^kt_live_[0-9A-Za-z]{38}$/);
  assert.deepEqual(parseSecret(live), { surface: 'kontor', mode: 'live' });
  assert.match(generateSecret('kontor', 'sandbox'), /^kt_test_/);
  const declared = new KeyFormats({ ledgeros: { live: 'ck_live_', sandbox: 'ck_test_', body: 'checksum' } });
  assert.deepEqual(declared.parse(declared.generate('ledgeros', 'sandbox')), { surface: 'ledgeros', mode: 'sandbox' });
  assert.throws(() => formats.generate('nosuch', 'live'), /unknown surface/);
  assert.match(generateSecret('ledgy', 'live'), /^lgpat_[0-9a-f]{64}$/);
  // One changed character breaks the checksum: refused without a database read.
  const typo = live.slice(0, -1) + (live.endsWith('a') ? 'b' : 'a');
  assert.equal(parseSecret(typo), null);
});

test('keys are stored only as SHA-256', async () => {
  const { org, secret } = await t.tenant();
  const rows = await t.db.query('SELECT * FROM api_keys WHERE org_id = $1', [org.id]);
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(secret.slice(12)));
});

test('missing, malformed and unknown keys are 401', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${generateSecret('kontor', 'live')}` }, { authorization: 'Basic abc' }]) {
    const res = await list(headers as Record<string, string>);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().type, 'https://kontor.dev/problems/unauthenticated');
  }
});

test('a key of another surface is 401 here', async () => {
  const org = await createOrg(t.db, t.clock, { name: 'x' });
  const { secret } = await t.core.apiKeys.create({ orgId: org.id, surface: 'ledgy', scopes: ['accounts:read'], mode: 'live' });
  assert.equal((await list({ authorization: `Bearer ${secret}` })).statusCode, 401);
});

test('scopes deny by default and write does not imply read', async () => {
  const writer = await t.tenant(['ledger:write']);
  assert.equal((await list(writer.headers)).statusCode, 403);
  const created = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers: writer.headers, payload: { name: 'x' } });
  assert.equal(created.statusCode, 201);
  const reader = await t.tenant(['ledger:read']);
  assert.equal((await list(reader.headers)).statusCode, 200);
  const refused = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers: reader.headers, payload: { name: 'x' } });
  assert.equal(refused.statusCode, 403);
  assert.deepEqual(refused.json().details, { scope: 'ledger:write' });
});

test('a revoke takes effect at once, despite the cache', async () => {
  const { org, headers } = await t.tenant();
  assert.equal((await list(headers)).statusCode, 200);
  const [key] = await t.core.apiKeys.list(org.id);
  assert.equal(await t.core.apiKeys.revoke(org.id, key.id), true);
  assert.equal((await list(headers)).statusCode, 401);
});

test('key lookups are shared by the requests waiting for them, and one begun before a revoke is not kept', async () => {
  const { org } = await t.tenant();
  let lookups = 0;
  const counted = Object.create(t.db, { query: { value: (text: string, params?: unknown[]) => (text.includes('secret_sha256 = $1') && lookups++, t.db.query(text, params)) } });
  const keys = new ApiKeys(counted, t.clock, 60_000, formats);
  const { key, secret } = await keys.create({ orgId: org.id, surface: 'kontor', scopes: ['ledgers:read'], mode: 'live' });
  const principals = await Promise.all(Array.from({ length: 10 }, () => keys.authenticate(secret)));
  assert.ok(principals.every((p) => p?.id === key.id));
  assert.equal(lookups, 1, 'ten requests, one lookup');
  await keys.authenticate(secret);
  assert.equal(lookups, 1, 'then from the cache');
  // A lookup in flight when the key is dropped (a revoke announced) answers, but is not cached.
  keys.forgetAll();
  const reading = keys.authenticate(secret);
  keys.forget(key.id);
  assert.equal((await reading)?.id, key.id);
  await keys.authenticate(secret);
  assert.equal(lookups, 3, 'read again: the dropped read was not kept');
  await keys.close();
});

test('an expired key is 401', async () => {
  const org = await createOrg(t.db, t.clock, { name: 'x' });
  const { secret } = await t.core.apiKeys.create({
    orgId: org.id,
    surface: 'kontor',
    scopes: ['ledger:read'],
    mode: 'live',
    expiresAt: new Date(t.clock.now().getTime() + 60_000),
  });
  assert.equal((await list({ authorization: `Bearer ${secret}` })).statusCode, 200);
  t.clock.advance(61_000);
  assert.equal((await list({ authorization: `Bearer ${secret}` })).statusCode, 401);
});

test('last-used time is written in the background', async () => {
  const { org, headers } = await t.tenant();
  await list(headers);
  await t.core.apiKeys.flushLastUsed();
  const [key] = await t.core.apiKeys.list(org.id);
  assert.ok(key.lastUsedAt instanceof Date);
});

test('rate limits per credential: remaining headers, then 429 with Retry-After', async () => {
  const a = await t.tenant();
  const b = await t.tenant();
  const remaining: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await list(a.headers);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-ratelimit-limit'], '5');
    remaining.push(Number(res.headers['x-ratelimit-remaining']));
    assert.match(String(res.headers['ratelimit-policy']), /q=5;w=60/);
  }
  assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
  const limited = await list(a.headers);
  assert.equal(limited.statusCode, 429);
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  assert.equal(limited.json().type, 'https://kontor.dev/problems/rate-limited');
  // Another credential has its own allowance.
  assert.equal((await list(b.headers)).statusCode, 200);
});

test('request ids: a well-formed one is echoed, anything else is replaced', async () => {
  const { headers } = await t.tenant();
  const given = await list({ ...headers, 'x-request-id': 'abc-123' });
  assert.equal(given.headers['x-request-id'], 'abc-123');
  const bad = await list({ ...headers, 'x-request-id': 'bad id with spaces' });
  assert.match(String(bad.headers['x-request-id']), /^req_[0-9A-Z]{26}$/);
  const error = await t.request({ method: 'GET', url: '/kontor/v1/ledgers/ldg_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A', headers: { ...headers, 'x-request-id': 'trace-1' } });
  assert.equal(error.json().request_id, 'trace-1');
});
