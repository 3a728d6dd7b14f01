import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  // Period boundaries in the tests below are whole days: start at midnight UTC.
  t.clock.set('2025-01-15T00:00:00Z');
});
after(() => t.close());

const EVENT_ID = /^uevt_[0-9a-z]{26}$/;

async function subscribed(tenant = 'acme-corp') {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan('pro', { trial_days: 0, features: [...proPlan().features, { key: 'storage_gb', name: 'Storage', type: 'metered', limit: 50, period: 'monthly', soft_limit: true }] }));
  const customer = await app.made('/ledger/customers', { name: 'Acme', email: `billing@${tenant}.test` }, { 'x-tenant-id': tenant });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: tenant, plan_id: plan.id });
  return { app, plan, customer, sub, acme: app.as(tenant) };
}

test('POST /ledger/meter/events: the reference example answers 202 buffered, and the event is stored before the answer', async () => {
  const { acme } = await subscribed();
  const res = await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'req_abc123', metadata: { endpoint: '/v1/users' } });
  assert.equal(res.statusCode, 202, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['id', 'status']);
  assert.match(body.id, EVENT_ID);
  assert.equal(body.status, 'buffered');
  const listed = (await acme('GET', '/ledger/meter/events')).json();
  assert.equal(listed.data.length, 1);
  assert.deepEqual(listed.data[0], {
    id: body.id,
    tenant_id: 'acme-corp',
    app_id: listed.data[0].app_id,
    feature_key: 'api_calls',
    quantity: 1,
    timestamp: t.clock.now().toISOString(),
    idempotency_key: 'req_abc123',
    metadata: { endpoint: '/v1/users' },
    created_at: t.clock.now().toISOString(),
  });
});

test('POST /ledger/meter/events: invalid_input naming the field, 401 without tenant context, 409 duplicate_event per tenant', async () => {
  const { app, acme } = await subscribed();
  assertError(await acme('POST', '/ledger/meter/events', { quantity: 1 }), 400, 'invalid_input', 'feature_key');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: '  ', quantity: 1 }), 400, 'invalid_input', 'feature_key');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls' }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: -1 }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1.5 }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: '3' }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 2 ** 53 }), 400, 'invalid_input', 'quantity');
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, timestamp: 'yesterday' }), 400, 'invalid_input', 'timestamp');
  assertError(await app.call('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1 }), 401, 'unauthorized', 'X-Tenant-ID');
  assert.equal((await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 0, idempotency_key: 'k1' })).statusCode, 202);
  assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 5, idempotency_key: 'k1' }), 409, 'duplicate_event', 'idempotency_key');
  // Scoped to the tenant: another tenant of the app may use the same key; so may the sandbox.
  assert.equal((await app.as('globex')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'k1' })).statusCode, 202);
  const sandbox = await billingApp(t, { mode: 'sandbox' });
  assert.equal((await sandbox.as('acme-corp')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'k1' })).statusCode, 202);
  const events = (await acme('GET', '/ledger/meter/events')).json();
  assert.deepEqual(events.data.map((e: any) => e.quantity), [0], 'the refused events were not stored');
});

test('POST /ledger/meter/events/batch: the reference example; a repeated key is rejected alone; an invalid event refuses the batch', async () => {
  const { acme } = await subscribed();
  const res = await acme('POST', '/ledger/meter/events/batch', {
    events: [
      { feature_key: 'api_calls', quantity: 5, idempotency_key: 'batch_001' },
      { feature_key: 'storage_gb', quantity: 2, idempotency_key: 'batch_002' },
    ],
  });
  assert.equal(res.statusCode, 202, res.body);
  const body = res.json();
  assert.deepEqual([body.accepted, body.rejected], [2, 0]);
  assert.equal(body.results.length, 2);
  for (const r of body.results) assert.deepEqual([EVENT_ID.test(r.id), r.status], [true, 'buffered']);

  const again = await acme('POST', '/ledger/meter/events/batch', {
    events: [
      { feature_key: 'api_calls', quantity: 5, idempotency_key: 'batch_001' },
      { feature_key: 'api_calls', quantity: 7, idempotency_key: 'batch_003' },
      { feature_key: 'api_calls', quantity: 9, idempotency_key: 'batch_003' },
    ],
  });
  assert.equal(again.statusCode, 202, again.body);
  const a = again.json();
  assert.deepEqual([a.accepted, a.rejected], [1, 2]);
  assert.deepEqual(a.results.map((r: any) => r.status), ['rejected', 'buffered', 'rejected']);
  assert.equal(a.results[0].error.code, 'duplicate_event');

  assertError(await acme('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 1 }, { feature_key: 'api_calls', quantity: -2 }] }), 400, 'invalid_input', 'events[1].quantity');
  assertError(await acme('POST', '/ledger/meter/events/batch', { events: [] }), 400, 'invalid_input', 'events');
  const stored = (await acme('GET', '/ledger/meter/events?limit=100')).json();
  assert.equal(stored.pagination.total, 3, 'batch_001, batch_002 and batch_003 once; nothing of the refused batch');
});

test('GET /ledger/meter/usage/{subscriptionId}/{meter}: the SUM over the current period, with limit and remaining; counted by entitlement checks at once', async () => {
  const { app, acme, sub } = await subscribed();
  // Last period's usage is not this period's.
  await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 999, timestamp: '2025-01-14T23:59:59Z' });
  await acme('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 45000 }, { feature_key: 'api_calls', quantity: 230 }] });
  const res = await app.call('GET', `/ledger/meter/usage/${sub.id}/api_calls`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    feature_key: 'api_calls',
    subscription_id: sub.id,
    current_usage: 45230,
    limit: 100000,
    remaining: 54770,
    period_start: '2025-01-15T00:00:00.000Z',
    period_end: '2025-02-15T00:00:00.000Z',
  });
  const check = (await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' })).json();
  assert.deepEqual([check.used, check.remaining, check.allowed], [45230, 54770, true]);
  // Every acknowledged event is counted by the next check: quota reached.
  await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 54770 });
  const full = (await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' })).json();
  assert.deepEqual([full.allowed, full.reason, full.remaining], [false, 'quota exceeded', 0]);
  const listing = (await app.call('GET', `/ledger/entitlements/${(await app.call('GET', '/ledger/customers')).json().data[0].id}`)).json();
  assert.equal(listing.entitlements.find((e: any) => e.feature === 'api_calls').used, 100000);
  // The next period starts from zero.
  t.clock.advance(31 * 86_400_000);
  const next = (await app.call('GET', `/ledger/meter/usage/${sub.id}/api_calls`)).json();
  assert.deepEqual([next.current_usage, next.period_start], [0, '2025-02-15T00:00:00.000Z']);
  t.clock.set('2025-01-15T00:00:00Z');
  assertError(await app.call('GET', `/ledger/meter/usage/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/api_calls`), 404, 'subscription_not_found');
  assertError(await app.as('globex')('GET', `/ledger/meter/usage/${sub.id}/api_calls`), 404, 'subscription_not_found');
});

test('GET …/history: by day, week and month from SQL buckets, empty ones included; bad granularity and times are invalid_input', async () => {
  const { app, acme, sub } = await subscribed();
  const at = (timestamp: string, quantity: number) => ({ feature_key: 'api_calls', quantity, timestamp });
  await acme('POST', '/ledger/meter/events/batch', { events: [at('2025-01-01T00:00:00Z', 32000), at('2025-01-01T23:59:59Z', 100), at('2025-01-02T12:00:00Z', 28500), at('2025-01-03T08:00:00Z', 41200), at('2025-01-06T00:00:00Z', 1)] });
  const url = `/ledger/meter/usage/${sub.id}/api_calls/history`;
  const daily = await app.call('GET', `${url}?start=2025-01-01T00:00:00Z&end=2025-01-04T00:00:00Z&granularity=daily`);
  assert.equal(daily.statusCode, 200, daily.body);
  assert.deepEqual(daily.json(), {
    feature_key: 'api_calls',
    data: [
      { period: '2025-01-01', usage: 32100 },
      { period: '2025-01-02', usage: 28500 },
      { period: '2025-01-03', usage: 41200 },
    ],
  });
  const weekly = (await app.call('GET', `${url}?start=2025-01-01T00:00:00Z&end=2025-01-13T00:00:00Z&granularity=weekly`)).json();
  // 1 January 2025 is a Wednesday: its ISO week starts on Monday 30 December 2024.
  assert.deepEqual(weekly.data, [
    { period: '2024-12-30', usage: 101800 },
    { period: '2025-01-06', usage: 1 },
  ]);
  const monthly = (await app.call('GET', `${url}?start=2024-12-01T00:00:00Z&end=2025-03-01T00:00:00Z&granularity=monthly`)).json();
  assert.deepEqual(monthly.data, [
    { period: '2024-12-01', usage: 0 },
    { period: '2025-01-01', usage: 101801 },
    { period: '2025-02-01', usage: 0 },
  ]);
  // Without a range: the current period, daily (31 days from 15 January).
  const period = (await app.call('GET', url)).json();
  assert.equal(period.data.length, 31);
  assert.equal(period.data[0].period, '2025-01-15');
  assertError(await app.call('GET', `${url}?granularity=hourly`), 400, 'invalid_input', 'granularity');
  assertError(await app.call('GET', `${url}?start=soon`), 400, 'invalid_input', 'start');
  assertError(await app.call('GET', `${url}?start=2025-02-01T00:00:00Z&end=2025-01-01T00:00:00Z`), 400, 'invalid_input', 'end');
  assertError(await app.call('GET', `${url}?start=2000-01-01T00:00:00Z&end=2025-01-01T00:00:00Z`), 400, 'invalid_input', 'start');
});

test('GET /ledger/meter/events: filters by feature and time, newest first, offset pagination; tenant-scoped', async () => {
  const { app, acme } = await subscribed();
  const at = (feature_key: string, timestamp: string) => ({ feature_key, quantity: 1, timestamp });
  await acme('POST', '/ledger/meter/events/batch', {
    events: [at('api_calls', '2025-01-10T00:00:00Z'), at('api_calls', '2025-01-11T00:00:00Z'), at('storage_gb', '2025-01-12T00:00:00Z'), at('api_calls', '2025-01-13T00:00:00Z')],
  });
  await app.as('globex')('POST', '/ledger/meter/events', at('api_calls', '2025-01-12T00:00:00Z'));
  const all = (await acme('GET', '/ledger/meter/events')).json();
  assert.deepEqual(all.data.map((e: any) => e.timestamp.slice(0, 10)), ['2025-01-13', '2025-01-12', '2025-01-11', '2025-01-10']);
  assert.deepEqual(all.pagination, { total: 4, limit: 20, offset: 0, has_more: false });
  const calls = (await acme('GET', '/ledger/meter/events?feature_key=api_calls&start=2025-01-11T00:00:00Z&end=2025-01-13T00:00:00Z')).json();
  assert.deepEqual(calls.data.map((e: any) => e.timestamp.slice(0, 10)), ['2025-01-11']);
  const page = (await acme('GET', '/ledger/meter/events?limit=2&offset=1')).json();
  assert.deepEqual(page.data.map((e: any) => e.timestamp.slice(0, 10)), ['2025-01-12', '2025-01-11']);
  assert.deepEqual(page.pagination, { total: 4, limit: 2, offset: 1, has_more: true });
  assertError(await app.call('GET', '/ledger/meter/events'), 401, 'unauthorized', 'X-Tenant-ID');
  assertError(await acme('GET', '/ledger/meter/events?start=later'), 400, 'invalid_input', 'start');
});

test('GET /ledger/customers/{id}/usage: each metered feature over the current period', async () => {
  const { app, acme, customer } = await subscribed();
  await acme('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 45230 }, { feature_key: 'storage_gb', quantity: 12 }] });
  const res = await app.call('GET', `/ledger/customers/${customer.id}/usage`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    customer_id: customer.id,
    period_start: '2025-01-15T00:00:00.000Z',
    period_end: '2025-02-15T00:00:00.000Z',
    usage: {
      api_calls: { used: 45230, limit: 100000, remaining: 54770 },
      storage_gb: { used: 12, limit: 50, remaining: 38 },
    },
  });
  assertError(await app.call('GET', '/ledger/customers/cst_01hqx3qgn9v3rywqk8zxr7t9kj/usage'), 404, 'customer_not_found');
  const lone = await app.made('/ledger/customers', { name: 'Lone', email: 'lone@x.test' }, { 'x-tenant-id': 'lone' });
  assertError(await app.call('GET', `/ledger/customers/${lone.id}/usage`), 403, 'no_active_subscription');
});

test('100 parallel meter events with 10 distinct idempotency keys: exactly 10 stored, 90 refused with duplicate_event', async () => {
  const { acme } = await subscribed();
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: `key-${i % 10}` })));
  const statuses = answers.map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s === 202).length, 10);
  assert.equal(statuses.filter((s) => s === 409).length, 90);
  for (const r of answers.filter((r) => r.statusCode === 409)) assert.equal(r.json().error.code, 'duplicate_event');
  const stored = (await acme('GET', '/ledger/meter/events?limit=100')).json();
  assert.equal(stored.pagination.total, 10);
  assert.deepEqual(new Set(stored.data.map((e: any) => e.idempotency_key)).size, 10);
});

test('the Idempotency-Key header replays a meter answer; its audit row commits with the event', async () => {
  const { acme } = await subscribed();
  const send = () => acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 3 }, { 'idempotency-key': 'retry-1' });
  const first = await send();
  const second = await send();
  assert.equal(first.statusCode, 202);
  assert.equal(second.headers['idempotent-replayed'], 'true');
  assert.equal(second.body, first.body);
  assert.equal((await acme('GET', '/ledger/meter/events')).json().pagination.total, 1);
  const [audit] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM write_audit WHERE operation = 'ingestMeterEvent' AND request_id = $1`, [first.headers['x-request-id']]);
  assert.equal(audit.n, 1);
});

test('an idempotency_key refuses its repeat beyond 24 h (keys are kept as long as their events), per tenant and mode', async () => {
  const { app, acme } = await subscribed();
  assert.equal((await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'old' })).statusCode, 202);
  t.clock.advance(25 * 3_600_000);
  try {
    assertError(await acme('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'old' }), 409, 'duplicate_event');
    const batch = (await acme('POST', '/ledger/meter/events/batch', { events: [{ feature_key: 'api_calls', quantity: 1, idempotency_key: 'old' }] })).json();
    assert.deepEqual([batch.accepted, batch.rejected, batch.results[0].error.code], [0, 1, 'duplicate_event']);
    // Another tenant of the app may use the same key.
    assert.equal((await app.as('other-tenant')('POST', '/ledger/meter/events', { feature_key: 'api_calls', quantity: 1, idempotency_key: 'old' })).statusCode, 202);
  } finally {
    t.clock.advance(-25 * 3_600_000);
  }
});
