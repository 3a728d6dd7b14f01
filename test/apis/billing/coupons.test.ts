import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, billingApp, simplePlan } from '../../helpers/billing.ts';
import { discountLinesForSubscription } from '../../../src/billing/coupon-store.ts';
import { parseId } from '../../../src/platform/ids.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const SUMMER = {
  code: 'SUMMER25',
  name: 'Summer 2025 Promotion',
  type: 'percentage',
  percentage: 25,
  currency: 'usd',
  max_redemptions: 100,
  valid_from: '2025-06-01T00:00:00Z',
  valid_until: '2025-09-01T00:00:00Z',
  metadata: { campaign: 'summer_2025' },
};
const FLAT = { code: 'FLAT10', name: '10 Dollars Off', type: 'amount', amount: { amount: 1000, currency: 'usd' }, currency: 'usd', max_redemptions: 500 };

test('POST /ledger/coupons: the reference examples answer 201 with the reference fields', async () => {
  t.clock.set('2025-01-15T10:30:00.000Z');
  const app = await billingApp(t);
  const summer = await app.made('/ledger/coupons', SUMMER);
  assert.match(summer.id, /^cpn_[0-9a-z]{26}$/);
  assert.deepEqual(
    { ...summer, id: undefined },
    {
      id: undefined,
      code: 'SUMMER25',
      name: 'Summer 2025 Promotion',
      type: 'percentage',
      percentage: 25,
      amount: null,
      currency: 'usd',
      max_redemptions: 100,
      times_redeemed: 0,
      valid_from: '2025-06-01T00:00:00.000Z',
      valid_until: '2025-09-01T00:00:00.000Z',
      app_id: app.orgId,
      metadata: { campaign: 'summer_2025' },
      created_at: '2025-01-15T10:30:00.000Z',
      updated_at: '2025-01-15T10:30:00.000Z',
    },
  );
  const flat = await app.made('/ledger/coupons', FLAT);
  assert.deepEqual(flat.amount, { amount: 1000, currency: 'usd', display: '$10.00' });
  assert.equal(flat.percentage, null);
  assertError(await app.call('POST', '/ledger/coupons', FLAT), 409, 'already_exists', 'code');
  assertError(await app.call('POST', '/ledger/coupons', { type: 'percentage', percentage: 5 }), 400, 'invalid_input', 'code');
  assertError(await app.call('POST', '/ledger/coupons', { code: 'X' }), 400, 'invalid_input', 'type');
  assertError(await app.call('POST', '/ledger/coupons', { code: 'X', type: 'percentage', percentage: 150 }), 400, 'invalid_input', 'percentage');
  assertError(await app.call('POST', '/ledger/coupons', { code: 'X', type: 'percentage', percentage: '10' }), 400, 'invalid_input');
  assertError(await app.call('POST', '/ledger/coupons', { code: 'X', type: 'amount', amount: { amount: 10 } }), 400, 'invalid_input', 'currency');
  assertError(await app.call('POST', '/ledger/coupons', { code: 'X', type: 'amount', amount: { amount: 1e300, currency: 'usd' } }), 400, 'invalid_input');
  const malformed = await t.request({ method: 'POST', url: '/ledger/coupons', headers: { ...app.headers, 'content-type': 'application/json' }, payload: '{"code":' });
  assertError(malformed, 400, 'invalid_input');
  // Another app (and the sandbox of the same app) may use the same code.
  assert.equal((await (await billingApp(t)).call('POST', '/ledger/coupons', FLAT)).statusCode, 201);
});

test('GET, PUT and DELETE /ledger/coupons: by code and by id; update changes only what it may; a deleted code is free again', async () => {
  t.clock.set('2025-07-01T00:00:00.000Z');
  const app = await billingApp(t);
  const summer = await app.made('/ledger/coupons', SUMMER);
  const flat = await app.made('/ledger/coupons', FLAT);
  assert.equal((await app.call('GET', '/ledger/coupons/SUMMER25')).json().id, summer.id);
  assert.equal((await app.call('GET', `/ledger/coupons/id/${flat.id}`)).json().code, 'FLAT10');
  assertError(await app.call('GET', '/ledger/coupons/NOPE'), 404, 'coupon_not_found');
  assertError(await app.call('GET', '/ledger/coupons/id/cpn_01hqx3qfz5ekth2h5y6z6r099x'), 404, 'coupon_not_found');
  assertError(await app.call('GET', '/ledger/coupons/id/nonsense'), 404, 'coupon_not_found');

  t.clock.set('2025-07-02T00:00:00.000Z');
  const put = await app.call('PUT', `/ledger/coupons/${summer.id}`, { name: 'Extended Summer Promotion', valid_until: '2025-10-01T00:00:00Z', max_redemptions: 200, percentage: 90 });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual([put.json().name, put.json().valid_until, put.json().max_redemptions, put.json().percentage, put.json().updated_at], ['Extended Summer Promotion', '2025-10-01T00:00:00.000Z', 200, 25, '2025-07-02T00:00:00.000Z']);
  assertError(await app.call('PUT', `/ledger/coupons/${summer.id}`, { valid_until: '2025-01-01T00:00:00Z' }), 400, 'invalid_input', 'valid_until');
  assertError(await app.call('PUT', `/ledger/coupons/${summer.id}`, { name: ' ' }), 400, 'invalid_input', 'name');
  assertError(await app.call('PUT', '/ledger/coupons/cpn_01hqx3qfz5ekth2h5y6z6r099x', { name: 'x' }), 404, 'coupon_not_found');

  // List: newest first; active=true keeps those valid now.
  const expired = await app.made('/ledger/coupons', { code: 'OLD', type: 'percentage', percentage: 5, valid_until: '2025-01-01T00:00:00Z' });
  assert.deepEqual((await app.call('GET', '/ledger/coupons')).json().data.map((c: any) => c.code), ['OLD', 'FLAT10', 'SUMMER25']);
  const active = (await app.call('GET', '/ledger/coupons?active=true')).json();
  assert.deepEqual(active.data.map((c: any) => c.code), ['FLAT10', 'SUMMER25']);
  assert.deepEqual(active.pagination, { total: 2, limit: 20, offset: 0, has_more: false });
  assert.deepEqual((await app.call('GET', '/ledger/coupons?limit=1&offset=1')).json().pagination, { total: 3, limit: 1, offset: 1, has_more: true });

  const del = await app.call('DELETE', `/ledger/coupons/${expired.id}`);
  assert.equal(del.statusCode, 204, del.body);
  assertError(await app.call('DELETE', `/ledger/coupons/${expired.id}`), 404, 'coupon_not_found');
  assertError(await app.call('GET', '/ledger/coupons/OLD'), 404, 'coupon_not_found');
  assert.equal((await app.call('POST', '/ledger/coupons', { code: 'OLD', type: 'percentage', percentage: 7 })).statusCode, 201);

  // Another app sees none of them.
  const other = await billingApp(t);
  assertError(await other.call('GET', `/ledger/coupons/id/${summer.id}`), 404, 'coupon_not_found');
  assertError(await other.call('GET', '/ledger/coupons/SUMMER25'), 404, 'coupon_not_found');
  assertError(await other.call('PUT', `/ledger/coupons/${summer.id}`, { name: 'x' }), 404, 'coupon_not_found');
  assertError(await other.call('DELETE', `/ledger/coupons/${summer.id}`), 404, 'coupon_not_found');
  assert.equal((await other.call('GET', '/ledger/coupons')).json().pagination.total, 0);
});

test('POST /ledger/coupons/{code}/redeem: every error in the notes order, then the discount the next invoice gets', async () => {
  t.clock.set('2025-06-15T10:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 4900));
  const sub = await app.made('/ledger/subscriptions', { tenant_id: 'acme-corp', plan_id: plan.id });
  await app.made('/ledger/coupons', SUMMER);
  await app.made('/ledger/coupons', FLAT);
  await app.made('/ledger/coupons', { code: 'SOON', type: 'percentage', percentage: 5, valid_from: '2025-07-01T00:00:00Z' });
  await app.made('/ledger/coupons', { code: 'GONE', type: 'percentage', percentage: 5, valid_until: '2025-06-01T00:00:00Z' });
  await app.made('/ledger/coupons', { code: 'ONE', type: 'percentage', percentage: 5, max_redemptions: 1 });
  await app.made('/ledger/coupons', { code: 'EURO', type: 'amount', amount: { amount: 100, currency: 'eur' } });
  // Both not started and exhausted: not started is named first; a missing subscription before all.
  await app.made('/ledger/coupons', { code: 'SOONGONE', type: 'percentage', percentage: 5, valid_from: '2025-07-01T00:00:00Z', max_redemptions: 1 });
  const redeem = (code: string, body: object = { subscription_id: sub.id }, extra: Record<string, string> = {}) => app.call('POST', `/ledger/coupons/${code}/redeem`, body, extra);

  assertError(await redeem('SUMMER25', {}), 400, 'invalid_input', 'subscription_id');
  assertError(await redeem('NOPE', { subscription_id: 'sub_01hqx3qfz5ekth2h5y6z6r099x' }), 404, 'subscription_not_found', 'subscription_id');
  assertError(await redeem('NOPE'), 404, 'coupon_not_found', 'code');
  assertError(await redeem('SOON'), 400, 'coupon_not_started', 'code');
  assertError(await redeem('GONE'), 400, 'coupon_expired', 'code');
  assertError(await redeem('EURO'), 400, 'coupon_invalid', 'code');
  // The tenant in context sees only its own subscriptions.
  assertError(await redeem('SUMMER25', { subscription_id: sub.id }, { 'x-tenant-id': 'globex' }), 404, 'subscription_not_found');

  const res = await redeem('SUMMER25');
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { coupon_id: res.json().coupon_id, code: 'SUMMER25', discount_type: 'percentage', discount_value: 25, subscription_id: sub.id, applied_at: '2025-06-15T10:00:00.000Z' });
  assertError(await redeem('SUMMER25'), 409, 'already_exists', 'subscription_id');
  assert.equal((await app.call('GET', '/ledger/coupons/SUMMER25')).json().times_redeemed, 1);
  t.clock.set('2025-06-15T10:00:01.000Z');
  assert.equal((await redeem('FLAT10')).json().discount_value, 1000);

  // The cap: ONE has one redemption, which another subscription takes.
  const other = await app.made('/ledger/subscriptions', { tenant_id: 'globex', plan_id: plan.id });
  assert.equal((await redeem('ONE', { subscription_id: other.id })).statusCode, 200);
  assertError(await redeem('ONE'), 400, 'coupon_exhausted', 'code');
  assert.equal((await redeem('SOONGONE', { subscription_id: other.id })).json().error.code, 'coupon_not_started');

  // A canceled subscription gets no coupon.
  await app.made(`/ledger/subscriptions/${other.id}/cancel`, { immediately: true }, {}, 200);
  assertError(await redeem('FLAT10', { subscription_id: other.id }), 400, 'coupon_invalid', 'subscription_id');

  // The invoices' seam: a 4900 subtotal gets 25 % (1225) then $10 (1000), oldest redemption first.
  const lines = await discountLinesForSubscription(t.db, { orgId: app.orgId, mode: 'live' }, parseId('sub', sub.id)!, 4900n, 'usd');
  assert.deepEqual(lines.map((l) => [l.description, l.amount, l.currency]), [['Discount SUMMER25', -1225n, 'usd'], ['Discount FLAT10', -1000n, 'usd']]);
  // A deleted coupon keeps discounting the subscriptions that redeemed it.
  const flat = (await app.call('GET', '/ledger/coupons/FLAT10')).json();
  await app.call('DELETE', `/ledger/coupons/${flat.id}`);
  assert.equal((await discountLinesForSubscription(t.db, { orgId: app.orgId, mode: 'live' }, parseId('sub', sub.id)!, 4900n, 'usd')).length, 2);
  // The sandbox of the same app does not see live coupons.
  const sandbox = await billingApp(t, { mode: 'sandbox' });
  assertError(await sandbox.call('GET', '/ledger/coupons/SUMMER25'), 404, 'coupon_not_found');
});

test('redeem under concurrency: 100 parallel redeems of a coupon with 10 left, exactly 10 succeed', async () => {
  t.clock.set('2025-06-15T10:00:00.000Z');
  const app = await billingApp(t);
  const plan = await app.made('/ledger/plans', simplePlan('basic', 4900));
  const subs = [];
  for (let i = 0; i < 100; i++) subs.push(await app.made('/ledger/subscriptions', { tenant_id: `tenant-${i}`, plan_id: plan.id }));
  const coupon = await app.made('/ledger/coupons', { code: 'RUSH', type: 'percentage', percentage: 10, max_redemptions: 15 });
  for (const sub of subs.slice(0, 5)) assert.equal((await app.call('POST', '/ledger/coupons/RUSH/redeem', { subscription_id: sub.id })).statusCode, 200);
  const answers = await Promise.all(subs.map((sub) => app.call('POST', '/ledger/coupons/RUSH/redeem', { subscription_id: sub.id })));
  const codes = answers.map((r) => (r.statusCode === 200 ? 'ok' : r.json().error.code));
  const count = (c: string) => codes.filter((x) => x === c).length;
  // The five that already hold it are refused: exhausted when the cap was reached first, else already_exists.
  assert.equal(count('ok'), 10, JSON.stringify(codes));
  assert.equal(count('ok') + count('coupon_exhausted') + count('already_exists'), 100);
  assert.equal((await app.call('GET', `/ledger/coupons/id/${coupon.id}`)).json().times_redeemed, 15);
});
