import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';
import { parseId } from '../../../src/platform/ids.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  t.clock.set('2026-03-01T09:00:00Z');
});
after(async () => t.close());

const revenue = { revenue: [{ subtype: 'recurring', amount_cents: 250000, occurred_at: '2026-02-01', external_id: 'sub-feb' }, { subtype: 'one_time', amount_cents: 900, occurred_at: '2026-02-02' }] };

const countRows = async (workspaceId: string) =>
  (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM cfo_transactions WHERE workspace_id = $1', [parseId('ws', workspaceId)]))[0].n;

test("an ingest's Idempotency-Key answer is stored in the ingest's own transaction, and a replay repeats its bytes", async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const url = `/v1/workspaces/${ws.id}/ingest/revenue`;
  // Hold the write at the moment its answer is stored: its rows must not be visible yet.
  const complete = t.core.idempotency.complete;
  let reached!: () => void;
  let release!: () => void;
  const atStore = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  t.core.idempotency.complete = async function (this: typeof t.core.idempotency, ...args: Parameters<typeof complete>) {
    reached();
    await gate;
    return complete.apply(this, args);
  };
  let first;
  try {
    const pending = call('POST', url, revenue, { 'idempotency-key': 'ingest-1' });
    await atStore;
    assert.equal(await countRows(ws.id), 0, 'the ingested rows are not committed before the answer is stored');
    release();
    first = await pending;
  } finally {
    t.core.idempotency.complete = complete;
  }
  assert.equal(first.statusCode, 202, first.body);
  const [key] = await t.db.query<{ status_code: number; response_body: string }>(
    `SELECT status_code, response_body FROM idempotency_keys WHERE surface = 'mycfo' AND key = 'ingest-1'`,
  );
  assert.equal(key.status_code, 202);
  assert.equal(key.response_body, first.body);
  const ingestId = parseId('ing', first.json().ingest_id);
  assert.equal((await t.db.query('SELECT 1 FROM cfo_transactions WHERE ingest_id = $1', [ingestId])).length, 2);

  const again = await call('POST', url, revenue, { 'idempotency-key': 'ingest-1' });
  assert.equal(again.statusCode, 202);
  assert.equal(again.body, first.body);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.equal(await countRows(ws.id), 2);
});

test('when the answer cannot be stored, the ingest is rolled back with it and the key is free for a retry', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const url = `/v1/workspaces/${ws.id}/ingest/revenue`;
  const complete = t.core.idempotency.complete;
  t.core.idempotency.complete = async () => {
    throw new Error('storage lost');
  };
  let failed;
  try {
    failed = await call('POST', url, revenue, { 'idempotency-key': 'ingest-2' });
  } finally {
    t.core.idempotency.complete = complete;
  }
  assert.equal(failed.statusCode, 500);
  assert.equal(await countRows(ws.id), 0);
  const retry = await call('POST', url, revenue, { 'idempotency-key': 'ingest-2' });
  assert.equal(retry.statusCode, 202, retry.body);
  assert.equal(retry.json().inserted, 2);
  assert.equal(await countRows(ws.id), 2);
});

test('register is audited as anonymous; a log-in writes nothing', async () => {
  const email = `audit-${Date.now()}@acme.test`;
  const registered = await t.request({ method: 'POST', url: '/v1/auth/register', headers: { 'x-request-id': 'req-mycfo-register' }, payload: { org_name: 'Audited', email, password: 'hunter2' } });
  assert.equal(registered.statusCode, 201, registered.body);
  const audit = await t.db.query<{ principal_id: string; org_id: string | null; surface: string; operation: string; status: number }>(
    `SELECT principal_id, org_id, surface, operation, status FROM write_audit WHERE request_id = 'req-mycfo-register'`,
  );
  assert.deepEqual(audit, [{ principal_id: 'anonymous', org_id: null, surface: 'mycfo', operation: 'register', status: 201 }]);
  const login = await t.request({ method: 'POST', url: '/v1/auth/login', headers: { 'x-request-id': 'req-mycfo-login' }, payload: { email, password: 'hunter2' } });
  assert.equal(login.statusCode, 200);
  assert.equal((await t.db.query(`SELECT 1 FROM write_audit WHERE request_id = 'req-mycfo-login'`)).length, 0);
});

test('GET alerts stores what it evaluated, so it is audited as a write', async () => {
  const { call, workspace } = await mycfoTenant(t);
  const ws = await workspace();
  const res = await call('GET', `/v1/workspaces/${ws.id}/alerts?as_of=2026-02-28`, undefined, { 'x-request-id': 'req-mycfo-alerts' });
  assert.equal(res.statusCode, 200, res.body);
  const audit = await t.db.query<{ operation: string; status: number }>(`SELECT operation, status FROM write_audit WHERE request_id = 'req-mycfo-alerts'`);
  assert.deepEqual(audit, [{ operation: 'evaluateAlerts', status: 200 }]);
});
