import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { secondServer, startTestApp, type SecondServer, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan, simplePlan, withKey } from '../../helpers/billing.ts';
import { BillingScheduler } from '../../../src/billing/scheduler.ts';
import { clockEvents } from '../../../src/billing/subscription-events.ts';
import { parseId } from '../../../src/platform/ids.ts';

let t: TestApp;
let other: SecondServer;
before(async () => {
  t = await startTestApp();
  other = await secondServer(t);
});
after(async () => {
  await other.close();
  await t.close();
});

const DAY = 24 * 3600 * 1000;
const scheduler = () => new BillingScheduler(t.db, t.core.writes, t.clock);
const uuid = (id: string) => parseId(id.slice(0, id.indexOf('_')), id)!;
const stored = async (app: { orgId: string }, id: string, mode: 'live' | 'sandbox' = 'live') => clockEvents(t.db, { orgId: app.orgId, mode }, uuid(id));

test('the scheduler ends the trial and rolls the period when they fall due, once, with an audit row per batch', async () => {
  t.clock.set('2025-01-31T09:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan());
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  assert.equal(sub.status, 'trialing');

  // Nothing is due yet.
  assert.deepEqual(await scheduler().runDue(t.clock.now()), { subscriptions: 0, events: 0 });
  t.clock.set('2025-02-14T09:00:00.000Z');
  const run = await scheduler().runDue(t.clock.now());
  assert.deepEqual(run, { subscriptions: 1, events: 1 });
  let now = (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
  assert.equal(now.status, 'active');
  // Running again changes nothing: the step ran once.
  assert.deepEqual(await scheduler().runDue(t.clock.now()), { subscriptions: 0, events: 0 });

  // 31 Jan → 28 Feb → 31 Mar: two roll-overs, each recorded with the period that ended.
  t.clock.set('2025-04-01T00:00:00.000Z');
  assert.deepEqual(await scheduler().runDue(t.clock.now()), { subscriptions: 1, events: 2 });
  now = (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
  assert.equal(now.current_period_start, '2025-03-31T09:00:00.000Z');
  assert.equal(now.current_period_end, '2025-04-30T09:00:00.000Z');
  const events = await stored(app, sub.id);
  assert.deepEqual(
    events.map((e) => [e.type, e.at.toISOString(), e.periodStart?.toISOString() ?? null]),
    [
      ['trial_ended', '2025-02-14T09:00:00.000Z', null],
      ['period_advanced', '2025-02-28T09:00:00.000Z', '2025-01-31T09:00:00.000Z'],
      ['period_advanced', '2025-03-31T09:00:00.000Z', '2025-02-28T09:00:00.000Z'],
    ],
  );
  const audit = await t.db.query(`SELECT count(*)::int AS n FROM write_audit WHERE org_id = $1 AND principal_id = 'scheduler' AND operation = 'runDueClockSteps'`, [app.orgId]);
  assert.equal(audit[0].n, 2);
});

test('scheduled cancels and resume_at take effect on the clock; entitlements follow at once', async () => {
  t.clock.set('2025-03-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 1000, { features: [{ key: 'sso', name: 'SSO', type: 'boolean', limit: 1, period: 'none' }] }));
  const a = await app.made('/ledger/subscriptions', { tenant_id: 'a', plan_id: plan.id });
  const b = await app.made('/ledger/subscriptions', { tenant_id: 'b', plan_id: plan.id });
  await app.made(`/ledger/subscriptions/${a.id}/cancel`, {}, {}, 200);
  await app.made(`/ledger/subscriptions/${b.id}/pause`, { resume_at: '2025-03-10T00:00:00.000Z' }, {}, 200);
  const check = (tenant: string) => app.as(tenant)('POST', '/ledger/entitlements/check', { feature_key: 'sso' });
  assert.equal((await check('a')).statusCode, 200);
  assertError(await check('b'), 403, 'no_active_subscription');

  t.clock.set('2025-04-02T00:00:00.000Z');
  await scheduler().runDue(t.clock.now());
  const [ra, rb] = await Promise.all([a, b].map(async (s) => (await app.call('GET', `/ledger/subscriptions/${s.id}`)).json()));
  assert.deepEqual([ra.status, ra.canceled_at], ['canceled', '2025-04-01T00:00:00.000Z']);
  // Paused 1–10 March: the period end moved by nine days, then rolled once.
  assert.deepEqual([rb.status, rb.current_period_start, rb.current_period_end], ['active', '2025-03-01T00:00:00.000Z', '2025-04-10T00:00:00.000Z']);
  assertError(await check('a'), 403, 'no_active_subscription');
  assert.equal((await check('b')).json().allowed, true);
});

test('two servers on one database: every due step runs once', async () => {
  t.clock.set('2025-05-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('many', 500));
  const N = 300;
  for (let i = 0; i < N; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => app.made('/ledger/subscriptions', { tenant_id: `t-${i + j}`, plan_id: plan.id })));
  }
  t.clock.set('2025-08-02T00:00:00.000Z');
  const one = new BillingScheduler(t.db, t.core.writes, t.clock);
  const two = new BillingScheduler(other.core.db, other.core.writes, other.core.clock);
  const [r1, r2, r3] = await Promise.all([one.runDue(t.clock.now()), two.runDue(t.clock.now()), one.runDue(t.clock.now())]);
  // Three roll-overs each (1 Jun, 1 Jul, 1 Aug), each recorded once (other tests' apps may be due too).
  assert.ok(r1.events + r2.events + r3.events >= 3 * N);
  const rows = await t.db.query<{ n: number; subs: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT subscription_id)::int AS subs FROM billing_subscription_events WHERE org_id = $1 AND type = 'period_advanced'`,
    [app.orgId],
  );
  assert.deepEqual(rows[0], { n: 3 * N, subs: N });
  const starts = await t.db.query<{ start: Date }>(`SELECT DISTINCT current_period_start AS start FROM billing_subscriptions WHERE org_id = $1`, [app.orgId]);
  assert.deepEqual(starts.map((r) => r.start.toISOString()), ['2025-08-01T00:00:00.000Z']);
});

test('GET and POST /ledger/test-clock: sandbox time moves forward only, runs every due step before answering, live untouched', async () => {
  t.clock.set('2025-01-15T10:30:00.000Z');
  const sandbox = await billingApp(t, { mode: 'sandbox' });
  const live = await billingApp(t);
  const plan = await sandbox.made('/ledger/plans', proPlan());
  const livePlan = await live.made('/ledger/plans', proPlan());
  const sub = await sandbox.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  const liveSub = await live.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: livePlan.id });

  assert.deepEqual((await sandbox.call('GET', '/ledger/test-clock')).json(), { now: '2025-01-15T10:30:00.000Z', advanced_at: null });
  // A year of billing in one call: the trial ends, twelve periods roll.
  const res = await sandbox.call('POST', '/ledger/test-clock/advance', { to: '2026-01-15T10:30:00.000Z' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    now: '2026-01-15T10:30:00.000Z',
    advanced_at: '2025-01-15T10:30:00.000Z',
    previous: '2025-01-15T10:30:00.000Z',
    subscriptions_advanced: 1,
    steps: 13,
  });
  const after = (await sandbox.call('GET', `/ledger/subscriptions/${sub.id}`)).json();
  assert.deepEqual([after.status, after.current_period_start, after.current_period_end], ['active', '2026-01-15T10:30:00.000Z', '2026-02-15T10:30:00.000Z']);
  // Sandbox time keeps running from there with real time.
  t.clock.advance(60_000);
  assert.equal((await sandbox.call('GET', '/ledger/test-clock')).json().now, '2026-01-15T10:31:00.000Z');
  // Sandbox commands use sandbox time.
  const canceled = (await sandbox.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: true })).json();
  assert.equal(canceled.canceled_at, '2026-01-15T10:31:00.000Z');
  // Live is on real time: still in its trial.
  assert.equal((await live.call('GET', `/ledger/subscriptions/${liveSub.id}`)).json().status, 'trialing');

  assertError(await sandbox.call('POST', '/ledger/test-clock/advance', { to: '2026-01-01T00:00:00.000Z' }), 400, 'invalid_input', 'to');
  assertError(await sandbox.call('POST', '/ledger/test-clock/advance', { to: '2026-01-15T10:31:00.000Z' }), 400, 'invalid_input', 'to');
  assertError(await sandbox.call('POST', '/ledger/test-clock/advance', { to: 'next tuesday' }), 400, 'invalid_input', 'to');
  assertError(await sandbox.call('POST', '/ledger/test-clock/advance', {}), 400, 'invalid_input', 'to');
  assertError(await sandbox.call('POST', '/ledger/test-clock/advance', { to: '2046-01-01T00:00:00.000Z' }), 400, 'invalid_input', 'to');
  assertError(await live.call('POST', '/ledger/test-clock/advance', { to: '2027-01-01T00:00:00.000Z' }), 403, 'forbidden');
  assertError(await live.call('GET', '/ledger/test-clock'), 403, 'forbidden');
});

test('the background scheduler also runs sandbox work at the sandbox time', async () => {
  t.clock.set('2025-06-01T00:00:00.000Z');
  const sandbox = await billingApp(t, { mode: 'sandbox' });
  const plan = await sandbox.made('/ledger/plans', simplePlan('bg', 100));
  await sandbox.made('/ledger/test-clock/advance', { to: '2025-07-01T00:00:00.000Z' }, {}, 200);
  // Made at sandbox time 1 July; real time then passes 1 August − 1 July of sandbox time.
  const sub = await sandbox.made('/ledger/subscriptions', { tenant_id: 'x', plan_id: plan.id });
  assert.equal(sub.current_period_start, '2025-07-01T00:00:00.000Z');
  t.clock.advance(31 * DAY + 1);
  const run = await scheduler().runDue(t.clock.now());
  assert.ok(run.events >= 1);
  assert.equal((await sandbox.call('GET', `/ledger/subscriptions/${sub.id}`)).json().current_period_start, '2025-08-01T00:00:00.000Z');
});

/** Waits for a NOTIFY to reach the other server: polls the condition, bounded, instead of sleeping a guessed time. */
async function eventually(condition: () => Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail('the other server did not see the change');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('entitlements come from each server cache, and every change reaches both servers (LISTEN/NOTIFY)', async () => {
  t.clock.set('2025-09-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan('cached', { trial_days: 0 }));
  const bigger = await app.made('/ledger/plans', proPlan('cached-big', { trial_days: 0, features: [{ key: 'seats', name: 'Seats', type: 'seat', limit: 50, period: 'none' }], pricing: { base_amount: { amount: 9900 }, billing_period: 'monthly' } }));
  const customer = await app.made('/ledger/customers', { name: 'Acme', email: 'acme@example.com' }, { 'x-tenant-id': 'acme' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme', plan_id: plan.id, seats: 3 });
  const there = withKey({ ...t, request: other.request } as TestApp, app.orgId, app.secret);
  const seatsOn = async (server: typeof app) => (await server.as('acme')('POST', '/ledger/entitlements/check', { feature_key: 'seats' })).json();
  assert.deepEqual([(await seatsOn(app)).limit, (await seatsOn(there)).limit], [10, 10]);

  // Facts are cached: once the notices of the writes above have arrived (they may still drop
  // an entry), a row changed behind the API's back is not seen ...
  let seats = 3;
  await eventually(async () => {
    await Promise.all([seatsOn(app), seatsOn(there)]);
    await t.db.query(`UPDATE billing_subscriptions SET seats = $2 WHERE org_id = $1`, [app.orgId, ++seats]);
    const [here, away] = await Promise.all([seatsOn(app), seatsOn(there)]);
    return here.used !== seats && away.used !== seats;
  });
  // ... until POST /ledger/entitlements/{customerId}/invalidate drops it on every server.
  assert.equal((await app.call('POST', `/ledger/entitlements/${customer.id}/invalidate`)).statusCode, 204);
  assert.equal((await seatsOn(app)).used, seats);
  await eventually(async () => (await seatsOn(there)).used === seats);

  // A plan change made on one server: that server answers anew at once, the other on the notice.
  await app.made(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: bigger.id }, {}, 200);
  assert.equal((await seatsOn(app)).limit, 50);
  await eventually(async () => (await seatsOn(there)).limit === 50);
  // A plan edited on the other server.
  const edited = await there.call('PUT', '/ledger/plans/cached-big', { features: [{ key: 'seats', name: 'Seats', type: 'seat', limit: 60, period: 'none' }] });
  assert.equal(edited.statusCode, 200, edited.body);
  assert.equal((await seatsOn(there)).limit, 60);
  await eventually(async () => (await seatsOn(app)).limit === 60);
  // Canceled on the other server.
  await there.made(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: true }, {}, 200);
  assertError(await there.as('acme')('POST', '/ledger/entitlements/check', { feature_key: 'seats' }), 403, 'no_active_subscription');
  await eventually(async () => (await app.as('acme')('POST', '/ledger/entitlements/check', { feature_key: 'seats' })).statusCode === 403);
});

test('a cached answer expires when the clock reaches its next step, before the scheduler has run', async () => {
  t.clock.set('2025-10-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('expiring', 100, { features: [{ key: 'sso', name: 'SSO', type: 'boolean', limit: 1, period: 'none' }] }));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'e', plan_id: plan.id });
  await app.made(`/ledger/subscriptions/${sub.id}/cancel`, {}, {}, 200);
  const check = () => app.as('e')('POST', '/ledger/entitlements/check', { feature_key: 'sso' });
  assert.equal((await check()).statusCode, 200);
  t.clock.set('2025-11-01T00:00:00.001Z');
  assertError(await check(), 403, 'no_active_subscription');
});

test('the billing surface background task runs the scheduler on its interval until stopped', async () => {
  const { billingSurface } = await import('../../../src/apis/billing/manifest.ts');
  t.clock.set('2025-12-01T00:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('background', 100));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'bg', plan_id: plan.id });
  t.clock.set('2026-01-01T00:00:01.000Z');
  const task = billingSurface.background!({ ...t.core, config: { ...t.core.config, env: { BILLING_CLOCK_INTERVAL_MS: '10' } } });
  try {
    // Its first pass also rolls (and invoices) every earlier test's subscriptions due by then.
    await eventually(async () => (await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json().current_period_start === '2026-01-01T00:00:00.000Z', 60_000);
  } finally {
    await task.stop();
  }
});
