/**
 * Metered use in entitlement checks comes from each server's memory (src/billing/entitlement-
 * usage.ts), kept current with every committed meter event: an event acknowledged by a server
 * is counted by that server's next check, exactly once, however checks and group commits
 * interleave; another server counts it once the group's NOTIFY arrived.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { secondServer, startTestApp, type SecondServer, type TestApp } from '../../helpers/app.ts';
import { billingApp, proPlan, withKey } from '../../helpers/billing.ts';

let t: TestApp;
let other: SecondServer;
before(async () => {
  t = await startTestApp();
  other = await secondServer(t);
  t.clock.set('2025-03-10T00:00:00.000Z');
});
after(async () => {
  await other.close();
  await t.close();
});

async function subscribed(tenant: string) {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan(`use-${tenant}`, { trial_days: 0 }));
  const customer = await app.made('/ledger/customers', { name: tenant, email: `${tenant}@example.com` }, { 'x-tenant-id': tenant });
  await app.made('/ledger/subscriptions', { tenant_id: tenant, plan_id: plan.id });
  const there = withKey({ ...t, request: other.request } as TestApp, app.orgId, app.secret);
  return { app, there, customer, here: app.as(tenant), away: there.as(tenant) };
}

const used = async (call: (method: "POST", url: string, body?: unknown) => Promise<any>) => {
  const res = await call('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().used as number;
};
const sumInDb = async (orgId: string, tenant: string) =>
  Number((await t.db.query<{ n: bigint }>(`SELECT coalesce(sum(quantity), 0)::int8 AS n FROM billing_usage_events WHERE org_id = $1 AND tenant_id = $2 AND feature_key = 'api_calls'`, [orgId, tenant]))[0].n);

/** Waits for a NOTIFY to reach the other server: polls, bounded, instead of sleeping a guessed time. */
async function eventually(condition: () => Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail('the other server did not see the change');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a check answers metered use from memory: an event acknowledged here is counted by the next check here, a row written behind the API is not', async () => {
  const { app, customer, here } = await subscribed('mem');
  assert.equal(await used(here), 0);
  assert.equal((await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 7 })).statusCode, 202);
  assert.equal(await used(here), 7);
  const batch = await here('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 5 }, { feature_key: 'api_calls', quantity: 1, idempotency_key: 'k' }, { feature_key: 'api_calls', quantity: 1, idempotency_key: 'k' }] });
  assert.equal(batch.json().accepted, 2);
  assert.equal(await used(here), 13, 'the refused duplicate is not counted');
  // Outside the current period (a timestamp the client names): stored, not counted.
  await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 100, timestamp: '2025-01-01T00:00:00Z' });
  assert.equal(await used(here), 13);
  // Memory, not the database: a row added behind the API's back is not seen ...
  await t.db.query(
    `INSERT INTO billing_usage_events (org_id, mode, id, tenant_id, feature_key, quantity, at, idempotency_key, metadata, created_at)
     VALUES ($1, 'live', gen_random_uuid(), 'mem', 'api_calls', 1000, $2, NULL, '{}', $2)`,
    [app.orgId, t.clock.now()],
  );
  assert.equal(await used(here), 13);
  // ... until the app says its data was corrected: POST /ledger/entitlements/{id}/invalidate.
  assert.equal((await app.call('POST', `/ledger/entitlements/${customer.id}/invalidate`)).statusCode, 204);
  assert.equal(await used(here), 1013);
});

test('checks and group commits interleaved: every acknowledged event counted exactly once', async () => {
  const { app, customer, here } = await subscribed('race');
  const sends = Array.from({ length: 40 }, (_, i) =>
    i % 2 === 0
      ? here('POST', '/ledger/meter/events/batch', { events: Array.from({ length: 5 }, (_, j) => ({ feature_key: 'api_calls', quantity: j + 1, idempotency_key: `b${i}-${j % 4}` })) })
      : here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 3, idempotency_key: `s${i % 6}` }),
  );
  // Checks race the commits (reads start while groups are in flight), and invalidations drop what was read.
  const checks = Array.from({ length: 40 }, async (_, i) => {
    if (i % 10 === 0) assert.equal((await app.call('POST', `/ledger/entitlements/${customer.id}/invalidate`)).statusCode, 204);
    return used(here);
  });
  const answers = await Promise.all(sends);
  await Promise.all(checks);
  assert.ok(answers.every((r) => r.statusCode === 202 || r.statusCode === 409));
  const total = await sumInDb(app.orgId, 'race');
  assert.equal(await used(here), total);
  // And it stays exact as more arrive.
  await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 2 });
  assert.equal(await used(here), total + 2);
});

test('another server counts an event once its group NOTIFY arrived; its own events at once', async () => {
  const { app, here, away } = await subscribed('two');
  assert.deepEqual([await used(here), await used(away)], [0, 0]);
  assert.equal((await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 4 })).statusCode, 202);
  assert.equal(await used(here), 4);
  await eventually(async () => (await used(away)) === 4);
  assert.equal((await away('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 6 }] })).statusCode, 202);
  assert.equal(await used(away), 10);
  await eventually(async () => (await used(here)) === 10);
  assert.equal(await sumInDb(app.orgId, 'two'), 10);
});

test('a new period starts from 0 and counts only its own events', async () => {
  const { here } = await subscribed('roll');
  await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 9 });
  assert.equal(await used(here), 9);
  t.clock.advance(31 * 86_400_000);
  try {
    assert.equal(await used(here), 0);
    await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 2 });
    assert.equal(await used(here), 2);
  } finally {
    t.clock.advance(-31 * 86_400_000);
  }
});

test('checks arriving together for a tenant not yet read share one read of its facts and one of its use', async () => {
  const { here } = await subscribed('cold');
  await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 5 });
  const reads = { facts: 0, use: 0 };
  const query = t.db.query;
  t.db.query = (async (text: string, params?: unknown[]) => {
    if (text.includes('AS plan_row')) reads.facts++;
    if (text.includes('pg_current_snapshot()')) reads.use++;
    return query.call(t.db, text, params);
  }) as typeof query;
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => used(here)));
    assert.deepEqual(new Set(answers), new Set([5]));
  } finally {
    t.db.query = query;
  }
  // One each (two if a NOTIFY of the subscription's creation dropped them meanwhile), not one per check.
  assert.ok(reads.facts <= 2 && reads.use <= 2, `reads: ${JSON.stringify(reads)}`);
});

test("the reference's Entitlements examples replayed as shown over HTTP, with 45230 api_calls metered: check, check-batch, the customer's list; at 100500, its denial", async () => {
  const { app, customer, here } = await subscribed('acme-corp');
  const plan = (await app.call('GET', '/ledger/plans/use-acme-corp')).json();
  await app.call('PUT', `/ledger/subscriptions/${(await app.call('GET', '/ledger/subscriptions?tenant_id=acme-corp')).json().data[0].id}`, { seats: 3 });
  assert.equal((await here('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 45000 }, { feature_key: 'api_calls', quantity: 230 }] })).statusCode, 202);
  const check = await here('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' });
  assert.equal(check.statusCode, 200);
  assert.equal(check.body, JSON.stringify({ allowed: true, feature: 'api_calls', used: 45230, limit: 100000, remaining: 54770, soft_limit: false }));
  const batch = await here('POST', '/ledger/entitlements/check-batch', { feature_keys: ['api_calls', 'seats', 'sso'] });
  assert.deepEqual(batch.json(), {
    results: {
      api_calls: { allowed: true, used: 45230, limit: 100000, remaining: 54770 },
      seats: { allowed: true, used: 3, limit: 10, remaining: 7 },
      sso: { allowed: true, used: 0, limit: 1, remaining: 1 },
    },
  });
  const listed = (await app.call('GET', `/ledger/entitlements/${customer.id}`)).json();
  assert.deepEqual(listed, {
    customer_id: customer.id,
    plan: 'Pro',
    plan_id: plan.id,
    entitlements: [
      { feature: 'api_calls', allowed: true, used: 45230, limit: 100000, remaining: 54770, type: 'metered' },
      { feature: 'seats', allowed: true, used: 3, limit: 10, remaining: 7, type: 'seat' },
      { feature: 'sso', allowed: true, used: 0, limit: 1, remaining: 1, type: 'boolean' },
    ],
  });
  await here('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 55270 });
  const denied = await here('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' });
  assert.equal(denied.statusCode, 200);
  assert.equal(denied.body, JSON.stringify({ allowed: false, feature: 'api_calls', used: 100500, limit: 100000, remaining: 0, soft_limit: false, reason: 'quota exceeded' }));
});
