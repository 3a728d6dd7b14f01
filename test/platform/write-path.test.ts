import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { contractProblems } from '../../src/platform/http/route-table.ts';


let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('every surface route has an operation id, a summary and tags, and every write goes through the write runner', () => {
  const broken = t.app.routeTable
    .map((route) => ({ route: `${route.surface} ${route.method} ${route.url}`, problems: contractProblems(route) }))
    .filter((r) => r.problems.length > 0);
  assert.deepEqual(broken, []);
  const ids = t.app.routeTable.map((r) => `${r.surface}:${r.operationId}`);
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique within a surface');
});

test('a write commits its audit row with it: principal, surface, operation, request id', async () => {
  const { org, headers } = await t.tenant();
  const created = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers: { ...headers, 'x-request-id': 'req-audit-1' }, payload: { name: 'audited' } });
  assert.equal(created.statusCode, 201);
  const rows = await t.db.query<{ org_id: string; surface: string; operation: string; request_id: string; status: number; principal_id: string }>(
    `SELECT org_id, surface, operation, request_id, status, principal_id FROM write_audit WHERE request_id = 'req-audit-1'`,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].org_id, org.id);
  assert.equal(rows[0].surface, 'kontor');
  assert.equal(rows[0].operation, 'createLedger');
  assert.equal(rows[0].status, 201);
  assert.ok(rows[0].principal_id.length > 0);
});

test('a refused write leaves no audit row and nothing half-written', async () => {
  const { headers } = await t.tenant();
  const first = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'twice' } });
  assert.equal(first.statusCode, 201);
  const second = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers: { ...headers, 'x-request-id': 'req-audit-2' }, payload: { name: 'twice' } });
  assert.equal(second.statusCode, 409);
  const rows = await t.db.query(`SELECT 1 FROM write_audit WHERE request_id = 'req-audit-2'`);
  assert.equal(rows.length, 0);
});

test('an Idempotency-Key answer is stored in the write transaction and replayed byte for byte', async () => {
  const { headers } = await t.tenant();
  const request = { method: 'POST' as const, url: '/kontor/v1/ledgers', headers: { ...headers, 'idempotency-key': 'k-write-1' }, payload: { name: 'once' } };
  const first = await t.request(request);
  const again = await t.request(request);
  assert.equal(first.statusCode, 201);
  assert.equal(again.statusCode, 201);
  assert.equal(again.body, first.body);
  assert.equal(again.headers.location, first.headers.location);
  assert.equal(again.headers['idempotent-replayed'], 'true');
});

test('operator changes from the CLI go through the write runner and are audited as the CLI', async () => {
  const { adminOperations } = await import('../../src/cli/operations.ts');
  const { WriteRunner } = await import('../../src/platform/write-runner.ts');
  const ops = adminOperations({ db: t.db, clock: t.clock, apiKeys: t.core.apiKeys, writes: new WriteRunner(t.db, t.clock, null), appliedMigrations: [] });
  const org = await ops.createOrg({ name: 'Operated' });
  const key = await ops.createKey({ org: org.id, scopes: ['ledger:read'] });
  await ops.revokeKey(org.id, key.id);
  const rows = await t.db.query<{ operation: string; principal_id: string; surface: string }>(
    `SELECT operation, principal_id, surface FROM write_audit WHERE surface = 'cli' AND (org_id IS NULL OR org_id = (SELECT id FROM orgs WHERE name = 'Operated')) ORDER BY at, operation`,
  );
  assert.deepEqual(new Set(rows.map((r) => r.operation)), new Set(['createOrg', 'createKey', 'revokeKey']));
  assert.ok(rows.every((r) => r.principal_id === 'operator'));
});

test('entries committed by the shared commit queue carry their audit row on either path: one statement (no key) and the full path (a key, a known external id)', async () => {
  const { headers } = await t.tenant();
  const post = (url: string, payload: object, extra: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: `/kontor/v1${url}`, headers: { ...headers, ...extra }, payload });
  const ledger = (await post('/ledgers', { name: 'audited entries' })).json();
  const cash = (await post('/accounts', { ledger_id: ledger.id, code: 'cash', name: 'Cash', type: 'asset', asset: 'USD/2' })).json();
  const equity = (await post('/accounts', { ledger_id: ledger.id, code: 'eq', name: 'Equity', type: 'equity', asset: 'USD/2' })).json();
  const entry = (externalId?: string) => ({
    ledger_id: ledger.id,
    ...(externalId ? { external_id: externalId } : {}),
    postings: [{ account_id: cash.id, side: 'debit', amount: '1.00' }, { account_id: equity.id, side: 'credit', amount: '1.00' }],
  });
  const audit = async (requestId: string) =>
    (await t.db.query<{ operation: string; status: number }>('SELECT operation, status FROM write_audit WHERE request_id = $1', [requestId])).map((r) => [r.operation, r.status]);

  assert.equal((await post('/entries', entry(), { 'x-request-id': 'shared-1' })).statusCode, 201);
  assert.deepEqual(await audit('shared-1'), [['postEntry', 201]]);
  assert.equal((await post('/entries', entry(), { 'x-request-id': 'shared-2', 'idempotency-key': 'shared-key' })).statusCode, 201);
  assert.deepEqual(await audit('shared-2'), [['postEntry', 201]]);
  assert.equal((await post('/entries', entry('ext-1'), { 'x-request-id': 'shared-3' })).statusCode, 201);
  assert.equal((await post('/entries', entry('ext-1'), { 'x-request-id': 'shared-4' })).statusCode, 200);
  assert.deepEqual(await audit('shared-4'), [['postEntry', 200]]);
  assert.equal((await post('/entries/batch', { entries: [entry(), entry()] }, { 'x-request-id': 'shared-5' })).statusCode, 201);
  assert.deepEqual(await audit('shared-5'), [['postEntryBatch', 201]]);
  // A refused post (unbalanced) leaves no audit row.
  const unbalanced = { ...entry(), postings: [{ account_id: cash.id, side: 'debit', amount: '1.00' }, { account_id: equity.id, side: 'credit', amount: '2.00' }] };
  assert.ok((await post('/entries', unbalanced, { 'x-request-id': 'shared-6' })).statusCode >= 400);
  assert.deepEqual(await audit('shared-6'), []);
});
