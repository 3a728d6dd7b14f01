import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'lossless-json';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';

/**
 * Cents are exact integers in every MyCFO answer, past 2^53 too (JSON numbers written digit
 * for digit), and a projection that leaves the 64-bit range is refused, never printed as 8.98e+21.
 */

let t: TestApp;
let m: Awaited<ReturnType<typeof mycfoTenant>>;
before(async () => {
  t = await startTestApp();
  m = await mycfoTenant(t);
});
after(async () => t.close());

const MAX = 9007199254740991n; // 2^53 - 1, the largest amount one row may carry
/** The body with every number as its exact text (bigint for integers). */
const exact = (body: string): any => parse(body, null, (digits) => (/^-?\d+$/.test(digits) ? BigInt(digits) : Number(digits)));

test('metrics above 2^53 cents are exact: MRR, ARR, revenue, burn, cash', async () => {
  const ws = await m.workspace({ name: 'Big', cash_on_hand_cents: Number(MAX) });
  const revenue = [{ subtype: 'recurring', amount_cents: Number(MAX), occurred_at: '2026-02-01' }, { subtype: 'recurring', amount_cents: Number(MAX), occurred_at: '2026-02-02' }];
  assert.equal((await m.call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue })).statusCode, 202);
  const expenses = [1, 2, 3].map((d) => ({ subtype: 'recurring_expense', amount_cents: Number(MAX), occurred_at: `2026-02-0${d}` }));
  assert.equal((await m.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses })).statusCode, 202);
  const res = await m.call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`);
  assert.equal(res.statusCode, 200, res.body);
  const body = exact(res.body);
  assert.equal(body.mrr_cents, 2n * MAX);
  assert.equal(body.arr_cents, 24n * MAX);
  assert.equal(body.gross_revenue_cents_30d, 2n * MAX);
  assert.equal(body.net_revenue_cents_30d, 2n * MAX);
  assert.equal(body.burn_cents_30d, MAX);
  assert.equal(body.recurring_burn_cents_30d, MAX);
  assert.equal(body.cash_on_hand_cents, MAX);
  assert.match(res.body, /"arr_cents":216172782113783784\b/);

  const alerts = await m.call('GET', `/v1/workspaces/${ws.id}/alerts?as_of=2026-02-28`);
  assert.equal(alerts.statusCode, 200, alerts.body);
});

test('a forecast past 2^53 cents is exact, and one past the 64-bit range is refused naming the assumption', async () => {
  const ws = await m.workspace({ name: 'Growth', cash_on_hand_cents: 1000 });
  const mrr = 1000003n;
  await m.call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: Number(mrr), occurred_at: '2026-02-10' }] });
  const ok = await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { as_of: '2026-02-28', horizon_months: 12, assumptions: { mrr_growth_pct: 1000 } });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.doesNotMatch(ok.body, /e\+/i);
  const series = exact(ok.body).series.base;
  assert.equal(series.mrr_cents[11], mrr * 11n ** 12n);
  const read = await m.call('GET', `/v1/workspaces/${ws.id}/forecasts/${ok.json().id}`);
  assert.equal(exact(read.body).series.base.mrr_cents[11], mrr * 11n ** 12n, 'stored and read back exactly');

  const scenario = await m.call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: ok.json().id, delta: { type: 'hire', monthly_cost_cents: Number(MAX), start_month: '2026-03' } });
  assert.equal(scenario.statusCode, 201, scenario.body);
  assert.equal(exact(scenario.body).impact.final_cash_delta_cents, -12n * MAX);

  const tooBig = await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { as_of: '2026-02-28', horizon_months: 60, assumptions: { mrr_growth_pct: 1000 } });
  assert.equal(tooBig.statusCode, 422, tooBig.body);
  assert.equal(tooBig.json().error.param, 'assumptions.mrr_growth_pct');
  const variant = await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { as_of: '2026-02-28', horizon_months: 60, variants: { base: {}, best: { mrr_growth_pct: 1000 } } });
  assert.equal(variant.statusCode, 422, variant.body);
  assert.equal(variant.json().error.param, 'variants.best.mrr_growth_pct');
});

test('amounts above 2^53 - 1 cents on input are refused with a validation error', async () => {
  const ws = await m.workspace();
  const res = await m.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, '{"expenses":[{"subtype":"one_time_expense","amount_cents":9007199254740993,"occurred_at":"2026-02-01"}]}', { 'content-type': 'application/json' });
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().error.param, 'expenses[0].amount_cents');
});
