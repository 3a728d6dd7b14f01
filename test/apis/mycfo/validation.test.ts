import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';

/** MyCFO validation answers: the reference's envelope, the field actually at fault, no policy leaks. */

let t: TestApp;
let m: Awaited<ReturnType<typeof mycfoTenant>>;
before(async () => {
  t = await startTestApp();
  m = await mycfoTenant(t);
});
after(async () => t.close());

function assertInvalid(res: { statusCode: number; body: string; json: () => any }, param: string) {
  assert.equal(res.statusCode, 422, res.body);
  assert.equal(res.json().error.type, 'invalid_request');
  assert.equal(res.json().error.param, param, res.body);
}

test('a validation error has the type invalid_request, as the reference example', async () => {
  const res = await t.request({ method: 'POST', url: '/v1/auth/register', payload: { email: 'a@b.co', password: 'hunter22' } });
  assertInvalid(res, 'org_name');
  assert.equal(res.json().error.code, 'missing_field');
});

test('scenario validation names the field at fault, whatever the delta type', async () => {
  const ws = await m.workspace();
  const fc = (await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 3 })).json();
  const scenario = (delta: unknown) => m.call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: fc.id, delta });
  assertInvalid(await scenario({ type: 'churn_change', delta_pp: 500 }), 'delta.delta_pp');
  assertInvalid(await scenario({ type: 'churn_change' }), 'delta.delta_pp');
  assertInvalid(await scenario({ type: 'hire', monthly_cost_cents: 100, start_month: '2026-13' }), 'delta.start_month');
  assertInvalid(await scenario({ type: 'hire', monthly_cost_cents: -1, start_month: '2026-04' }), 'delta.monthly_cost_cents');
  assertInvalid(await scenario({ type: 'hire', monthly_cost_cents: 100 }), 'delta.start_month');
  assertInvalid(await scenario({ type: 'bogus', pct: 0.1 }), 'delta.type');
  assertInvalid(await scenario({ pct: 0.1 }), 'delta.type');
  assertInvalid(await scenario({ type: 'price_change', pct: 50 }), 'delta.pct');
  assertInvalid(await scenario({ type: 'price_change', pct: 0.1, extra: 1 }), 'delta.extra');
  assert.equal((await scenario({ type: 'price_change', pct: 0.1 })).statusCode, 201);
});

test('null is accepted for every optional ingest field', async () => {
  const ws = await m.workspace();
  const expenses = await m.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, {
    expenses: [{ subtype: 'recurring_expense', amount_cents: 100, occurred_at: '2026-02-01', vendor: null, external_id: null, currency: null }],
  });
  assert.equal(expenses.statusCode, 202, expenses.body);
  const revenue = await m.call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, {
    revenue: [{ subtype: 'recurring', amount_cents: 100, occurred_at: '2026-02-01', description: null, external_id: null, currency: null }],
  });
  assert.equal(revenue.statusCode, 202, revenue.body);
  const listed = (await m.call('GET', `/v1/workspaces/${ws.id}/transactions`)).json().data;
  assert.equal(listed.length, 2);
  for (const row of listed) assert.equal(row.currency, 'USD');
});

test('a log-in with a wrong password is 401 whatever its length (the password policy is not revealed)', async () => {
  for (const password of ['x', 'abc12', '', 'a much longer wrong password']) {
    const res = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email: m.email, password } });
    assert.equal(res.statusCode, 401, `${JSON.stringify(password)}: ${res.body}`);
    assert.equal(res.json().error.type, 'authentication_error');
  }
  const unknown = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@acme.test', password: 'x' } });
  assert.equal(unknown.statusCode, 401, unknown.body);
  const ok = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email: m.email, password: 'hunter2' } });
  assert.equal(ok.statusCode, 200, ok.body);
});

test('whitespace-only names are refused, naming the field', async () => {
  for (const blank of [' ', '   ', '\t\n', '\u00a0\u2003']) {
    assertInvalid(await t.request({ method: 'POST', url: '/v1/auth/register', payload: { org_name: blank, email: `b${Math.random()}@acme.test`, password: 'hunter2' } }), 'org_name');
    assertInvalid(await m.call('POST', '/v1/workspaces', { name: blank }), 'name');
  }
  const ws = await m.workspace();
  assertInvalid(await m.call('PATCH', `/v1/workspaces/${ws.id}`, { name: '  ' }), 'name');
  assertInvalid(await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { name: '  ', horizon_months: 3 }), 'name');
  const fc = (await m.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 3 })).json();
  assertInvalid(await m.call('POST', `/v1/workspaces/${ws.id}/scenarios`, { name: ' ', baseline_forecast_id: fc.id, delta: { type: 'price_change', pct: 0.1 } }), 'name');
  const kept = await m.call('POST', '/v1/workspaces', { name: ' Acme  Corp ' });
  assert.equal(kept.statusCode, 201, 'a name with text is kept as written');
  assert.equal(kept.json().name, ' Acme  Corp ');
});

test('runway alerts compare the exact runway and show it rounded', async () => {
  const cases: [number, string[]][] = [
    [5996, ['runway_low:warn']], // 5.996 months: shown as 6, still below 6
    [6000, []],
    [2996, ['runway_low:critical']], // 2.996: shown as 3, still below 3
    [3000, ['runway_low:warn']],
  ];
  for (const [cash, expected] of cases) {
    const ws = await m.workspace({ name: `cash ${cash}`, cash_on_hand_cents: cash });
    await m.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'recurring_expense', amount_cents: 1000, occurred_at: '2026-02-10' }] });
    const alerts = (await m.call('GET', `/v1/workspaces/${ws.id}/alerts?as_of=2026-02-28`)).json().data;
    assert.deepEqual(alerts.map((a: any) => `${a.type}:${a.severity}`), expected, `cash ${cash}`);
    const metrics = (await m.call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`)).json();
    assert.equal(metrics.runway_months, Math.round(cash / 10) / 100);
    if (alerts[0]) assert.equal(alerts[0].payload.runway_months, metrics.runway_months);
  }
});
