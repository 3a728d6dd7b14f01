import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function subscribed(seats = 3) {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', proPlan('pro', { features: [...proPlan().features, { key: 'audit', type: 'boolean', limit: 0 }] }));
  const customer = await app.made('/ledger/customers', { name: 'Acme', email: 'billing@acme.test' }, { 'x-tenant-id': 'acme-corp' });
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id, seats });
  return { app, plan, customer, sub, acme: app.as('acme-corp') };
}

test('POST /ledger/entitlements/check: the reference example shape; seats from the subscription; reasons', async () => {
  const { acme } = await subscribed();
  const calls = await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' });
  assert.equal(calls.statusCode, 200, calls.body);
  // No events metered yet: used 0 (test/apis/billing/entitlement-usage.test.ts replays the example with 45230).
  assert.deepEqual(calls.json(), { allowed: true, feature: 'api_calls', used: 0, limit: 100000, remaining: 100000, soft_limit: false });
  assert.deepEqual((await acme('POST', '/ledger/entitlements/check', { feature_key: 'seats' })).json(), { allowed: true, feature: 'seats', used: 3, limit: 10, remaining: 7, soft_limit: false });
  assert.equal((await acme('POST', '/ledger/entitlements/check', { feature_key: 'sso' })).json().allowed, true);
  assert.equal((await acme('POST', '/ledger/entitlements/check', { feature_key: 'audit' })).json().reason, 'feature not enabled');
  const missing = (await acme('POST', '/ledger/entitlements/check', { feature_key: 'ghost' })).json();
  assert.deepEqual([missing.allowed, missing.reason], [false, 'feature not in plan']);
});

test('POST /ledger/entitlements/check: invalid_input, 401 without tenant context, 403 no_active_subscription', async () => {
  const { app, acme, sub } = await subscribed();
  assertError(await acme('POST', '/ledger/entitlements/check', {}), 400, 'invalid_input', 'feature_key');
  assertError(await app.call('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 401, 'unauthorized', 'X-Tenant-ID');
  assertError(await app.as('globex')('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 403, 'no_active_subscription');
  // Paused: no entitlement.
  await app.call('POST', `/ledger/subscriptions/${sub.id}/pause`, {});
  assertError(await acme('POST', '/ledger/entitlements/check', { feature_key: 'api_calls' }), 403, 'no_active_subscription');
});

test('a cancel at period end stops the entitlement when the period ends, before any scheduler writes it', async () => {
  const { app, acme, sub } = await subscribed();
  await app.call('POST', `/ledger/subscriptions/${sub.id}/cancel`, {});
  assert.equal((await acme('POST', '/ledger/entitlements/check', { feature_key: 'sso' })).json().allowed, true);
  t.clock.advance(40 * 86_400_000);
  assertError(await acme('POST', '/ledger/entitlements/check', { feature_key: 'sso' }), 403, 'no_active_subscription');
});

test('POST /ledger/entitlements/check-batch: the reference example', async () => {
  const { acme } = await subscribed();
  const res = await acme('POST', '/ledger/entitlements/check-batch', { feature_keys: ['api_calls', 'seats', 'sso'] });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    results: {
      api_calls: { allowed: true, used: 0, limit: 100000, remaining: 100000 },
      seats: { allowed: true, used: 3, limit: 10, remaining: 7 },
      sso: { allowed: true, used: 0, limit: 1, remaining: 1 },
    },
  });
  assertError(await acme('POST', '/ledger/entitlements/check-batch', { feature_keys: [] }), 400, 'invalid_input', 'feature_keys');
});

test('GET /ledger/entitlements/{customerId}: every feature of the plan; POST …/invalidate: 204; unknown customer 404', async () => {
  const { app, plan, customer } = await subscribed();
  const res = await app.call('GET', `/ledger/entitlements/${customer.id}`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual([body.customer_id, body.plan, body.plan_id], [customer.id, 'Pro', plan.id]);
  assert.deepEqual(body.entitlements.slice(0, 3), [
    { feature: 'api_calls', allowed: true, used: 0, limit: 100000, remaining: 100000, type: 'metered' },
    { feature: 'seats', allowed: true, used: 3, limit: 10, remaining: 7, type: 'seat' },
    { feature: 'sso', allowed: true, used: 0, limit: 1, remaining: 1, type: 'boolean' },
  ]);
  const invalidated = await app.call('POST', `/ledger/entitlements/${customer.id}/invalidate`);
  assert.equal(invalidated.statusCode, 204, invalidated.body);
  assertError(await app.call('GET', '/ledger/entitlements/cst_01hqx3qgn9v3rywqk8zxr7t9kj'), 404, 'customer_not_found');
  assertError(await app.call('POST', '/ledger/entitlements/cst_01hqx3qgn9v3rywqk8zxr7t9kj/invalidate'), 404, 'customer_not_found');
});
