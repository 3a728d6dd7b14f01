import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';
import { parseId } from '../../../src/platform/ids.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ JWT_ACCESS_TTL_SECONDS: '600' });
  t.clock.set('2026-03-01T09:00:00Z');
});
after(async () => t.close());

function assertError(res: { statusCode: number; body: string; headers: Record<string, any> }, status: number, type: string, code?: string, param?: string | null) {
  assert.equal(res.statusCode, status, res.body);
  const { error } = JSON.parse(res.body);
  assert.equal(error.type, type);
  if (code) assert.equal(error.code, code);
  if (param !== undefined) assert.equal(error.param, param);
  assert.equal(error.request_id, res.headers['x-request-id']);
  assert.equal(typeof error.message, 'string');
}

const countRows = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cfo_transactions'))[0].n;

test('register: 201, duplicate email 409, bad input 422', async () => {
  const email = 'dup@acme.test';
  await mycfoTenant(t, email);
  assertError(await t.request({ method: 'POST', url: '/v1/auth/register', payload: { org_name: 'X', email: 'DUP@acme.test', password: 'hunter22' } }), 409, 'conflict', 'email_taken');
  assertError(await t.request({ method: 'POST', url: '/v1/auth/register', payload: { email: 'a@b.co', password: 'hunter22' } }), 422, 'invalid_request', 'missing_field', 'org_name');
  assertError(await t.request({ method: 'POST', url: '/v1/auth/register', payload: { org_name: 'X', email: 'not-an-email', password: 'hunter22' } }), 422, 'invalid_request', undefined, 'email');
});

test('login: 200; wrong password and unknown email answer the same 401', async () => {
  const email = 'login@acme.test';
  await mycfoTenant(t, email);
  const ok = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'hunter2' } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().org.email, email);
  const wrong = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email, password: 'hunter3' } });
  const unknown = await t.request({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@acme.test', password: 'hunter2' } });
  assertError(wrong, 401, 'authentication_error', 'invalid_credentials');
  assert.deepEqual({ ...wrong.json().error, request_id: 0 }, { ...unknown.json().error, request_id: 0 });
});

test('tokens: missing, tampered, expired, or for another surface are 401', async () => {
  const { token } = await mycfoTenant(t);
  const list = (authorization?: string) => t.request({ method: 'GET', url: '/v1/workspaces', headers: authorization ? { authorization } : {} });
  assert.equal((await list(`Bearer ${token}`)).statusCode, 200);
  assertError(await list(), 401, 'authentication_error');
  const [h, p, s] = token.split('.');
  assertError(await list(`Bearer ${h}.${p}.${s.slice(0, -2)}xx`), 401, 'authentication_error');
  const other = await new SignJWT({ org: 'x' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setAudience('mycfo').setIssuer('kontor').setExpirationTime('1h').sign(new TextEncoder().encode('a'.repeat(32)));
  assertError(await list(`Bearer ${other}`), 401, 'authentication_error');
  const ledgyToken = await t.core.sessions.sign({ orgId: 'x', userId: 'u', surface: 'ledgy' });
  assertError(await list(`Bearer ${ledgyToken}`), 401, 'authentication_error');
  t.clock.advance(601_000);
  assertError(await list(`Bearer ${token}`), 401, 'authentication_error');
  t.clock.advance(-601_000);
});

test('malformed JSON is 400 invalid_request', async () => {
  const { headers } = await mycfoTenant(t);
  const res = await t.request({ method: 'POST', url: '/v1/workspaces', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"name":' });
  assertError(res, 400, 'invalid_request', 'malformed_json');
});

test('workspaces: create, list with cursors, get, patch only what is given, delete', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const a = await workspace({ name: 'A' });
  const b = await workspace({ name: 'B', cash_on_hand_cents: 100, currency: 'EUR' });
  const c = await workspace({ name: 'C' });
  assert.equal(a.currency, 'USD');
  assert.equal(a.cash_on_hand_cents, null);
  const first = (await call('GET', '/v1/workspaces?limit=2')).json();
  assert.deepEqual(first.data.map((w: any) => w.name), ['C', 'B']);
  assert.equal(first.has_more, true);
  const second = (await call('GET', `/v1/workspaces?limit=2&starting_after=${first.data[1].id}`)).json();
  assert.deepEqual(second.data.map((w: any) => w.name), ['A']);
  assert.equal(second.has_more, false);
  assertError(await call('GET', '/v1/workspaces?limit=101'), 422, 'invalid_request', undefined, 'limit');
  assertError(await call('GET', '/v1/workspaces?limit=0'), 422, 'invalid_request');

  const renamed = (await call('PATCH', `/v1/workspaces/${b.id}`, { name: 'B2' })).json();
  assert.equal(renamed.cash_on_hand_cents, 100, 'cash untouched when absent');
  const cleared = (await call('PATCH', `/v1/workspaces/${b.id}`, { cash_on_hand_cents: null })).json();
  assert.equal(cleared.cash_on_hand_cents, null);
  assert.equal(cleared.name, 'B2');

  assert.equal((await call('DELETE', `/v1/workspaces/${c.id}`)).statusCode, 204);
  assertError(await call('GET', `/v1/workspaces/${c.id}`), 404, 'not_found');
});

test('deleting a workspace removes its rows, forecasts, scenarios and alerts in one go', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: 100, occurred_at: '2026-02-01' }] });
  const fc = (await call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 2 })).json();
  await call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: fc.id, delta: { type: 'churn_change', delta_pp: 1 } });
  await call('GET', `/v1/workspaces/${ws.id}/alerts`);
  assert.equal((await call('DELETE', `/v1/workspaces/${ws.id}`)).statusCode, 204);
  const wsId = parseId('ws', ws.id);
  for (const table of ['cfo_transactions', 'cfo_ingests', 'cfo_forecasts', 'cfo_scenarios', 'cfo_alerts']) {
    const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [wsId]);
    assert.equal(n, 0, table);
  }
  assert.equal((await t.db.query('SELECT 1 FROM cfo_workspaces WHERE id = $1', [wsId])).length, 0);
  const log = await t.db.query(`SELECT action FROM audit_log WHERE action = 'ledger.purged'`);
  assert.ok(log.length >= 1);
});

test('ingest: one bad row is 422 naming its index and field, and nothing is written', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const before = await countRows();
  const rows = (bad: object) => ({ expenses: [{ subtype: 'recurring_expense', amount_cents: 100, occurred_at: '2026-02-01' }, { subtype: 'recurring_expense', amount_cents: 100, occurred_at: '2026-02-01', ...bad }] });
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, rows({ subtype: 'salary' })), 422, 'invalid_request', undefined, 'expenses[1].subtype');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, rows({ amount_cents: -5 })), 422, 'invalid_request', undefined, 'expenses[1].amount_cents');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, rows({ amount_cents: 10.5 })), 422, 'invalid_request', undefined, 'expenses[1].amount_cents');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, rows({ occurred_at: '2026-02-30' })), 422, 'invalid_request', undefined, 'expenses[1].occurred_at');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, rows({ currency: 'EUR' })), 422, 'invalid_request', 'currency_mismatch', 'expenses[1].currency');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ amount_cents: 1, occurred_at: '2026-02-01' }] }), 422, 'invalid_request', 'missing_field', 'expenses[0].subtype');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring_expense', amount_cents: 1, occurred_at: '2026-02-01' }] }), 422, 'invalid_request', undefined, 'revenue[0].subtype');
  assert.equal(await countRows(), before);
});

test('ingest: external_id dedups across calls and within a call; a known id with another amount changes nothing', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const first = (await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, {
    expenses: [
      { subtype: 'recurring_expense', amount_cents: 120000, occurred_at: '2026-02-01', vendor: 'AWS', external_id: 'aws-feb-2026' },
      { subtype: 'recurring_expense', amount_cents: 999, occurred_at: '2026-02-01', vendor: 'AWS', external_id: 'aws-feb-2026' },
    ],
  })).json();
  assert.equal(first.inserted, 1);
  assert.equal(first.duplicates, 1);
  const again = (await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, {
    expenses: [{ subtype: 'recurring_expense', amount_cents: 5, occurred_at: '2026-02-02', external_id: 'aws-feb-2026' }],
  })).json();
  assert.deepEqual([again.inserted, again.duplicates], [0, 1]);
  // The same id is free for the other kind.
  const revenue = (await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'one_time', amount_cents: 5, occurred_at: '2026-02-02', external_id: 'aws-feb-2026' }] })).json();
  assert.equal(revenue.inserted, 1);
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`)).json();
  assert.equal(m.recurring_burn_cents_30d, 120000 - 5);
});

test('concurrent ingest of the same external ids from 10 clients inserts each once', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const body = { revenue: Array.from({ length: 20 }, (_, i) => ({ subtype: 'recurring', amount_cents: 100, occurred_at: '2026-02-10', external_id: `sub-${i}` })) };
  const results = await Promise.all(Array.from({ length: 10 }, () => call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, body)));
  assert.ok(results.every((r) => r.statusCode === 202), results.map((r) => r.body).join('\n'));
  assert.equal(results.reduce((sum, r) => sum + r.json().inserted, 0), 20);
  assert.equal(results.reduce((sum, r) => sum + r.json().duplicates, 0), 180);
  const m = (await call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=2026-02-28`)).json();
  assert.equal(m.mrr_cents, 2000);
});

test('transactions list: filters and cursor pagination, newest first', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'recurring_expense', amount_cents: 1, occurred_at: '2026-01-05' }, { subtype: 'one_time_expense', amount_cents: 2, occurred_at: '2026-02-05' }] });
  await call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'one_time', amount_cents: 3, occurred_at: '2026-02-06' }] });
  const all = (await call('GET', `/v1/workspaces/${ws.id}/transactions`)).json();
  assert.deepEqual(all.data.map((r: any) => r.amount_cents), [3, 2, 1]);
  assert.deepEqual((await call('GET', `/v1/workspaces/${ws.id}/transactions?kind=expense`)).json().data.map((r: any) => r.amount_cents), [2, 1]);
  assert.deepEqual((await call('GET', `/v1/workspaces/${ws.id}/transactions?from=2026-02-01&to=2026-02-05`)).json().data.map((r: any) => r.amount_cents), [2]);
  const page1 = (await call('GET', `/v1/workspaces/${ws.id}/transactions?limit=2`)).json();
  const page2 = (await call('GET', `/v1/workspaces/${ws.id}/transactions?limit=2&starting_after=${page1.data[1].id}`)).json();
  assert.deepEqual([...page1.data, ...page2.data].map((r: any) => r.amount_cents), [3, 2, 1]);
  assert.equal(page2.has_more, false);
});

test("another org's workspace is 404 on every route, and nothing leaks", async () => {
  const a = await mycfoTenant(t);
  const b = await mycfoTenant(t);
  const ws = await a.workspace();
  const fc = (await a.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 1 })).json();
  for (const [method, url, body] of [
    ['GET', `/v1/workspaces/${ws.id}`],
    ['PATCH', `/v1/workspaces/${ws.id}`, { name: 'x' }],
    ['DELETE', `/v1/workspaces/${ws.id}`],
    ['POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: 1, occurred_at: '2026-02-01' }] }],
    ['GET', `/v1/workspaces/${ws.id}/metrics`],
    ['GET', `/v1/workspaces/${ws.id}/transactions`],
    ['GET', `/v1/workspaces/${ws.id}/forecasts`],
    ['GET', `/v1/workspaces/${ws.id}/forecasts/${fc.id}`],
    ['GET', `/v1/workspaces/${ws.id}/alerts`],
  ] as const) {
    assertError(await b.call(method as any, url, body), 404, 'not_found');
  }
  assert.equal((await a.call('GET', `/v1/workspaces/${ws.id}`)).statusCode, 200);
});

test('Idempotency-Key on POST and PATCH: same body replays, other body is 409', async () => {
  const { call } = await mycfoTenant(t);
  const one = await call('POST', '/v1/workspaces', { name: 'Idem' }, { 'idempotency-key': 'ws-1' });
  const two = await call('POST', '/v1/workspaces', { name: 'Idem' }, { 'idempotency-key': 'ws-1' });
  assert.equal(two.statusCode, 201);
  assert.equal(two.body, one.body);
  assert.equal(two.headers['idempotent-replayed'], 'true');
  assertError(await call('POST', '/v1/workspaces', { name: 'Other' }, { 'idempotency-key': 'ws-1' }), 409, 'conflict', 'idempotency_key_reused');
  const list = (await call('GET', '/v1/workspaces')).json();
  assert.equal(list.data.filter((w: any) => w.name === 'Idem').length, 1);
  const ws = one.json();
  const p1 = await call('PATCH', `/v1/workspaces/${ws.id}`, { cash_on_hand_cents: 5 }, { 'idempotency-key': 'p-1' });
  const p2 = await call('PATCH', `/v1/workspaces/${ws.id}`, { cash_on_hand_cents: 5 }, { 'idempotency-key': 'p-1' });
  assert.equal(p2.body, p1.body);
});

test('an unexpected failure is 500 api_error without internals', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const original = t.core.ledger.periodTotals;
  t.core.ledger.periodTotals = async () => {
    throw new Error('relation "secret_table" does not exist');
  };
  try {
    const res = await call('GET', `/v1/workspaces/${ws.id}/metrics`);
    assertError(res, 500, 'api_error', 'internal_error');
    assert.doesNotMatch(res.body, /secret_table/);
  } finally {
    t.core.ledger.periodTotals = original;
  }
});

test('forecasts: validation, list without series, get, delete; scenarios likewise', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace({ name: 'F' });
  assertError(await call('POST', `/v1/workspaces/${ws.id}/forecasts`, {}), 422, 'invalid_request', 'missing_field', 'horizon_months');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 61 }), 422, 'invalid_request', undefined, 'horizon_months');
  const created = await call('POST', `/v1/workspaces/${ws.id}/forecasts`, { horizon_months: 3, as_of: '2026-02-28' });
  assert.equal(created.statusCode, 201);
  const fc = created.json();
  assert.deepEqual(fc.series.months, ['2026-03', '2026-04', '2026-05']);
  assert.deepEqual(fc.series.base.cash_cents, [null, null, null], 'no cash set: cash is null');
  assert.equal(fc.warnings[0].code, 'missing_cash');
  const list = (await call('GET', `/v1/workspaces/${ws.id}/forecasts`)).json();
  assert.deepEqual(Object.keys(list.data[0]).sort(), ['as_of', 'created_at', 'horizon_months', 'id', 'name']);
  assert.equal((await call('GET', `/v1/workspaces/${ws.id}/forecasts/${fc.id}`)).json().id, fc.id);

  assertError(await call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: fc.id, delta: { type: 'layoffs' } }), 422, 'invalid_request');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: fc.id, delta: { type: 'hire', monthly_cost_cents: 5 } }), 422, 'invalid_request');
  assertError(await call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: 'fc_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A', delta: { type: 'churn_change', delta_pp: 1 } }), 404, 'not_found', undefined, 'baseline_forecast_id');
  const sc = (await call('POST', `/v1/workspaces/${ws.id}/scenarios`, { baseline_forecast_id: fc.id, delta: { type: 'hire', monthly_cost_cents: 1200000, start_month: '2026-04' } })).json();
  assert.equal(sc.impact.final_cash_delta_cents, null);
  const scList = (await call('GET', `/v1/workspaces/${ws.id}/scenarios`)).json();
  assert.equal(scList.data[0].series, undefined);
  assert.deepEqual(scList.data[0].delta, { type: 'hire', monthly_cost_cents: 1200000, start_month: '2026-04' });
  assert.equal((await call('DELETE', `/v1/workspaces/${ws.id}/scenarios/${sc.id}`)).statusCode, 204);
  assert.equal((await call('DELETE', `/v1/workspaces/${ws.id}/forecasts/${fc.id}`)).statusCode, 204);
  assertError(await call('GET', `/v1/workspaces/${ws.id}/forecasts/${fc.id}`), 404, 'not_found');
});

test('alerts are evaluated at as_of and replace the stored set', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace({ name: 'Alerts', cash_on_hand_cents: 100000 });
  await call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'recurring_expense', amount_cents: 50000, occurred_at: '2026-02-10' }] });
  const critical = (await call('GET', `/v1/workspaces/${ws.id}/alerts?as_of=2026-02-28`)).json();
  assert.deepEqual(critical.data.map((a: any) => [a.type, a.severity]), [['runway_low', 'critical']]);
  assert.deepEqual(critical.data[0].payload, { runway_months: 2 });
  const later = (await call('GET', `/v1/workspaces/${ws.id}/alerts?as_of=2026-06-30`)).json();
  assert.deepEqual(later.data, []);
  const [{ n }] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cfo_alerts a JOIN cfo_workspaces w ON w.org_id = a.org_id AND w.id = a.workspace_id WHERE w.name = $1', ['Alerts']);
  assert.equal(n, 0);
});

test('Idempotency-Key on register: the org is made once; its answer holds a token, so a replay is 409, never the token again; another body is 409', async () => {
  const body = { org_name: 'Idem', email: 'idem@acme.test', password: 'hunter2' };
  const first = await t.request({ method: 'POST', url: '/v1/auth/register', headers: { 'idempotency-key': 'reg-1' }, payload: body });
  const again = await t.request({ method: 'POST', url: '/v1/auth/register', headers: { 'idempotency-key': 'reg-1' }, payload: body });
  assert.equal(first.statusCode, 201);
  assertError(again, 409, 'conflict', 'idempotency_key_reused');
  assert.ok(!again.body.includes(first.json().access_token));
  const [{ n }] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE lower(email) = 'idem@acme.test'`);
  assert.equal(n, 1);
  assertError(
    await t.request({ method: 'POST', url: '/v1/auth/register', headers: { 'idempotency-key': 'reg-1' }, payload: { ...body, email: 'other@acme.test' } }),
    409,
    'conflict',
    'idempotency_key_reused',
  );
});

test('the OpenAPI 3.1 document lists the reference paths', async () => {
  const doc = (await t.request({ method: 'GET', url: '/openapi/mycfo.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of [
    '/v1/auth/register', '/v1/auth/login', '/v1/workspaces', '/v1/workspaces/{id}', '/v1/workspaces/{id}/ingest/expenses',
    '/v1/workspaces/{id}/ingest/revenue', '/v1/workspaces/{id}/ingest/stripe', '/v1/workspaces/{id}/metrics', '/v1/workspaces/{id}/forecasts',
    '/v1/workspaces/{id}/forecasts/{forecast_id}', '/v1/workspaces/{id}/scenarios', '/v1/workspaces/{id}/scenarios/{scenario_id}', '/v1/workspaces/{id}/alerts',
    '/v1/workspaces/{id}/advisory',
  ]) {
    assert.ok(doc.paths[path], `missing ${path}`);
  }
});
