import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, proPlan, simplePlan } from '../../helpers/billing.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('POST /ledger/plans: the reference example answers 201 with the Plan object', async () => {
  const app = await billingApp(t);
  const res = await app.call('POST', '/ledger/plans', proPlan());
  assert.equal(res.statusCode, 201, res.body);
  const plan = res.json();
  assert.match(plan.id, /^plan_[0-9a-z]{26}$/);
  assert.equal(plan.app_id, app.orgId);
  assert.deepEqual(
    { name: plan.name, slug: plan.slug, description: plan.description, currency: plan.currency, status: plan.status, trial_days: plan.trial_days, metadata: plan.metadata },
    { name: 'Pro', slug: 'pro', description: 'Professional plan with advanced features', currency: 'usd', status: 'active', trial_days: 14, metadata: { tier: 'professional' } },
  );
  assert.deepEqual(plan.features[0], { key: 'api_calls', name: 'API Calls', type: 'metered', limit: 100000, period: 'monthly', soft_limit: false, metadata: {} });
  assert.deepEqual(plan.pricing.base_amount, { amount: 4999, currency: 'usd', display: '$49.99' });
  assert.equal(plan.pricing.billing_period, 'monthly');
  assert.deepEqual(plan.pricing.tiers[1], {
    feature_key: 'api_calls',
    type: 'graduated',
    up_to: -1,
    unit_amount: { amount: 1, currency: 'usd', display: '$0.01' },
    flat_amount: { amount: 0, currency: 'usd', display: '$0.00' },
  });
  assert.match(plan.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(plan.created_at, plan.updated_at);
});

test('POST /ledger/plans: every documented error code, in the validation order', async () => {
  const app = await billingApp(t);
  const post = (body: object) => app.call('POST', '/ledger/plans', body);
  assertError(await post({ slug: 'x', currency: 'usd' }), 400, 'invalid_input', 'name');
  assertError(await post({}), 400, 'invalid_input', 'name');
  assertError(await post({ name: 'X', slug: 'x' }), 400, 'invalid_input', 'currency');
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', status: 'live' }), 400, 'invalid_input', 'status');
  // The key is checked before the type, so a repeated key is duplicate_feature even with a bad type.
  const features = [
    { key: 'a', type: 'metered' },
    { key: 'a', type: 'nonsense' },
  ];
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', features }), 400, 'duplicate_feature', 'features[1].key');
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', pricing: { base_amount: { amount: -1 } } }), 400, 'invalid_pricing', 'pricing.base_amount.amount');
  assertError(
    await post({ name: 'X', slug: 'x', currency: 'usd', pricing: { tiers: [{ feature_key: 'ghost', type: 'graduated', up_to: -1 }] } }),
    400,
    'invalid_pricing',
    'pricing.tiers[0].feature_key',
  );
  // A JSON type refused by the schema inside pricing is invalid_pricing too.
  assertError(await post({ name: 'X', slug: 'x', currency: 'usd', pricing: { base_amount: { amount: 'ten' } } }), 400, 'invalid_pricing', 'pricing.base_amount.amount');
  assert.equal((await post(simplePlan('taken', 100))).statusCode, 201);
  assertError(await post(simplePlan('taken', 200)), 409, 'already_exists', 'slug');
});

test('GET /ledger/plans: oldest first, the reference pagination, status filter, limits clamped', async () => {
  const app = await billingApp(t);
  for (const slug of ['a', 'b', 'c']) await app.made('/ledger/plans', simplePlan(slug, 100, slug === 'c' ? { status: 'draft' } : {}));
  const all = (await app.call('GET', '/ledger/plans')).json();
  assert.deepEqual(all.data.map((p: any) => p.slug), ['a', 'b', 'c']);
  assert.deepEqual(all.pagination, { total: 3, limit: 20, offset: 0, has_more: false });
  const page = (await app.call('GET', '/ledger/plans?limit=2&offset=0')).json();
  assert.deepEqual(page.pagination, { total: 3, limit: 2, offset: 0, has_more: true });
  assert.deepEqual((await app.call('GET', '/ledger/plans?limit=2&offset=2')).json().data.map((p: any) => p.slug), ['c']);
  assert.deepEqual((await app.call('GET', '/ledger/plans?status=active')).json().pagination.total, 2);
  assert.equal((await app.call('GET', '/ledger/plans?limit=1000')).json().pagination.limit, 100);
  assert.equal((await app.call('GET', '/ledger/plans?limit=0')).json().pagination.limit, 20);
  assert.equal((await app.call('GET', '/ledger/plans?offset=-5')).json().pagination.offset, 0);
  assertError(await app.call('GET', '/ledger/plans?status=gone'), 400, 'invalid_input');
});

test('GET /ledger/plans/{name}: by slug; 404 plan_not_found', async () => {
  const app = await billingApp(t);
  const made = await app.made('/ledger/plans', proPlan());
  const got = await app.call('GET', '/ledger/plans/pro');
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.json(), made);
  assertError(await app.call('GET', '/ledger/plans/enterprise'), 404, 'plan_not_found');
});

test('PUT /ledger/plans/{name}: the reference example changes only the fields given; errors as documented', async () => {
  const app = await billingApp(t);
  const made = await app.made('/ledger/plans', proPlan());
  const res = await app.call('PUT', '/ledger/plans/pro', { description: 'Updated description', trial_days: 30, metadata: { tier: 'professional', version: '2' } });
  assert.equal(res.statusCode, 200, res.body);
  const plan = res.json();
  assert.equal(plan.description, 'Updated description');
  assert.equal(plan.trial_days, 30);
  assert.deepEqual(plan.metadata, { tier: 'professional', version: '2' });
  assert.deepEqual(plan.features, made.features);
  assert.deepEqual(plan.pricing, made.pricing);
  assert.equal(plan.id, made.id);
  assertError(await app.call('PUT', '/ledger/plans/pro', { trial_days: -1 }), 400, 'invalid_input', 'trial_days');
  assertError(await app.call('PUT', '/ledger/plans/pro', { currency: 'eur' }), 400, 'invalid_input', 'currency');
  assertError(await app.call('PUT', '/ledger/plans/nope', { description: 'x' }), 404, 'plan_not_found');
  await app.made('/ledger/plans', simplePlan('other', 1));
  assertError(await app.call('PUT', '/ledger/plans/pro', { slug: 'other' }), 409, 'already_exists', 'slug');
  assert.equal((await app.call('PUT', '/ledger/plans/pro', { status: 'archived' })).statusCode, 200);
  assertError(await app.call('PUT', '/ledger/plans/pro', { description: 'again' }), 400, 'plan_archived');
});

test('DELETE /ledger/plans/{id}: 204; plan_in_use while a subscription references it; plan_not_found', async () => {
  const app = await billingApp(t);
  const free = await app.made('/ledger/plans', simplePlan('free', 0));
  const used = await app.made('/ledger/plans', simplePlan('used', 100));
  const del = await app.call('DELETE', `/ledger/plans/${free.id}`);
  assert.equal(del.statusCode, 204);
  assert.equal(del.body, '');
  assertError(await app.call('GET', '/ledger/plans/free'), 404, 'plan_not_found');
  assertError(await app.call('DELETE', `/ledger/plans/${free.id}`), 404, 'plan_not_found');
  assertError(await app.call('DELETE', '/ledger/plans/plan_nothing'), 404, 'plan_not_found');
  await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: used.id });
  assertError(await app.call('DELETE', `/ledger/plans/${used.id}`), 400, 'plan_in_use');
});

test('amounts past 2^53 are refused exactly rather than rounded; int64 limits round-trip', async () => {
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('big', 0, { features: [{ key: 'calls', type: 'metered', limit: 9007199254740991 }] }));
  assert.equal(plan.features[0].limit, 9007199254740991);
  const res = await t.request({
    method: 'POST',
    url: '/ledger/plans',
    headers: { ...app.headers, 'content-type': 'application/json' },
    payload: '{"name":"X","slug":"y","currency":"usd","pricing":{"base_amount":{"amount":90071992547409930}}}',
  });
  assertError(res, 400, 'invalid_pricing', 'pricing.base_amount.amount');
});
