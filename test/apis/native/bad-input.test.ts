import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
let headers: Record<string, string>;
let ledger: any;
let cash: any;
let equity: any;
let jpy: any;

before(async () => {
  t = await startTestApp();
  ({ headers } = await t.tenant());
  ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const account = async (code: string, type: string, asset = 'USD') =>
    (await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code, name: code, type, asset } })).json();
  cash = await account('cash', 'asset');
  equity = await account('equity', 'equity');
  jpy = await account('jpy', 'asset', 'JPY');
});
after(async () => t.close());

const counts = async () =>
  (await t.db.query<{ entries: number; postings: number }>(
    'SELECT (SELECT count(*)::int FROM entries) AS entries, (SELECT count(*)::int FROM postings) AS postings',
  ))[0];

const entry = (amountDebit: unknown, amountCredit: unknown = amountDebit, extra: object = {}) => ({
  ledger_id: ledger.id,
  postings: [
    { account_id: cash.id, side: 'debit', amount: amountDebit },
    { account_id: equity.id, side: 'credit', amount: amountCredit },
  ],
  ...extra,
});

async function expectProblem(
  options: Parameters<TestApp['request']>[0],
  status: number,
  check: { field?: string; type?: string; detail?: RegExp },
) {
  const before = await counts();
  const res = await t.request(options);
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const body = res.json();
  assert.equal(body.status, status);
  assert.equal(body.request_id, res.headers['x-request-id']);
  if (check.field !== undefined) assert.equal(body.field, check.field);
  if (check.type) assert.equal(body.type, `https://kontor.dev/problems/${check.type}`);
  if (check.detail) assert.match(body.detail, check.detail);
  assert.deepEqual(await counts(), before, 'nothing is written');
  return body;
}

const post = (payload: unknown, extraHeaders: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/kontor/v1/entries',
  headers: { ...headers, ...extraHeaders },
  payload: payload as any,
});

test('malformed JSON is a 400 problem', async () => {
  await expectProblem(post('{"ledger_id": ', { 'content-type': 'application/json' }), 400, { type: 'malformed-json' });
});

test('an empty JSON body is a 400 problem', async () => {
  await expectProblem(post('', { 'content-type': 'application/json' }), 400, { type: 'malformed-json' });
});

test('wrong types name the field', async () => {
  await expectProblem(post(entry(12.5)), 400, { field: 'postings[0].amount', type: 'validation' });
  await expectProblem(post({ ...entry('1'), postings: 'x' }), 400, { field: 'postings' });
  await expectProblem(post({ ...entry('1'), ledger_id: 42 }), 400, { field: 'ledger_id' });
  await expectProblem(post({ ...entry('1'), color: 'red' }), 400, { field: 'color', detail: /not a known field/ });
});

test('a missing field is named', async () => {
  const { ledger_id: _, ...rest } = entry('1');
  await expectProblem(post(rest), 400, { field: 'ledger_id', detail: /required/ });
});

test('an unbalanced entry is refused', async () => {
  await expectProblem(post(entry('1.00', '0.99')), 422, { field: 'postings', type: 'unbalanced' });
});

test('an unknown currency is refused', async () => {
  await expectProblem(
    { method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code: 'x', name: 'x', type: 'asset', asset: 'ABC' } },
    400,
    { field: 'asset', detail: /unknown currency/ },
  );
});

test('more decimals than the asset scale are refused', async () => {
  await expectProblem(post(entry('1.001')), 400, { field: 'postings[0].amount', detail: /more than 2 decimal/ });
  await expectProblem(
    post({ ledger_id: ledger.id, postings: [{ account_id: jpy.id, side: 'debit', amount: '1.5' }, { account_id: jpy.id, side: 'credit', amount: '1.5' }] }),
    400,
    { field: 'postings[0].amount' },
  );
});

test('amounts beyond a 64-bit integer are refused', async () => {
  await expectProblem(post(entry('92233720368547758.08')), 400, { field: 'postings[0].amount', detail: /too large/ });
});

test('a zero amount is refused', async () => {
  await expectProblem(post(entry('0.00')), 400, { field: 'postings[0].amount' });
});

test('a 10 MB body is refused with 413', async () => {
  const huge = JSON.stringify({ ...entry('1'), description: 'x'.repeat(10 * 1024 * 1024) });
  await expectProblem(post(huge, { 'content-type': 'application/json' }), 413, { type: 'body-too-large' });
});

test('a body that is not JSON is a 415', async () => {
  await expectProblem(post('a=b', { 'content-type': 'application/x-www-form-urlencoded' }), 415, { type: 'unsupported-media-type' });
});

test("another tenant's ids answer not found and change nothing", async () => {
  const other = await t.tenant();
  await expectProblem({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}`, headers: other.headers }, 404, { type: 'not-found' });
  await expectProblem({ method: 'GET', url: `/kontor/v1/ledgers/${ledger.id}`, headers: other.headers }, 404, {});
  await expectProblem({ method: 'POST', url: '/kontor/v1/entries', headers: other.headers, payload: entry('1') }, 404, { field: 'ledger_id' });
  await expectProblem({ method: 'DELETE', url: `/kontor/v1/ledgers/${ledger.id}`, headers: other.headers }, 404, {});
});

test('unknown ids and malformed ids answer not found', async () => {
  await expectProblem({ method: 'GET', url: '/kontor/v1/entries/ent_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A', headers }, 404, {});
  await expectProblem({ method: 'GET', url: '/kontor/v1/accounts/nope', headers }, 400, { field: 'id' });
});

test('an unknown route is a problem in the native envelope', async () => {
  await expectProblem({ method: 'GET', url: '/kontor/v1/nothing-here', headers }, 404, { type: 'route-not-found' });
  await expectProblem({ method: 'GET', url: '/nothing-here' }, 404, { type: 'route-not-found' });
});
