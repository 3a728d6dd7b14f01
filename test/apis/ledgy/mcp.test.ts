import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { setSubscription } from '../../../src/ledgy/users.ts';

let t: TestApp;
let base: string;
const clients: Client[] = [];
before(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  assert.ok(address && typeof address === 'object');
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await t.close();
});

let counter = 0;

/** A registered Ledgy user, its session token, a REST caller (JSON text as given) and a PAT minter. */
async function ledgyUser() {
  const email = `mcp${++counter}-${Math.random().toString(36).slice(2, 8)}@ledgy.test`;
  const res = await t.request({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'correct horse', name: 'MCP User' } });
  assert.equal(res.statusCode, 201, res.body);
  const token: string = res.json().accessToken;
  const rest = (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    t.request({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const pat = async (scopes: string[], extra: object = {}) => {
    const r = await rest('POST', '/api/auth/tokens', { name: 'mcp test', scopes, ...extra });
    assert.equal(r.statusCode, 201, r.body);
    return { token: r.json().token as string, id: r.json().id as string };
  };
  const account = async (body: object = {}) => {
    const r = await rest('POST', '/api/v1/accounts', { name: 'Wise EUR', currencyCode: 'EUR', initialBalance: 0, order: 0, ...body });
    assert.equal(r.statusCode, 201, r.body);
    return r.json() as { id: string };
  };
  return { email, token, rest, pat, account };
}


async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'kontor-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(base + '/mcp'), { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Calls a tool; returns its text, the parsed JSON (when it is JSON) and whether it is an error. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result: any = await client.callTool({ name, arguments: args });
  const text: string = result.content?.[0]?.text ?? '';
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { text, json, isError: result.isError === true, structured: result.structuredContent };
}

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const post = (headers: Record<string, string>, body = initialize) =>
  fetch(base + '/mcp', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body });

test('listTools shows the seven Ledgy tools with their input schemas', async () => {
  const u = await ledgyUser();
  const client = await connect(u.token);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ['create_transaction', 'create_transfer', 'list_accounts', 'list_group_invitations', 'list_transactions', 'respond_to_group_invitation', 'spending_by_category']);
  const list = tools.find((x) => x.name === 'list_transactions')!;
  for (const field of ['type', 'dateFrom', 'dateTo', 'categoryId', 'accountId', 'groupId', 'limit', 'cursor', 'query']) {
    assert.ok(field in (list.inputSchema.properties ?? {}), field);
  }
  const create = tools.find((x) => x.name === 'create_transaction')!;
  assert.deepEqual([...(create.inputSchema.required ?? [])].sort(), ['amount', 'currencyCode', 'date', 'type']);
  const spending = tools.find((x) => x.name === 'spending_by_category')!;
  assert.deepEqual([...(spending.inputSchema.required ?? [])].sort(), ['dateFrom', 'dateTo']);
});

test('create_transaction, then the row via REST and via list_transactions; money exact both ways', async () => {
  const u = await ledgyUser();
  const acc = await u.account();
  const client = await connect(u.token);

  const fromString = await call(client, 'create_transaction', {
    type: 'expense',
    amount: '12.50',
    currencyCode: 'EUR',
    date: '2026-05-12',
    accountId: acc.id,
    categoryId: 'cat_groceries',
    payee: 'Corner Shop',
    note: 'weekly groceries',
  });
  assert.equal(fromString.isError, false, fromString.text);
  assert.match(fromString.text, /"amount":12\.5,/);
  assert.equal(fromString.json.payee, 'Corner Shop');
  assert.equal(fromString.json.date, '2026-05-12T00:00:00Z');
  assert.equal(fromString.json.accountId, acc.id);
  assert.equal(fromString.json.categoryId, 'cat_groceries');
  assert.deepEqual(fromString.structured, fromString.json);

  const fromNumber = await call(client, 'create_transaction', { type: 'income', amount: 12.3456, currencyCode: 'EUR', date: '2026-05-13T10:30:00Z', accountId: acc.id });
  assert.equal(fromNumber.isError, false, fromNumber.text);
  assert.match(fromNumber.text, /"amount":12\.3456,/);

  // The largest amount keeps every digit; past it (as on REST) is refused, naming the field.
  const big = await call(client, 'create_transaction', { type: 'income', amount: '99999999999.9999', currencyCode: 'EUR', date: '2026-05-13' });
  assert.equal(big.isError, false, big.text);
  assert.match(big.text, /"amount":99999999999\.9999,/);
  const tooBig = await call(client, 'create_transaction', { type: 'income', amount: '123456789012345.6789', currencyCode: 'EUR', date: '2026-05-13' });
  assert.equal(tooBig.isError, true);
  assert.match(tooBig.text, /amount/);

  const rest = await u.rest('GET', '/api/v1/transactions?limit=10');
  assert.equal(rest.statusCode, 200);
  assert.equal(rest.json().totalCount, 3);
  assert.match(rest.body, new RegExp(`"id":"${fromString.json.id}","type":"expense","amount":12\\.5,`));
  assert.match(rest.body, /"amount":12\.3456,/);
  assert.match(rest.body, /"amount":99999999999\.9999,/);

  const listed = await call(client, 'list_transactions', {});
  assert.equal(listed.isError, false, listed.text);
  assert.equal(listed.json.totalCount, 3);
  assert.equal(listed.json.nextCursor, null);
  assert.deepEqual(
    listed.json.items.map((x: any) => x.id),
    rest.json().items.map((x: any) => x.id),
  );

  const accounts = await call(client, 'list_accounts');
  assert.equal(accounts.isError, false, accounts.text);
  assert.equal(accounts.json.totalCount, 1);
  // 0 - 12.5 + 12.3456 (the big income has no account)
  assert.match(accounts.text, /"currentBalance":-0\.1544,/);
});

test('list_transactions: query searches payee and note, filters and the cursor work', async () => {
  const u = await ledgyUser();
  const acc = await u.account();
  const client = await connect(u.token);
  const rows = [
    { payee: 'Blue Bottle Coffee', note: null, date: '2026-05-01' },
    { payee: 'Supermarket', note: 'coffee beans 100%', date: '2026-05-02' },
    { payee: 'Landlord', note: 'rent', date: '2026-05-03' },
    { payee: 'Bakery', note: null, date: '2026-05-04' },
  ];
  for (const r of rows) {
    const res = await call(client, 'create_transaction', { type: 'expense', amount: 3, currencyCode: 'EUR', accountId: acc.id, ...r });
    assert.equal(res.isError, false, res.text);
  }

  const coffee = await call(client, 'list_transactions', { query: 'COFFEE' });
  assert.equal(coffee.json.totalCount, 2);
  assert.deepEqual(coffee.json.items.map((x: any) => x.payee), ['Supermarket', 'Blue Bottle Coffee']);

  const literal = await call(client, 'list_transactions', { query: '100%' });
  assert.deepEqual(literal.json.items.map((x: any) => x.payee), ['Supermarket']);
  const percent = await call(client, 'list_transactions', { query: '%' });
  assert.equal(percent.json.totalCount, 1, 'a % is matched literally, not as a wildcard');

  const range = await call(client, 'list_transactions', { dateFrom: '2026-05-02', dateTo: '2026-05-03' });
  assert.deepEqual(range.json.items.map((x: any) => x.payee), ['Landlord', 'Supermarket']);

  const page1 = await call(client, 'list_transactions', { limit: 3 });
  assert.equal(page1.json.items.length, 3);
  assert.equal(page1.json.totalCount, 4);
  assert.ok(page1.json.nextCursor);
  const page2 = await call(client, 'list_transactions', { limit: 3, cursor: page1.json.nextCursor });
  assert.deepEqual(page2.json.items.map((x: any) => x.payee), ['Blue Bottle Coffee']);
  assert.equal(page2.json.nextCursor, null);
  // The cursor is the REST one: either surface continues the other's walk.
  const viaRest = await u.rest('GET', `/api/v1/transactions?limit=3&cursor=${page1.json.nextCursor}`);
  assert.equal(viaRest.json().items[0].payee, 'Blue Bottle Coffee');

  const none = await call(client, 'list_transactions', { type: 'income' });
  assert.equal(none.json.totalCount, 0);
  const other = await call(client, 'list_transactions', { accountId: 'acc_nope' });
  assert.equal(other.json.totalCount, 0);
  const badCursor = await call(client, 'list_transactions', { cursor: 'garbage' });
  assert.equal(badCursor.isError, true);
  assert.match(badCursor.text, /cursor/);
});

test('create_transaction refuses a fifth decimal, float noise, bad text and a missing account as tool errors', async () => {
  const u = await ledgyUser();
  const client = await connect(u.token);
  const base = { type: 'expense', currencyCode: 'EUR', date: '2026-05-12' };
  const fifth = await call(client, 'create_transaction', { ...base, amount: '0.00001' });
  assert.equal(fifth.isError, true);
  assert.match(fifth.text, /amount has more than 4 decimal places/);
  const fifthNumber = await call(client, 'create_transaction', { ...base, amount: 1.23456 });
  assert.equal(fifthNumber.isError, true);
  assert.match(fifthNumber.text, /more than 4 decimal places/);
  const noise = await call(client, 'create_transaction', { ...base, amount: 0.1 + 0.2 });
  assert.equal(noise.isError, true, '0.30000000000000004 is not silently rounded');
  const tiny = await call(client, 'create_transaction', { ...base, amount: 1e-7 });
  assert.equal(tiny.isError, true);
  const words = await call(client, 'create_transaction', { ...base, amount: 'twelve' });
  assert.equal(words.isError, true);
  assert.match(words.text, /amount must be a number or a decimal string/);
  const zero = await call(client, 'create_transaction', { ...base, amount: 0 });
  assert.equal(zero.isError, true);
  assert.match(zero.text, /greater than 0/);
  const badDate = await call(client, 'create_transaction', { ...base, amount: 1, date: 'yesterday' });
  assert.equal(badDate.isError, true);
  const missing = await call(client, 'create_transaction', { ...base, amount: 1, accountId: 'acc_01HK8VZZZZZZZZZZZZZZZZZZZZ' });
  assert.equal(missing.isError, true);
  assert.match(missing.text, /not found/i);
  const exponent = await call(client, 'create_transaction', { ...base, amount: '1.5e2' });
  assert.equal(exponent.isError, false, exponent.text);
  assert.match(exponent.text, /"amount":150,/);
  const listed = await u.rest('GET', '/api/v1/transactions');
  assert.equal(listed.json().totalCount, 1, 'only the valid one was stored');
});

test('create_transfer moves money between two accounts', async () => {
  const u = await ledgyUser();
  const a = await u.account({ name: 'Checking', initialBalance: 100 });
  const b = await u.account({ name: 'Savings', order: 1 });
  const client = await connect(u.token);
  const moved = await call(client, 'create_transfer', { fromAccountId: a.id, toAccountId: b.id, amount: '25.05', currencyCode: 'EUR', date: '2026-05-12', note: 'save' });
  assert.equal(moved.isError, false, moved.text);
  assert.equal(moved.json.type, 'transfer');
  assert.equal(moved.json.accountId, a.id);
  assert.equal(moved.json.toAccountId, b.id);
  assert.match(moved.text, /"amount":25\.05,/);

  const accounts = await call(client, 'list_accounts');
  const byName = Object.fromEntries(accounts.json.items.map((x: any) => [x.name, x.currentBalance]));
  assert.deepEqual(byName, { Checking: 74.95, Savings: 25.05 });

  const same = await call(client, 'create_transfer', { fromAccountId: a.id, toAccountId: a.id, amount: 1, currencyCode: 'EUR', date: '2026-05-12' });
  assert.equal(same.isError, true);
  const wrongCurrency = await call(client, 'create_transfer', { fromAccountId: a.id, toAccountId: b.id, amount: 1, currencyCode: 'USD', date: '2026-05-12' });
  assert.equal(wrongCurrency.isError, true);
  assert.match(wrongCurrency.text, /currencyCode/);
});

test('spending_by_category sums live expenses exactly per category and currency in an inclusive range', async () => {
  const u = await ledgyUser();
  const client = await connect(u.token);
  const spend = async (amount: string | number, categoryId: string | null, date: string, extra: object = {}) => {
    const r = await call(client, 'create_transaction', { type: 'expense', amount, currencyCode: 'EUR', date, ...(categoryId ? { categoryId } : {}), ...extra });
    assert.equal(r.isError, false, r.text);
    return r.json;
  };
  await spend(0.1, 'cat_groceries', '2026-05-01');
  await spend('0.2', 'cat_groceries', '2026-05-31T23:59:59Z'); // the last second of an inclusive dateTo
  await spend('99999999999.9999', 'cat_housing', '2026-05-10');
  await spend('0.0001', 'cat_housing', '2026-05-10');
  await spend('7', null, '2026-05-15');
  await spend('5', 'cat_groceries', '2026-05-15', { currencyCode: 'USD' });
  const deleted = await spend('1000', 'cat_groceries', '2026-05-20');
  assert.equal((await u.rest('DELETE', `/api/v1/transactions/${deleted.id}`)).statusCode, 204);
  await spend('50', 'cat_groceries', '2026-06-01'); // outside
  await spend('60', 'cat_groceries', '2026-04-30T23:59:59Z'); // outside
  const income = await call(client, 'create_transaction', { type: 'income', amount: 500, currencyCode: 'EUR', date: '2026-05-05', categoryId: 'cat_salary' });
  assert.equal(income.isError, false);

  const may = await call(client, 'spending_by_category', { dateFrom: '2026-05-01', dateTo: '2026-05-31' });
  assert.equal(may.isError, false, may.text);
  const rows = Object.fromEntries(may.json.items.map((x: any) => [`${x.currencyCode}:${x.categoryId}`, x]));
  assert.deepEqual(Object.keys(rows).sort(), ['EUR:cat_groceries', 'EUR:cat_housing', 'EUR:null', 'USD:cat_groceries']);
  assert.match(may.text, /"categoryId":"cat_groceries","categoryName":"Groceries","currencyCode":"EUR","total":0\.3,"count":2/);
  assert.match(may.text, /"categoryId":"cat_housing","categoryName":"Housing","currencyCode":"EUR","total":100000000000,"count":2/);
  assert.equal(rows['EUR:null'].total, 7);
  assert.equal(rows['USD:cat_groceries'].total, 5);
  // Per-currency totals, exact: 0.3 + 100000000000 + 7.
  assert.match(may.text, /"totals":\[\{"currencyCode":"EUR","total":100000000007\.3,"count":5\},\{"currencyCode":"USD","total":5,"count":1\}\]/);

  const usd = await call(client, 'spending_by_category', { dateFrom: '2026-05-01', dateTo: '2026-05-31', currency: 'USD' });
  assert.deepEqual(usd.json.items.map((x: any) => [x.categoryId, x.total]), [['cat_groceries', 5]]);

  const day = await call(client, 'spending_by_category', { dateFrom: '2026-05-01', dateTo: '2026-05-01' });
  assert.match(day.text, /"total":0\.1,"count":1/);

  const backwards = await call(client, 'spending_by_category', { dateFrom: '2026-05-31', dateTo: '2026-05-01' });
  assert.equal(backwards.isError, true);

  // Another user sees none of it.
  const stranger = await connect((await ledgyUser()).token);
  const theirs = await call(stranger, 'spending_by_category', { dateFrom: '2026-05-01', dateTo: '2026-05-31' });
  assert.deepEqual(theirs.json.items, []);
});

test('a PAT reaches only the tools its scopes allow; the tool error names the missing scope', async () => {
  const u = await ledgyUser();
  const acc = await u.account();
  const other = await u.account({ name: 'Other', order: 1 });

  const accountsOnly = await connect((await u.pat(['accounts:read'])).token);
  assert.equal((await call(accountsOnly, 'list_accounts')).isError, false);
  for (const [tool, args, scope] of [
    ['list_transactions', {}, 'transactions:read'],
    ['spending_by_category', { dateFrom: '2026-05-01', dateTo: '2026-05-31' }, 'transactions:read'],
    ['create_transaction', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12' }, 'transactions:write'],
    ['create_transfer', { fromAccountId: acc.id, toAccountId: other.id, amount: 1, currencyCode: 'EUR', date: '2026-05-12' }, 'transactions:write'],
  ] as const) {
    const res = await call(accountsOnly, tool, args);
    assert.equal(res.isError, true, tool);
    assert.match(res.text, new RegExp(`lacks the scope ${scope}`), tool);
  }

  // :write does not imply :read.
  const writer = await connect((await u.pat(['transactions:write'])).token);
  const created = await call(writer, 'create_transaction', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12' });
  assert.equal(created.isError, false, created.text);
  assert.equal((await call(writer, 'create_transfer', { fromAccountId: acc.id, toAccountId: other.id, amount: 1, currencyCode: 'EUR', date: '2026-05-12' })).isError, false);
  assert.match((await call(writer, 'list_transactions')).text, /lacks the scope transactions:read/);
  assert.match((await call(writer, 'list_accounts')).text, /lacks the scope accounts:read/);

  const reader = await connect((await u.pat(['transactions:read'])).token);
  const listed = await call(reader, 'list_transactions');
  assert.equal(listed.isError, false);
  assert.equal(listed.json.totalCount, 2);
  assert.equal((await call(reader, 'spending_by_category', { dateFrom: '2026-05-12', dateTo: '2026-05-12' })).json.totals[0].total, 1);
  assert.match((await call(reader, 'create_transaction', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12' })).text, /lacks the scope transactions:write/);
});

test('401 with WWW-Authenticate: Bearer for a missing, malformed, unknown, revoked or expired token', async () => {
  const u = await ledgyUser();
  const check = async (headers: Record<string, string>, why: string) => {
    const res = await post(headers);
    assert.equal(res.status, 401, why);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer', why);
    const body = await res.json();
    assert.equal(typeof body.error, 'string', why);
    assert.deepEqual(Object.keys(body), ['error'], why);
  };
  await check({}, 'missing');
  await check({ authorization: 'Basic dXNlcjpwYXNz' }, 'not bearer');
  await check({ authorization: 'Bearer nonsense' }, 'garbage');
  await check({ authorization: `Bearer lgpat_${'0'.repeat(64)}` }, 'unknown PAT');
  await check({ authorization: `Bearer ${u.token}x` }, 'tampered JWT');
  // A kontor API key is not a Ledgy credential.
  await check({ authorization: `Bearer ${(await t.tenant()).secret}` }, 'other surface');

  const revoked = await u.pat(['accounts:read']);
  assert.equal((await post({ authorization: `Bearer ${revoked.token}` })).status, 200);
  assert.equal((await u.rest('DELETE', `/api/auth/tokens/${revoked.id}`)).statusCode, 204);
  await check({ authorization: `Bearer ${revoked.token}` }, 'revoked');

  // The SDK client sees the 401 too.
  await assert.rejects(connect('nonsense'));

  const expiring = await u.pat(['accounts:read'], { expiresAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() });
  assert.equal((await post({ authorization: `Bearer ${expiring.token}` })).status, 200);
  t.clock.advance(2 * 3_600_000);
  await check({ authorization: `Bearer ${expiring.token}` }, 'expired');
});

test('403 with X-Subscription-Required when the subscription is inactive; for a PAT and a session alike', async () => {
  const u = await ledgyUser();
  const pat = await u.pat(['accounts:read']);
  const ok = await post({ authorization: `Bearer ${u.token}` });
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('x-ratelimit-limit'), 'the rate-limit headers reach the hijacked response');
  assert.ok(ok.headers.get('x-request-id'));
  assert.equal(ok.headers.get('mcp-session-id'), null, 'stateless: no session');

  await setSubscription(t.core.db, u.email, 'inactive');
  for (const token of [u.token, pat.token]) {
    const res = await post({ authorization: `Bearer ${token}` });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-subscription-required'), 'true');
    assert.deepEqual(await res.json(), { error: 'Active cloud subscription required' });
  }
  await assert.rejects(connect(u.token));

  await setSubscription(t.core.db, u.email, 'active');
  const client = await connect(u.token);
  assert.equal((await call(client, 'list_accounts')).isError, false);
});

test('GET and DELETE /mcp answer 405; a body that is not JSON is a JSON-RPC parse error', async () => {
  const u = await ledgyUser();
  for (const method of ['GET', 'DELETE']) {
    const res = await fetch(base + '/mcp', { method, headers: { authorization: `Bearer ${u.token}`, accept: 'text/event-stream' } });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal((await res.json()).error.code, -32000);
  }
  assert.equal((await fetch(base + '/mcp')).status, 405);

  const broken = await post({ authorization: `Bearer ${u.token}` }, '{"jsonrpc":');
  assert.equal(broken.status, 400);
  assert.equal((await broken.json()).error.code, -32700);
  // The /api/v1 surface is unchanged by the root route.
  assert.equal((await u.rest('GET', '/api/v1/accounts')).statusCode, 200);
});

test('the per-credential rate limit covers /mcp', async () => {
  const small = await startTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
  try {
    await small.app.listen({ port: 0, host: '127.0.0.1' });
    const address = small.app.server.address();
    assert.ok(address && typeof address === 'object');
    const reg = await small.request({ method: 'POST', url: '/api/auth/register', payload: { email: 'rl@ledgy.test', password: 'correct horse', name: 'RL' } });
    const token = reg.json().accessToken;
    const send = () =>
      fetch(`http://127.0.0.1:${address.port}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: initialize,
      });
    assert.equal((await send()).status, 200);
    assert.equal((await send()).status, 200);
    const limited = await send();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(typeof (await limited.json()).error, 'string');
  } finally {
    await small.close();
  }
});
