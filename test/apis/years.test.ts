import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { assertError, ledgyUser } from '../helpers/ledgy.ts';
import { mycfoTenant } from '../helpers/mycfo.ts';

/**
 * Dates run from 0001-01-01 to 9999-12-31 on every surface and come back as they were
 * written: years 0001–0099 are not two-digit years. Year 0000 (1 BC) is refused as a
 * validation error naming the field, never a 500.
 */

let t: TestApp;
let ledgy: Awaited<ReturnType<typeof ledgyUser>>;
let mycfo: Awaited<ReturnType<typeof mycfoTenant>>;

before(async () => {
  t = await startTestApp();
  ledgy = await ledgyUser(t);
  mycfo = await mycfoTenant(t);
});
after(async () => t.close());

const EARLY = ['0001-01-01T00:00:00Z', '0050-05-01T00:00:00Z', '0099-12-31T23:59:59Z'];

test('Ledgy REST: transactions in years 0001-0099 keep their year, written and read back', async () => {
  for (const date of EARLY) {
    const created = await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().date, date);
    const read = await ledgy.call('GET', `/api/v1/transactions/${created.json().id}`);
    assert.equal(read.json().date, date);
  }
  const plain = await ledgy.call('POST', '/api/v1/transactions', { type: 'income', amount: 1, currencyCode: 'EUR', date: '0050-01-01' });
  assert.equal(plain.json().date, '0050-01-01T00:00:00Z');
});

test('Ledgy REST: a filter in year 0050 finds the transactions of year 0050', async () => {
  const res = await ledgy.call('GET', '/api/v1/transactions?dateFrom=0050-05-01&dateTo=0050-05-01');
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().items.map((i: any) => i.date), ['0050-05-01T00:00:00Z']);
});

test('Ledgy budgets: startDate, endDate and the current period keep years 0001-0099', async () => {
  const res = await ledgy.call('POST', '/api/v1/budgets', {
    amount: 10,
    currencyCode: 'EUR',
    period: 1,
    startDate: '0050-01-01T00:00:00Z',
    endDate: '0050-12-31T00:00:00Z',
    isActive: true,
  });
  assert.equal(res.statusCode, 201, res.body);
  const b = res.json();
  assert.equal(b.startDate, '0050-01-01T00:00:00Z');
  assert.equal(b.endDate, '0050-12-31T00:00:00Z');
  assert.equal(b.periodStart, '0050-12-01T00:00:00Z');
  assert.equal(b.periodEnd, '0051-01-01T00:00:00Z');
  assert.equal((await ledgy.call('GET', `/api/v1/budgets/${b.id}`)).json().startDate, '0050-01-01T00:00:00Z');
});

test('Ledgy: year 0000 is a 400 naming the field, on transactions, budgets and filters', async () => {
  assertError(await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '0000-05-01T00:00:00Z' }), 400, /date/);
  assertError(await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '0000-05-01' }), 400, /date/);
  // A time zone that moves the instant into year 0000.
  assertError(await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '0001-01-01T00:30:00+01:00' }), 400, /date/);
  assertError(await ledgy.call('POST', '/api/v1/budgets', { amount: 10, currencyCode: 'EUR', period: 1, startDate: '0000-01-01', isActive: true }), 400, /startDate/);
  assertError(await ledgy.call('GET', '/api/v1/transactions?dateFrom=0000-01-01'), 400, /dateFrom/);
});

const mcpCall = async (name: string, args: Record<string, unknown>) => {
  const res = await t.request({
    method: 'POST',
    url: '/mcp',
    headers: { authorization: `Bearer ${ledgy.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  assert.equal(res.statusCode, 200, res.body);
  const data = res.body.split('\n').find((line) => line.startsWith('data: '));
  return JSON.parse(data ? data.slice(6) : res.body).result as { isError?: boolean; content: { text: string }[] };
};

test('Ledgy MCP: a transaction in year 0050 keeps its year; year 0000 is a tool error naming date', async () => {
  const ok = await mcpCall('create_transaction', { type: 'expense', amount: 2, currencyCode: 'EUR', date: '0050-05-01T00:00:00Z' });
  assert.ok(!ok.isError, ok.content[0].text);
  assert.equal(JSON.parse(ok.content[0].text).date, '0050-05-01T00:00:00Z');
  const bad = await mcpCall('create_transaction', { type: 'expense', amount: 2, currencyCode: 'EUR', date: '0000-05-01T00:00:00Z' });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /date/);
  assert.doesNotMatch(bad.content[0].text, /internal/i);
});

test('MyCFO: occurred_at in year 0050 is listed as 0050; year 0000 is a 422 naming the field', async () => {
  const ws = await mycfo.workspace();
  const ingested = await mycfo.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'one_time_expense', amount_cents: 5, occurred_at: '0050-01-01' }] });
  assert.equal(ingested.statusCode, 202, ingested.body);
  const list = await mycfo.call('GET', `/v1/workspaces/${ws.id}/transactions`);
  assert.equal(list.json().data[0].occurred_at, '0050-01-01T00:00:00+00:00');
  const metrics = await mycfo.call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=0050-01-10`);
  assert.equal(metrics.json().one_time_expenses_cents_30d, 5);

  const bad = await mycfo.call('POST', `/v1/workspaces/${ws.id}/ingest/expenses`, { expenses: [{ subtype: 'one_time_expense', amount_cents: 5, occurred_at: '0000-01-01' }] });
  assert.equal(bad.statusCode, 422, bad.body);
  assert.equal(bad.json().error.param, 'expenses[0].occurred_at');
  const badAsOf = await mycfo.call('GET', `/v1/workspaces/${ws.id}/metrics?as_of=0000-01-01`);
  assert.equal(badAsOf.statusCode, 422, badAsOf.body);
  assert.equal(badAsOf.json().error.param, 'as_of');
});

test('MyCFO: as_of early in year 0001 answers, with windows that start at 0001-01-01', async () => {
  const ws = await mycfo.workspace();
  for (const asOf of ['0001-01-01', '0001-01-15', '0001-02-20']) {
    for (const path of ['metrics', 'alerts', 'advisory']) {
      const res = await mycfo.call('GET', `/v1/workspaces/${ws.id}/${path}?as_of=${asOf}`);
      assert.equal(res.statusCode, 200, `${path} ${asOf}: ${res.body}`);
    }
    const forecast = await mycfo.call('POST', `/v1/workspaces/${ws.id}/forecasts`, { as_of: asOf, horizon_months: 2 });
    assert.equal(forecast.statusCode, 201, forecast.body);
    assert.equal(forecast.json().series.months[0], '0001-' + String(Number(asOf.slice(5, 7)) + 1).padStart(2, '0'));
  }
});

test('Kontor native: an entry effective in year 0050 keeps its year; year 0000 is a 400 naming effective_at', async () => {
  const { headers } = await t.tenant();
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const account = async (code: string, type: string) =>
    (await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code, name: code, type, asset: 'USD' } })).json();
  const cash = await account('cash', 'asset');
  const equity = await account('equity', 'equity');
  const entry = (effective_at: string) => ({
    ledger_id: ledger.id,
    effective_at,
    postings: [
      { account_id: cash.id, side: 'debit', amount: '1.00' },
      { account_id: equity.id, side: 'credit', amount: '1.00' },
    ],
  });
  const created = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: entry('0050-03-01') });
  assert.equal(created.statusCode, 201, created.body);
  assert.match(created.json().effective_at, /^0050-03-01T00:00:00/);
  const read = await t.request({ method: 'GET', url: `/kontor/v1/entries/${created.json().id}`, headers });
  assert.match(read.json().effective_at, /^0050-03-01T00:00:00/);
  const balance = await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}/balance?as_of=0050-03-01`, headers });
  assert.equal(balance.statusCode, 200, balance.body);

  const bad = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: entry('0000-03-01T00:00:00Z') });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.equal(bad.json().field, 'effective_at');
});

test('the last day, 9999-12-31, works in filters and budget periods (an exclusive end in year 10000 is internal)', async () => {
  const created = await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '9999-12-31T23:59:59Z' });
  assert.equal(created.statusCode, 201, created.body);
  const listed = await ledgy.call('GET', '/api/v1/transactions?dateFrom=9999-12-31&dateTo=9999-12-31');
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(listed.json().items.map((i: any) => i.date), ['9999-12-31T23:59:59Z']);
  const budget = await ledgy.call('POST', '/api/v1/budgets', { amount: 10, currencyCode: 'EUR', period: 3, startDate: '9999-01-01', isActive: true });
  assert.equal(budget.statusCode, 201, budget.body);
});
