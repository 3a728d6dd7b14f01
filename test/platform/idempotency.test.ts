import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '100000' });
});
after(async () => t.close());

async function setup() {
  const { headers, org } = await t.tenant();
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const account = async (code: string, type: string) =>
    (await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code, name: code, type, asset: 'USD' } })).json();
  const cash = await account('cash', 'asset');
  const equity = await account('equity', 'equity');
  const body = { ledger_id: ledger.id, postings: [{ account_id: cash.id, side: 'debit', amount: '1.00' }, { account_id: equity.id, side: 'credit', amount: '1.00' }] };
  return { headers, org, cash, body };
}

const entriesOf = async (orgId: string) => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM entries WHERE org_id = $1', [orgId]))[0].n;

test('100 concurrent identical requests with one key execute once and replay byte for byte', async () => {
  const { headers, org, body } = await setup();
  const responses = await Promise.all(
    Array.from({ length: 100 }, () => t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'same-key' }, payload: body })),
  );
  assert.equal(await entriesOf(org.id), 1);
  const statuses = new Set(responses.map((r) => r.statusCode));
  assert.deepEqual([...statuses], [201]);
  const bodies = new Set(responses.map((r) => r.body));
  assert.equal(bodies.size, 1, 'every answer is the same bytes');
  assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 99);
  assert.ok(responses.every((r) => r.headers.location === responses[0].headers.location));
});

test('key order in the body does not matter; another body with the same key is refused', async () => {
  const { headers, org, body } = await setup();
  const first = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'k' }, payload: body });
  const reordered = JSON.stringify({ postings: body.postings, ledger_id: body.ledger_id });
  const replay = await t.request({
    method: 'POST',
    url: '/kontor/v1/entries',
    headers: { ...headers, 'idempotency-key': 'k', 'content-type': 'application/json' },
    payload: reordered,
  });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.body, first.body);
  const other = await t.request({
    method: 'POST',
    url: '/kontor/v1/entries',
    headers: { ...headers, 'idempotency-key': 'k' },
    payload: { ...body, description: 'different' },
  });
  assert.equal(other.statusCode, 422);
  assert.equal(other.json().type, 'https://kontor.dev/problems/idempotency-mismatch');
  assert.equal(await entriesOf(org.id), 1);
});

test('a 4xx answer is kept and replayed', async () => {
  const { headers, body } = await setup();
  const bad = { ...body, postings: [body.postings[0], { ...body.postings[1], amount: '2.00' }] };
  const first = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'bad' }, payload: bad });
  assert.equal(first.statusCode, 422);
  const again = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'bad' }, payload: bad });
  assert.equal(again.statusCode, 422);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.body, first.body);
});

test('keys are scoped per credential', async () => {
  const a = await setup();
  const b = await setup();
  const one = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...a.headers, 'idempotency-key': 'shared' }, payload: a.body });
  const two = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...b.headers, 'idempotency-key': 'shared' }, payload: b.body });
  assert.equal(one.statusCode, 201);
  assert.equal(two.statusCode, 201);
  assert.equal(two.headers['idempotent-replayed'], undefined);
});

test('keys expire after their lifetime and are purged', async () => {
  const { headers, org, body } = await setup();
  await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'old' }, payload: body });
  t.clock.advance(24 * 3600 * 1000 + 1000);
  assert.ok((await t.core.idempotency.purgeExpired()) >= 1);
  const again = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'old' }, payload: body });
  assert.equal(again.statusCode, 201);
  assert.equal(again.headers['idempotent-replayed'], undefined);
  assert.equal(await entriesOf(org.id), 2);
});

test('a 5xx answer is not kept: the key is released and a retry runs', async () => {
  const { headers, org, body } = await setup();
  const ledger = t.core.ledger;
  const original = ledger.submitEntry;
  ledger.submitEntry = async () => {
    throw new Error('database went away: secret internals');
  };
  try {
    const failed = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'flaky' }, payload: body });
    assert.equal(failed.statusCode, 500);
    assert.doesNotMatch(failed.body, /secret internals/);
  } finally {
    ledger.submitEntry = original;
  }
  const retried = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'flaky' }, payload: body });
  assert.equal(retried.statusCode, 201);
  assert.equal(retried.headers['idempotent-replayed'], undefined);
  assert.equal(await entriesOf(org.id), 1);
});

test('a malformed Idempotency-Key is a 400', async () => {
  const { headers, body } = await setup();
  const res = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers: { ...headers, 'idempotency-key': 'x'.repeat(300) }, payload: body });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().field, 'Idempotency-Key');
});

test('a claim whose process is gone is taken over at once; one whose process lives is still in progress', async () => {
  const { openTestDb } = await import('../helpers/db.ts');
  const { IdempotencyStore } = await import('../../src/platform/idempotency.ts');
  const { ManualClock } = await import('../../src/platform/clock.ts');
  const db = await openTestDb({ max: 6 });
  const clock = new ManualClock(new Date());
  const first = new IdempotencyStore(db, clock, 3600, 0);
  const second = new IdempotencyStore(db, clock, 3600, 0);
  await first.start();
  await second.start();
  try {
    const scope = { orgId: '00000000-0000-0000-0000-000000000001', principalId: 'p', surface: 'kontor', key: 'k' };
    assert.equal((await first.begin(scope, 'print')).kind, 'claimed');
    assert.equal((await second.begin(scope, 'print')).kind, 'in_progress', 'the first process lives: its claim stands');
    await first.close(); // as a kill -9 would: its liveness lock goes with its connection
    assert.equal((await second.begin(scope, 'print')).kind, 'claimed', 'taken over without waiting for the claim to go stale');
    assert.equal((await second.begin({ ...scope, key: 'other' }, 'print')).kind, 'claimed');
  } finally {
    await second.close();
    await db.close();
  }
});
