import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan, simplePlan } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

// The reference's example times.
const JAN_15 = '2025-01-15T10:30:00.000Z';

test('POST /ledger/subscriptions: the reference example answers 201; status active skips the trial', async () => {
  t.clock.set(JAN_15);
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan());
  const res = await app.call('POST', '/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id, status: 'active', metadata: { source: 'self-serve' } });
  assert.equal(res.statusCode, 201, res.body);
  const sub = res.json();
  assert.match(sub.id, /^sub_[0-9a-z]{26}$/);
  assert.deepEqual(
    { tenant_id: sub.tenant_id, plan_id: sub.plan_id, status: sub.status, start: sub.current_period_start, end: sub.current_period_end, app_id: sub.app_id },
    { tenant_id: 'acme-corp', plan_id: plan.id, status: 'active', start: JAN_15, end: '2025-02-15T10:30:00.000Z', app_id: app.orgId },
  );
  assert.deepEqual(sub.metadata, { source: 'self-serve' });
  assert.equal(sub.trial_end, null);
  assert.equal(sub.created_at, JAN_15);
});

test('POST /ledger/subscriptions: trialing from the plan trial_days; the trial does not move the period', async () => {
  t.clock.set(JAN_15);
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan());
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  assert.equal(sub.status, 'trialing');
  assert.equal(sub.trial_start, JAN_15);
  assert.equal(sub.trial_end, '2025-01-29T10:30:00.000Z');
  assert.equal(sub.current_period_end, '2025-02-15T10:30:00.000Z');
  // The tenant may come from X-Tenant-ID instead of the body.
  const other = await app.as('globex')('POST', '/ledger/subscriptions', { plan_id: plan.id });
  assert.equal(other.json().tenant_id, 'globex');
});

test('POST /ledger/subscriptions: every documented error code', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const draft = await app.made('/ledger/plans', simplePlan('draft', 100, { status: 'draft' }));
  const post = (body: object, extra: Record<string, string> = {}) => app.call('POST', '/ledger/subscriptions', body, extra);
  assertError(await post({ plan_id: plan.id }), 400, 'invalid_input', 'tenant_id');
  assertError(await post({ tenant_id: 'acme-corp' }), 400, 'invalid_input', 'plan_id');
  assertError(await post({ tenant_id: 'acme-corp', plan_id: plan.id }, { 'x-tenant-id': 'globex' }), 400, 'invalid_input', 'tenant_id');
  assertError(await post({ tenant_id: 'acme-corp', plan_id: plan.id, status: 'paused' }), 400, 'invalid_input', 'status');
  assertError(await post({ tenant_id: 'acme-corp', plan_id: plan.id, status: 'trialing' }), 400, 'invalid_input', 'status');
  assertError(await post({ tenant_id: 'acme-corp', plan_id: draft.id }), 400, 'invalid_input', 'plan_id');
  assertError(await post({ tenant_id: 'acme-corp', plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099x' }), 404, 'plan_not_found', 'plan_id');
  assert.equal((await post({ tenant_id: 'acme-corp', plan_id: plan.id })).statusCode, 201);
  assertError(await post({ tenant_id: 'acme-corp', plan_id: plan.id }), 409, 'subscription_exists', 'tenant_id');
});

test('GET /ledger/subscriptions: newest first, filtered by tenant context, tenant_id and status', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const ids: string[] = [];
  for (const tenant of ['a', 'b', 'c']) {
    ids.push((await app.made('/ledger/subscriptions', { tenant_id: tenant, plan_id: plan.id })).id);
    t.clock.advance(1000);
  }
  await app.call('POST', `/ledger/subscriptions/${ids[0]}/cancel`, { immediately: true });
  const all = (await app.call('GET', '/ledger/subscriptions')).json();
  assert.deepEqual(all.data.map((s: any) => s.id), [...ids].reverse());
  assert.deepEqual(all.pagination, { total: 3, limit: 20, offset: 0, has_more: false });
  assert.deepEqual((await app.call('GET', '/ledger/subscriptions?tenant_id=b')).json().data.map((s: any) => s.id), [ids[1]]);
  assert.deepEqual((await app.call('GET', '/ledger/subscriptions?status=canceled')).json().data.map((s: any) => s.id), [ids[0]]);
  assert.deepEqual((await app.as('c')('GET', '/ledger/subscriptions')).json().data.map((s: any) => s.id), [ids[2]]);
  assert.equal((await app.as('c')('GET', '/ledger/subscriptions?tenant_id=b')).json().pagination.total, 0);
  assert.deepEqual((await app.call('GET', '/ledger/subscriptions?limit=1')).json().pagination, { total: 3, limit: 1, offset: 0, has_more: true });
  assertError(await app.call('GET', '/ledger/subscriptions?status=gone'), 400, 'invalid_input');
});

test('GET and PUT /ledger/subscriptions/{id}: the reference metadata example; 404 subscription_not_found', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id, metadata: { source: 'self-serve' } });
  assert.deepEqual((await app.call('GET', `/ledger/subscriptions/${sub.id}`)).json(), sub);
  const put = await app.call('PUT', `/ledger/subscriptions/${sub.id}`, { metadata: { support_tier: 'premium' } });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual(put.json().metadata, { support_tier: 'premium' });
  assert.equal(put.json().status, sub.status);
  assertError(await app.call('GET', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3'), 404, 'subscription_not_found');
  assertError(await app.call('PUT', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3', { metadata: {} }), 404, 'subscription_not_found');
  assertError(await app.as('globex')('GET', `/ledger/subscriptions/${sub.id}`), 404, 'subscription_not_found');
});

test('POST …/cancel: at period end by default (the reference example), immediately on request; subscription_canceled; 404', async () => {
  t.clock.set(JAN_15);
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  const later = await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: false });
  assert.equal(later.statusCode, 200, later.body);
  assert.deepEqual({ id: later.json().id, status: later.json().status, cancel_at: later.json().cancel_at }, { id: sub.id, status: 'active', cancel_at: '2025-02-15T10:30:00.000Z' });
  // An empty POST takes the default, and repeating it is harmless.
  assert.equal((await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`)).json().status, 'active');
  t.clock.advance(60_000);
  const now = await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: true });
  assert.equal(now.json().status, 'canceled');
  assert.equal(now.json().canceled_at, '2025-01-15T10:31:00.000Z');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, { immediately: true }), 400, 'subscription_canceled');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/cancel', {}), 404, 'subscription_not_found');
});

test('POST …/pause and …/resume: the reference examples; the period moves by the pause; invalid_state; 404', async () => {
  t.clock.set(JAN_15);
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  const paused = await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, { resume_at: '2025-03-01T00:00:00Z' });
  assert.equal(paused.statusCode, 200, paused.body);
  assert.equal(paused.json().status, 'paused');
  assert.equal(paused.json().paused_at, JAN_15);
  assert.equal(paused.json().resume_at, '2025-03-01T00:00:00.000Z');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, {}), 400, 'invalid_state');
  t.clock.advance(5 * 86_400_000);
  const resumed = await app.call('POST', `/ledger/subscriptions/${sub.id}/resume`);
  assert.equal(resumed.statusCode, 200, resumed.body);
  assert.equal(resumed.json().status, 'active');
  assert.equal(resumed.json().current_period_end, '2025-02-20T10:30:00.000Z');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/resume`), 400, 'invalid_state');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, { resume_at: '2020-01-01T00:00:00Z' }), 400, 'invalid_input', 'resume_at');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/pause', {}), 404, 'subscription_not_found');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/resume'), 404, 'subscription_not_found');
});

test('POST …/change-plan: the reference example prorates to the second into pending lines; every documented code', async () => {
  t.clock.set('2026-03-01T00:00:00Z');
  const app = await billingApp(t);
  const basic = await app.made('/ledger/plans', simplePlan('basic', 4999, { features: [{ key: 'seats', type: 'seat', limit: 5 }] }));
  const pro = await app.made('/ledger/plans', simplePlan('pro', 9999, { features: [{ key: 'seats', type: 'seat', limit: 10 }] }));
  const euro = await app.made('/ledger/plans', simplePlan('euro', 100, { currency: 'eur' }));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: basic.id, seats: 3 });
  t.clock.set('2026-03-11T00:00:00Z');
  const res = await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id, prorate: true });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().plan_id, pro.id);
  assert.equal(res.json().current_period_end, '2026-04-01T00:00:00.000Z');
  const lines = await t.db.query<{ description: string; amount: bigint }>(`SELECT description, amount FROM billing_pending_lines ORDER BY amount`);
  assert.deepEqual(lines.map((l) => [l.description, l.amount]), [
    ['Unused time on basic', -3386n],
    ['Remaining time on pro', 6774n],
  ]);
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: pro.id }), 400, 'invalid_upgrade', 'plan_id');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: euro.id }), 400, 'invalid_upgrade', 'plan_id');
  assert.equal((await app.call('PUT', `/ledger/subscriptions/${sub.id}`, { seats: 8 })).json().seats, 8);
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: basic.id }), 400, 'invalid_downgrade', 'plan_id');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: 'plan_01hqx3qfz5ekth2h5y6z6r099y' }), 404, 'plan_not_found');
  assertError(await app.call('POST', `/ledger/subscriptions/${sub.id}/change-plan`, {}), 400, 'invalid_input', 'plan_id');
  assertError(await app.call('POST', '/ledger/subscriptions/sub_01hqx3qg8w5kjyhwkrp5j4wsy3/change-plan', { plan_id: pro.id }), 404, 'subscription_not_found');
});

test('a 29 February anchor is stored, so it survives a common year', async () => {
  t.clock.set('2024-02-29T12:00:00Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('yearly', 100, { pricing: { base_amount: { amount: 100 }, billing_period: 'yearly' } }));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'leap', plan_id: plan.id });
  assert.equal(sub.billing_anchor_day, 29);
  assert.equal(sub.current_period_end, '2025-02-28T12:00:00.000Z');
  // A command after four years rolls the periods from the stored anchor: back on 29 February in 2028.
  t.clock.set('2027-03-01T00:00:00Z');
  const later = (await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, {})).json();
  assert.equal(later.current_period_start, '2027-02-28T12:00:00.000Z');
  assert.equal(later.current_period_end, '2028-02-29T12:00:00.000Z');
  assert.equal(later.billing_anchor_day, 29);
});
