import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan, withKey } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('no valid key: 401 in the reference envelope; the key is accepted as X-API-Key or Bearer', async () => {
  const app = await billingApp(t);
  const none = await t.request({ method: 'GET', url: '/ledger/plans' });
  assertError(none, 401, 'unauthorized', null);
  assertError(await t.request({ method: 'GET', url: '/ledger/plans', headers: { 'x-api-key': 'bk_live_nonsense' } }), 401, 'unauthorized');
  assert.equal((await t.request({ method: 'GET', url: '/ledger/plans', headers: { 'x-api-key': app.secret } })).statusCode, 200);
  assert.equal((await t.request({ method: 'GET', url: '/ledger/plans', headers: { authorization: `Bearer ${app.secret}` } })).statusCode, 200);
  assert.match(app.secret, /^bk_live_[0-9A-Za-z]{38}$/);
  // A key of another surface is no billing key.
  const native = await t.tenant();
  assertError(await t.request({ method: 'GET', url: '/ledger/plans', headers: native.headers }), 401, 'unauthorized');
  // A key without the route's scope: 403.
  const reader = await billingApp(t, { scopes: ['billing:read'] });
  assertError(await reader.call('POST', '/ledger/plans', simplePlan('x', 1)), 403, 'forbidden');
});

test('live and sandbox are separate worlds: a sandbox key never sees live data, nor the reverse', async () => {
  const live = await billingApp(t, { mode: 'live' });
  const { secret } = await t.core.apiKeys.create({ orgId: live.orgId, surface: 'billing', scopes: ['billing:read', 'billing:write'], mode: 'sandbox' });
  assert.match(secret, /^bk_test_/);
  const sandbox = withKey(t, live.orgId, secret);
  const livePlan = await live.made('/ledger/plans', simplePlan('pro', 100));
  // The same slug, email and tenant are free in the other world.
  const sandboxPlan = await sandbox.made('/ledger/plans', simplePlan('pro', 1));
  assert.notEqual(sandboxPlan.id, livePlan.id);
  const liveCustomer = await live.made('/ledger/customers', { name: 'A', email: 'a@example.com' }, { 'x-tenant-id': 'acme-corp' });
  await sandbox.made('/ledger/customers', { name: 'A', email: 'a@example.com' }, { 'x-tenant-id': 'acme-corp' });
  const liveSub = await live.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: livePlan.id });
  await sandbox.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: sandboxPlan.id });

  assert.deepEqual((await sandbox.call('GET', '/ledger/plans')).json().data.map((p: any) => p.id), [sandboxPlan.id]);
  assert.equal((await sandbox.call('GET', '/ledger/plans/pro')).json().id, sandboxPlan.id);
  assertError(await sandbox.call('GET', `/ledger/customers/${liveCustomer.id}`), 404, 'customer_not_found');
  assertError(await sandbox.call('GET', `/ledger/subscriptions/${liveSub.id}`), 404, 'subscription_not_found');
  assertError(await sandbox.call('DELETE', `/ledger/plans/${livePlan.id}`), 404, 'plan_not_found');
  assertError(await sandbox.call('POST', '/ledger/subscriptions', { tenant_id: 'globex', plan_id: livePlan.id }), 404, 'plan_not_found');
  assert.equal((await sandbox.call('GET', '/ledger/subscriptions')).json().pagination.total, 1);
  assert.equal((await live.call('GET', '/ledger/customers')).json().pagination.total, 1);
});

test('tenant context: X-Tenant-ID narrows what is visible; missing where needed or malformed: 401', async () => {
  const app = await billingApp(t);
  assertError(await app.call('POST', '/ledger/customers', { name: 'A', email: 'a@example.com' }), 401, 'unauthorized', 'X-Tenant-ID');
  assertError(await app.call('GET', '/ledger/plans', undefined, { 'x-tenant-id': 'has space' }), 401, 'unauthorized', 'X-Tenant-ID');
  // App-scoped operations need only the key.
  assert.equal((await app.call('GET', '/ledger/plans')).statusCode, 200);
  assert.equal((await app.call('GET', '/ledger/customers')).statusCode, 200);
});

test('Idempotency-Key: a write replays its first answer; the key with another body is 409 idempotency_key_reused', async () => {
  const app = await billingApp(t);
  const headers = { 'idempotency-key': 'plan-once' };
  const first = await app.call('POST', '/ledger/plans', simplePlan('once', 100), headers);
  const again = await app.call('POST', '/ledger/plans', simplePlan('once', 100), headers);
  assert.equal(first.statusCode, 201);
  assert.equal(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assertError(await app.call('POST', '/ledger/plans', simplePlan('twice', 100), headers), 409, 'idempotency_key_reused', 'Idempotency-Key');
  assert.equal((await app.call('GET', '/ledger/plans')).json().pagination.total, 1);
  const audit = await t.db.query<{ operation: string }>(`SELECT operation FROM write_audit WHERE surface = 'billing' AND org_id = $1`, [app.orgId]);
  assert.deepEqual(audit.map((r) => r.operation), ['createPlan']);
});

test('50 parallel creates for one tenant: exactly one subscription, the others 409 subscription_exists', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 100));
  const answers = await Promise.all(Array.from({ length: 50 }, () => app.call('POST', '/ledger/subscriptions', { tenant_id: 'racer', plan_id: plan.id })));
  const statuses = answers.map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
  for (const r of answers.filter((a) => a.statusCode !== 201)) assertError(r, 409, 'subscription_exists');
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_subscriptions WHERE org_id = $1 AND tenant_id = 'racer'`, [app.orgId]);
  assert.equal(n, 1);
});
