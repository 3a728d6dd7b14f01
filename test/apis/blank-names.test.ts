import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { assertError, ledgyUser } from '../helpers/ledgy.ts';

/** Names must hold more than whitespace, on Ledgy and on the native API (MyCFO: test/apis/mycfo/validation.test.ts). */

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const BLANKS = [' ', '   ', '\t\n', '\u00a0\u2003'];

test('Ledgy: whitespace-only names are a 400 naming the field, on every resource', async () => {
  const u = await ledgyUser(t);
  const group = (await u.call('POST', '/api/v1/categories/groups', { name: 'Food', order: 0 })).json();
  for (const name of BLANKS) {
    assertError(await u.call('POST', '/api/v1/accounts', { name, currencyCode: 'EUR', initialBalance: 0, order: 0 }), 400, /name/);
    assertError(await u.call('POST', '/api/v1/categories', { name, type: 'expense', order: 0, isPinned: false }), 400, /name/);
    assertError(await u.call('POST', '/api/v1/categories/groups', { name, order: 0 }), 400, /name/);
    assertError(await u.call('PUT', `/api/v1/categories/groups/${group.id}`, { name, order: 0 }), 400, /name/);
    assertError(await u.call('POST', '/api/v1/budgets', { name, amount: 10, currencyCode: 'EUR', period: 1, startDate: '2026-01-01', isActive: true }), 400, /name/);
    assertError(await u.call('POST', '/api/v1/groups', { name }), 400, /name/);
    assertError(await u.call('POST', '/api/auth/tokens', { name, scopes: ['accounts:read'] }), 400, /name/);
    assertError(await t.request({ method: 'POST', url: '/api/auth/register', payload: { email: `n${Math.random()}@ledgy.test`, password: 'correct horse', name } }), 400, /name/);
  }
  const account = await u.account({ name: 'Cash' });
  assertError(await u.call('PUT', `/api/v1/accounts/${account.id}`, { name: '  ', currencyCode: 'EUR', initialBalance: 0, order: 0 }), 400, /name/);
  const kept = await u.call('POST', '/api/v1/accounts', { name: ' Wise  EUR ', currencyCode: 'EUR', initialBalance: 0, order: 0 });
  assert.equal(kept.statusCode, 201, kept.body);
  assert.equal(kept.json().name, ' Wise  EUR ');
});

test('Kontor native: whitespace-only ledger and account names are a 400 naming the field', async () => {
  const { headers } = await t.tenant();
  for (const name of BLANKS) {
    const res = await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().field, 'name');
  }
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const res = await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code: 'cash', name: ' ', type: 'asset', asset: 'USD' } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().field, 'name');
});
