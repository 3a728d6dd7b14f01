import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';

/** The MCP endpoint is a mount of the Ledgy surface: its rate limit per message, its writes audited. */

let t: TestApp;
let base: string;
const clients: Client[] = [];
before(async () => {
  t = await startTestApp();
  base = await listen(t);
});
after(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await t.close();
});

async function listen(app: TestApp): Promise<string> {
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.app.server.address();
  assert.ok(address && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

async function connect(token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'kontor-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(base + '/mcp'), { requestInit: { headers: { Authorization: `Bearer ${token}`, ...headers } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const toolCall = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'list_accounts', arguments: {} } });
const postTo = (url: string, token: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url + '/mcp', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    body: JSON.stringify(body),
  });

test('a JSON-RPC batch of N tool calls is charged N units of the credential limit, before any runs', async () => {
  const small = await startTestApp({ RATE_LIMIT_PER_MINUTE: '4' });
  try {
    const url = await listen(small);
    const { token } = await ledgyUser(small);
    const batch = await postTo(url, token, [toolCall(1), toolCall(2), toolCall(3)]);
    assert.equal(batch.status, 200, await batch.clone().text());
    assert.equal(batch.headers.get('x-ratelimit-remaining'), '1', 'three units taken');
    await batch.text();
    // One unit left: a batch of two is refused whole, with the rate-limit headers.
    const over = await postTo(url, token, [toolCall(4), toolCall(5)]);
    assert.equal(over.status, 429);
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal(typeof (await over.json()).error, 'string');
    // The REST API draws on the same allowance.
    const rest = await small.request({ method: 'GET', url: '/api/v1/accounts', headers: { authorization: `Bearer ${token}` } });
    assert.equal(rest.statusCode, 429);
  } finally {
    await small.close();
  }
});

test('a batch larger than the SDK takes is refused before it is charged', async () => {
  const { token } = await ledgyUser(t);
  const res = await postTo(base, token, Array.from({ length: 101 }, (_, i) => toolCall(i)));
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.code, -32600);
  const after = await postTo(base, token, toolCall(1));
  assert.equal(after.status, 200);
  assert.ok(Number(after.headers.get('x-ratelimit-remaining')) >= 990);
  await after.text();
});

test('an MCP mutation is a write: its audit row names the tool, the caller and the request', async () => {
  const u = await ledgyUser(t);
  const client = await connect(u.token, { 'x-request-id': 'req-mcp-audit-1' });
  const created: any = await client.callTool({ name: 'create_transaction', arguments: { type: 'expense', amount: '3.5', currencyCode: 'EUR', date: '2026-05-12' } });
  assert.notEqual(created.isError, true, created.content?.[0]?.text);
  const rows = await t.db.query<{ surface: string; operation: string; principal_id: string; org_id: string; status: number }>(
    `SELECT surface, operation, principal_id, org_id, status FROM write_audit WHERE request_id = 'req-mcp-audit-1'`,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].surface, 'ledgy');
  assert.equal(rows[0].operation, 'create_transaction');
  assert.equal(rows[0].principal_id, (await t.db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [u.email]))[0].id);
  assert.equal(rows[0].status, 200);

  // A refused tool call writes nothing, its audit row included.
  const refusing = await connect(u.token, { 'x-request-id': 'req-mcp-audit-2' });
  const refused: any = await refusing.callTool({ name: 'create_transaction', arguments: { type: 'expense', amount: '0', currencyCode: 'EUR', date: '2026-05-12' } });
  assert.equal(refused.isError, true);
  assert.equal((await t.db.query(`SELECT 1 FROM write_audit WHERE request_id = 'req-mcp-audit-2'`)).length, 0);
});

test('Ledgy REST writes are audited under their operation ids; a sign-up is anonymous', async () => {
  const email = `audit-${Date.now()}@ledgy.test`;
  const reg = await t.request({ method: 'POST', url: '/api/auth/register', headers: { 'x-request-id': 'req-ledgy-audit-1' }, payload: { email, password: 'correct horse', name: 'Audit' } });
  assert.equal(reg.statusCode, 201);
  const [signUp] = await t.db.query<{ operation: string; principal_id: string }>(`SELECT operation, principal_id FROM write_audit WHERE request_id = 'req-ledgy-audit-1'`);
  assert.deepEqual(signUp, { operation: 'register', principal_id: 'anonymous' });

  const token = reg.json().accessToken;
  const account = await t.request({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-ledgy-audit-2' },
    payload: { name: 'Cash', currencyCode: 'EUR', initialBalance: 50, order: 0 },
  });
  assert.equal(account.statusCode, 201);
  const [created] = await t.db.query<{ operation: string; status: number }>(`SELECT operation, status FROM write_audit WHERE request_id = 'req-ledgy-audit-2'`);
  assert.deepEqual(created, { operation: 'createAccount', status: 201 });

  // A log-in writes nothing.
  const login = await t.request({ method: 'POST', url: '/api/auth/login', headers: { 'x-request-id': 'req-ledgy-audit-3' }, payload: { email, password: 'correct horse' } });
  assert.equal(login.statusCode, 200);
  assert.equal((await t.db.query(`SELECT 1 FROM write_audit WHERE request_id = 'req-ledgy-audit-3'`)).length, 0);
});
