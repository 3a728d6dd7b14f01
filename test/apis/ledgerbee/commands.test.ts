import { randomBytes } from 'node:crypto';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runAddress } from '../../helpers/run-identities.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgerbeeCompany } from '../../helpers/ledgerbee.ts';
import { ledgerbeeCommands } from '../../../src/apis/ledgerbee/commands.ts';
import { adminOperations, newKeyInput } from '../../../src/cli/operations.ts';
import type { OperatorServices } from '../../../src/platform/operator/command.ts';
import { formatId } from '../../../src/platform/ids.ts';

/*
 * The operator's side of LedgerBee (`kontor ledgerbee …`, `kontor keys create --surface
 * ledgerbee --ip`), each command run in-process on the test database, and the OAuth endpoints'
 * own rate limit.
 */

let t: TestApp;
let services: OperatorServices;
before(async () => {
  t = await startTestApp({ LEDGERBEE_OAUTH_RATE_PER_MINUTE: '3' });
  services = { db: t.db, clock: t.clock, apiKeys: t.core.apiKeys, writes: t.core.writes, appliedMigrations: [] };
});
after(() => t.close());

async function kontor(name: string, values: Record<string, string | boolean>) {
  const command = ledgerbeeCommands.find((c) => c.name === name)!;
  let stdout = '';
  const io = { env: {}, stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } };
  await command.run(values, { config: t.core.config, io, withServices: (fn) => fn(services) });
  return stdout;
}

test('oauth-clients create prints the client id and secret once; the token carries the client scopes', async () => {
  const c = await ledgerbeeCompany(t);
  const made = JSON.parse(await kontor('ledgerbee oauth-clients create', { org: formatId('org', c.orgId), scopes: 'company-read,accounts-read', json: true }));
  assert.match(made.client_id, /^lbc_/);
  assert.match(made.secret, /^lbcs_/);
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', client_id: made.client_id, client_secret: made.secret }).toString(),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().scope, 'company-read accounts-read');
  await assert.rejects(kontor('ledgerbee oauth-clients create', { org: c.orgId, scopes: 'accounts:read' }), /not known to the ledgerbee surface/);
  await kontor('ledgerbee oauth-clients revoke', { org: c.orgId, 'client-id': made.client_id });
  assertError(await t.request({ method: 'GET', url: '/api/v1/company', headers: { authorization: `Bearer ${res.json().access_token}` } }), 401, 'UNAUTHORIZED');
});

test('licences set and lock-date set apply at once', async () => {
  const c = await ledgerbeeCompany(t);
  const out = await kontor('ledgerbee licences set', { org: c.orgId, licences: 'Subscription,CustomerPortal' });
  assert.match(out, /licences: +Subscription,CustomerPortal/);
  assert.deepEqual((await c.ok('GET', '/api/v1/company')).licences, ['Subscription', 'CustomerPortal']);
  await assert.rejects(kontor('ledgerbee licences set', { org: c.orgId, licences: 'Gold' }), /licence "Gold" is not known/);
  await kontor('ledgerbee lock-date set', { org: c.orgId, date: '2026-03-31' });
  const bank = await c.accountId(5400);
  const revenue = await c.accountId(1100);
  const body = (date: string) => ({ entryType: 'JOURNAL_ENTRY', date, lines: [{ accountId: bank, amount: 1 }, { accountId: revenue, amount: -1 }] });
  const locked = assertError(await c.call('POST', '/api/v2/journal-entries', body('2026-03-31')), 400, 'JOURNAL_ENTRY_DATE_LOCKED', 'date');
  assert.equal(locked.details.lockDate, '2026-03-31');
  const batch = assertError(await c.call('POST', '/api/v2/journal-entries/batch', { entries: [body('2026-04-01'), body('2026-01-01')] }), 400, 'JOURNAL_ENTRY_DATE_LOCKED', 'entries.1.date');
  assert.ok(batch);
  const entry = await c.ok('POST', '/api/v2/journal-entries', body('2026-04-01'));
  assertError(await c.call('POST', `/api/v1/journal-entries/${entry.id}/reverse`, { date: '2026-03-01' }), 400, 'JOURNAL_ENTRY_DATE_LOCKED', 'date');
  await kontor('ledgerbee lock-date set', { org: c.orgId, date: 'none' });
  assert.equal((await c.ok('GET', '/api/v1/company')).lockDate, null);
});

test('keys create --surface ledgerbee --ip: the allow-list is kept and shown; a bad range is refused naming --ip', async () => {
  const c = await ledgerbeeCompany(t);
  const key = await adminOperations(services).createKey({ org: c.orgId, surface: 'ledgerbee', scopes: ['company-read'], ip_allowlist: ['10.0.0.0/8', '192.0.2.7'] });
  assert.deepEqual(key.ip_allowlist, ['10.0.0.0/8', '192.0.2.7']);
  assert.match(key.secret, /^lb_live_/);
  const from = (remoteAddress: string) => t.request({ method: 'GET', url: '/api/v1/company', headers: { 'x-api-key': key.secret }, remoteAddress });
  assert.equal((await from('10.9.8.7')).statusCode, 200);
  assert.equal((await from('192.0.2.7')).statusCode, 200);
  assert.equal((await from('192.0.2.8')).json().details.reason, 'ip_whitelist_mismatch');
  assert.throws(() => newKeyInput({ org: c.orgId, surface: 'ledgerbee', scopes: ['company-read'], ip_allowlist: ['10.0.0.0/33'] }), /neither an IP address nor a CIDR range/);
  assert.throws(() => newKeyInput({ org: c.orgId, surface: 'ledgerbee', scopes: ['accounts:read'] }), /not known to the ledgerbee surface/);
});

test('token and revoke: a limit per client IP and client_id, headers on every answer, 429 in the OAuth shape', async () => {
  // Addresses and a client_id of this run only (test/helpers/run-identities.ts).
  const address = runAddress;
  const ip = address();
  const form = (body: Record<string, string>) => ({ method: 'POST' as const, url: '/api/v1/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress: ip, payload: new URLSearchParams(body).toString() });
  const unknownClient = `lbc_unknown_${randomBytes(6).toString('hex')}`;
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 4; i++) {
    last = await t.request(form({ grant_type: 'client_credentials', client_id: unknownClient, client_secret: 'x' }));
    statuses.push(last.statusCode);
    assert.ok(last.headers['x-rate-limit-remaining'] !== undefined && last.headers['x-rate-limit-reset'] !== undefined);
  }
  assert.deepEqual(statuses, [401, 401, 401, 429]);
  assert.deepEqual(last!.json(), { error: 'invalid_client', error_description: 'Rate limit exceeded. Try again later.' });
  const unsupported = await t.request({ ...form({ grant_type: 'password', client_id: 'lbc_x', client_secret: 'x' }), remoteAddress: address() });
  assertError(unsupported, 400, 'UNSUPPORTED_GRANT_TYPE', 'grant_type');
});
