import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgerbeeCompany, ledgerbeeKey } from '../../helpers/ledgerbee.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';
import { STANDARD_CHART } from '../../../src/ledgerbee/chart.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('GET /api/v1/company: the org as a company, seeded on first use', async () => {
  const c = await ledgerbeeCompany(t);
  const company = await c.ok('GET', '/api/v1/company');
  assert.equal(company.id, c.orgId);
  assert.equal(company.currency, 'DKK');
  assert.equal(company.lockDate, null);
  assert.deepEqual(company.licences, []);
});

test('authentication: x-api-key header or query; a key as bearer, a wrong key, none: 401 UNAUTHORIZED', async () => {
  const c = await ledgerbeeCompany(t);
  assert.equal((await t.request({ method: 'GET', url: `/api/v1/company?x-api-key=${c.secret}` })).statusCode, 200);
  assertError(await t.request({ method: 'GET', url: '/api/v1/company', headers: { authorization: `Bearer ${c.secret}` } }), 401, 'UNAUTHORIZED');
  assertError(await t.request({ method: 'GET', url: '/api/v1/company', headers: { 'x-api-key': c.secret.slice(0, -1) + 'x' } }), 401, 'UNAUTHORIZED');
  const none = assertError(await t.request({ method: 'GET', url: '/api/v1/company' }), 401, 'UNAUTHORIZED');
  assert.equal(none.message, 'Invalid API key');
  assert.equal(none.path, '/api/v1/company');
});

test('a scope the key lacks: 403 INSUFFICIENT_PERMISSIONS naming it', async () => {
  const c = await ledgerbeeCompany(t, { scopes: ['accounts-read'] });
  const body = assertError(await c.call('GET', '/api/v1/company'), 403, 'INSUFFICIENT_PERMISSIONS');
  assert.deepEqual(body.details.requiredScopes, ['company-read']);
});

test('IP allow-list and expiry: another address is 401 ip_whitelist_mismatch; an expiring key announces its expiry', async () => {
  const c = await ledgerbeeCompany(t, { ipAllowList: ['10.0.0.0/8'], expiresAt: new Date(t.clock.now().getTime() + 86_400_000) });
  const refused = assertError(await c.call('GET', '/api/v1/company'), 401, 'UNAUTHORIZED');
  assert.equal(refused.details.reason, 'ip_whitelist_mismatch');
  const inside = await t.request({ method: 'GET', url: '/api/v1/api-key', headers: c.headers, remoteAddress: '10.1.2.3' });
  assert.equal(inside.statusCode, 200, inside.body);
  assert.ok(inside.headers['x-api-key-expires-at']);
  const key = inside.json();
  assert.deepEqual(key.ipWhitelist, ['10.0.0.0/8']);
  assert.equal(key.expiresAt, inside.headers['x-api-key-expires-at']);
  assert.ok(key.scopes.includes('journal-entries-write'));
  assert.ok(key.rateLimitTiers.length > 0);
});

test('GET /api/v1/accounts: the standard chart; headings and totals as rows; control and VAT accounts', async () => {
  const c = await ledgerbeeCompany(t);
  const accounts = await c.ok('GET', '/api/v1/accounts');
  assert.equal(accounts.length, STANDARD_CHART.length);
  assert.deepEqual(accounts.map((a: any) => a.accountNumber), [...accounts.map((a: any) => a.accountNumber)].sort((a, b) => a - b));
  assert.ok(accounts.some((a: any) => a.ledgerType === 'HEADING') && accounts.some((a: any) => a.ledgerType === 'TOTAL_FROM'));
  assert.equal(accounts.filter((a: any) => a.controlAccountType === 'ACCOUNTS_RECEIVABLE').length, 1);
  assert.equal(accounts.filter((a: any) => a.controlAccountType === 'ACCOUNTS_PAYABLE').length, 1);
  assert.ok(accounts.find((a: any) => a.accountNumber === 6410).name.includes('VAT'));
  // Another company's chart has its own ids.
  const other = await ledgerbeeCompany(t);
  const theirs = await other.ok('GET', '/api/v1/accounts');
  assert.notEqual(theirs[0].id, accounts[0].id);
});

test('/api/v1/accounts is shared with Ledgy: the credential picks the surface; with none, a 401 both clients read', async () => {
  const bee = await ledgerbeeCompany(t);
  const ledgy = await ledgyUser(t);
  await ledgy.account();
  const mine = await bee.call('GET', '/api/v1/accounts');
  assert.equal(mine.statusCode, 200);
  assert.ok(Array.isArray(mine.json()));
  const theirs = await ledgy.call('GET', '/api/v1/accounts');
  assert.equal(theirs.statusCode, 200);
  assert.ok(Array.isArray(theirs.json().items));
  const none = await t.request({ method: 'GET', url: '/api/v1/accounts' });
  const body = assertError(none, 401, 'UNAUTHORIZED');
  assert.equal(typeof body.error, 'string', 'Ledgy clients read {error}');
  // Ledgy's own writes on the path are Ledgy's.
  const bad = await t.request({ method: 'GET', url: '/api/v1/accounts', headers: { authorization: 'Bearer lgpat_' + '0'.repeat(64) } });
  assert.equal(bad.statusCode, 401);
  assert.deepEqual(Object.keys(bad.json()), ['error']);
});

test('unknown routes: /api/v2 in the LedgerBee body, /api/v1 with Ledgy error too', async () => {
  const v2 = assertError(await t.request({ method: 'GET', url: '/api/v2/nothing' }), 404, 'NOT_FOUND');
  assert.equal(v2.error, undefined);
  const v1 = assertError(await t.request({ method: 'GET', url: '/api/v1/nothing' }), 404, 'NOT_FOUND');
  assert.equal(typeof v1.error, 'string');
});

test('VAT codes and journal categories are seeded; the default category comes first', async () => {
  const c = await ledgerbeeCompany(t);
  const codes = await c.ok('GET', '/api/v1/vat-codes');
  const s25 = codes.find((v: any) => v.vatCode === 'S25');
  assert.equal(s25.vatRate, 25);
  assert.equal(s25.principle, 'Net');
  assert.equal(s25.accountToBookNumber, 6410);
  assert.ok(codes.some((v: any) => v.principle === 'Gross'));
  const reverse = codes.find((v: any) => v.type === 'EU_PURCHASE_REVERSE_CHARGE');
  assert.ok(reverse.contraAccountToBookId);
  const categories = await c.ok('GET', '/api/v1/journal-categories');
  assert.equal(categories[0].isDefault, true);
  assert.ok(categories[0].allowedJournalTypes.includes('JOURNAL_ENTRY'));
});

test('GET /api/v1/api-key with an OAuth token: 403 endpoint_requires_api_key_auth; tokens carry the client scopes; revoke', async () => {
  const c = await ledgerbeeCompany(t);
  const { createOAuthClient } = await import('../../../src/ledgerbee/oauth-store.ts');
  const { client, secret } = await createOAuthClient(t.db, { orgId: c.orgId, scopes: ['company-read'], name: null }, t.clock.now());
  const form = (body: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', payload: new URLSearchParams(body).toString() });
  const tokenRes = await t.request({ method: 'POST', url: '/api/v1/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: secret, scope: 'accounts-read' }).payload });
  assert.equal(tokenRes.statusCode, 200, tokenRes.body);
  assert.ok(tokenRes.headers['x-rate-limit-remaining']);
  const token = tokenRes.json();
  assert.equal(token.expires_in, 3600);
  assert.equal(token.scope, 'company-read');
  const bearer = { authorization: `Bearer ${token.access_token}` };
  assert.equal((await t.request({ method: 'GET', url: '/api/v1/company', headers: bearer })).statusCode, 200);
  assertError(await t.request({ method: 'GET', url: '/api/v1/accounts', headers: bearer }), 403, 'INSUFFICIENT_PERMISSIONS');
  const apiKey = assertError(await t.request({ method: 'GET', url: '/api/v1/api-key', headers: bearer }), 403, 'INSUFFICIENT_PERMISSIONS');
  assert.equal(apiKey.details.reason, 'endpoint_requires_api_key_auth');
  const wrong = await t.request({ method: 'POST', url: '/api/v1/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: 'nope' }).payload });
  assertError(wrong, 401, 'INVALID_CLIENT');
  const revoke = await t.request({ method: 'POST', url: '/api/v1/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ token: token.access_token, client_id: client.clientId, client_secret: secret }).payload });
  assert.equal(revoke.statusCode, 200, revoke.body);
  assertError(await t.request({ method: 'GET', url: '/api/v1/company', headers: bearer }), 401, 'UNAUTHORIZED');
  void ledgerbeeKey;
});
