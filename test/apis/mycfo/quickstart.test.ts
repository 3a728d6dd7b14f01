import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  t.clock.set('2026-03-01T09:00:00Z');
});
after(async () => t.close());

const json = { 'content-type': 'application/json' };

test("the reference's quickstart, step by step", async () => {
  // 1. Register
  const registered = await t.request({ method: 'POST', url: '/v1/auth/register', headers: json, payload: { org_name: 'Acme', email: 'ceo@acme.com', password: 'hunter2' } });
  assert.equal(registered.statusCode, 201, registered.body);
  const { org, access_token } = registered.json();
  assert.match(org.id, /^org_[0-9A-Z]{26}$/);
  assert.equal(org.email, 'ceo@acme.com');
  assert.match(org.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  const auth = { ...json, authorization: `Bearer ${access_token}` };

  // 2. Create workspace
  const created = await t.request({ method: 'POST', url: '/v1/workspaces', headers: auth, payload: { name: 'Acme Corp', cash_on_hand_cents: 5000000 } });
  assert.equal(created.statusCode, 201, created.body);
  const ws = created.json();
  assert.match(ws.id, /^ws_/);
  assert.equal(ws.org_id, org.id);
  assert.equal(ws.cash_on_hand_cents, 5000000);

  // 3. Ingest expenses
  const expenses = await t.request({
    method: 'POST',
    url: `/v1/workspaces/${ws.id}/ingest/expenses`,
    headers: auth,
    payload: {
      expenses: [
        { subtype: 'recurring_expense', amount_cents: 120000, occurred_at: '2026-02-01', vendor: 'AWS' },
        { subtype: 'one_time_expense', amount_cents: 500000, occurred_at: '2026-02-15', vendor: 'Design contractor' },
      ],
    },
  });
  assert.equal(expenses.statusCode, 202, expenses.body);
  assert.deepEqual({ ...expenses.json<any>(), ingest_id: 'x' }, { ingest_id: 'x', status: 'completed', inserted: 2, duplicates: 0 });
  assert.match(expenses.json().ingest_id, /^ing_/);

  // 4. Ingest recurring revenue
  const revenue = await t.request({
    method: 'POST',
    url: `/v1/workspaces/${ws.id}/ingest/revenue`,
    headers: auth,
    payload: { revenue: [{ subtype: 'recurring', amount_cents: 250000, occurred_at: '2026-02-01', description: 'Feb subscriptions' }] },
  });
  assert.equal(revenue.statusCode, 202);

  // 5. Pull metrics
  const metrics = await t.request({ method: 'GET', url: `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`, headers: auth });
  assert.equal(metrics.statusCode, 200, metrics.body);
  assert.deepEqual(metrics.json(), {
    as_of: '2026-02-28',
    currency: 'USD',
    gross_revenue_cents_30d: 250000,
    refunds_cents_30d: 0,
    net_revenue_cents_30d: 250000,
    mrr_cents: 250000,
    arr_cents: 3000000,
    burn_cents_30d: 370000, // 620000 expenses − 250000 net revenue
    recurring_burn_cents_30d: -130000, // 120000 recurring − 250000: cash-flow positive on recurring terms
    one_time_expenses_cents_30d: 500000,
    cash_on_hand_cents: 5000000,
    runway_months: null,
    warnings: [],
  });

  // 6. Run a 12-month forecast
  const forecast = await t.request({
    method: 'POST',
    url: `/v1/workspaces/${ws.id}/forecasts`,
    headers: auth,
    payload: {
      name: 'Base plan',
      horizon_months: 12,
      assumptions: { mrr_growth_pct: 6, monthly_logo_churn_pct: 2, gross_margin_pct: 85 },
      variants: { base: {}, best: { mrr_growth_pct: 9 }, worst: { mrr_growth_pct: 2 } },
    },
  });
  assert.equal(forecast.statusCode, 201, forecast.body);
  const fc = forecast.json();
  assert.match(fc.id, /^fc_/);
  assert.equal(fc.series.months.length, 12);
  assert.equal(fc.series.months[0], '2026-04');
  assert.deepEqual(Object.keys(fc.series).sort(), ['base', 'best', 'months', 'worst']);
  assert.equal(fc.series.base.mrr_cents[0], 265000);

  // 7. What-if: 10% price increase
  const scenario = await t.request({
    method: 'POST',
    url: `/v1/workspaces/${ws.id}/scenarios`,
    headers: auth,
    payload: { name: 'Price +10%', baseline_forecast_id: fc.id, delta: { type: 'price_change', pct: 0.1 } },
  });
  assert.equal(scenario.statusCode, 201, scenario.body);
  const sc = scenario.json();
  assert.ok(sc.impact.final_cash_delta_cents > 0);
  assert.ok(sc.impact.final_mrr_cents > fc.series.base.mrr_cents[11]);

  // 8. Check alerts
  const alerts = await t.request({ method: 'GET', url: `/v1/workspaces/${ws.id}/alerts`, headers: auth });
  assert.equal(alerts.statusCode, 200, alerts.body);
  assert.ok(Array.isArray(alerts.json().data));
});
