import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgyUser } from '../../helpers/ledgy.ts';

// Issue 12 (testing from outside), items 3, 4, 6 and 7: the money Ledgy stores is the money
// that moved, sums cannot overflow, a transfer never has one account on both sides, and
// every JSON content type reads money exactly.

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const balances = async (u: Awaited<ReturnType<typeof ledgyUser>>) =>
  Object.fromEntries((await u.call('GET', '/api/v1/accounts')).json().items.map((a: any) => [a.name, a.currentBalance]));

test('transfer figures: within one currency a rate or converted amount other than the amount is refused', async () => {
  const u = await ledgyUser(t);
  const a = await u.account({ name: 'A', initialBalance: 100 });
  const b = await u.account({ name: 'B' });
  const base = { fromAccountId: a.id, toAccountId: b.id, amount: 10, currencyCode: 'EUR', date: '2026-05-12' };
  assertError(await u.call('POST', '/api/v1/transactions/transfer', { ...base, exchangeRate: 2, convertedAmount: 20 }), 400, /exchangeRate/);
  assertError(await u.call('POST', '/api/v1/transactions/transfer', { ...base, exchangeRate: 2 }), 400, /exchangeRate/);
  assertError(await u.call('POST', '/api/v1/transactions/transfer', { ...base, convertedAmount: 20 }), 400, /convertedAmount/);
  // Figures that agree with the amount are accepted; nothing was converted, so none is stored.
  const ok = await u.call('POST', '/api/v1/transactions/transfer', { ...base, exchangeRate: 1, convertedAmount: 10 });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json().exchangeRate, null);
  assert.equal(ok.json().convertedAmount, null);
  assert.deepEqual(await balances(u), { A: 90, B: 10 });
});

test('transfer figures: across currencies exchangeRate × amount must match convertedAmount', async () => {
  const u = await ledgyUser(t);
  const eur = await u.account({ name: 'EUR', initialBalance: 1000 });
  const usd = await u.account({ name: 'USD', currencyCode: 'USD' });
  const base = { fromAccountId: eur.id, toAccountId: usd.id, currencyCode: 'EUR', date: '2026-05-12' };
  assertError(await u.call('POST', '/api/v1/transactions/transfer', { ...base, amount: 100, exchangeRate: 1.1, convertedAmount: 500 }), 400, /convertedAmount/);
  assertError(await u.call('POST', '/api/v1/transactions/transfer', { ...base, amount: 100, exchangeRate: 5, convertedAmount: 110 }), 400, /convertedAmount/);
  // Rounding of the given figures is not a contradiction: 33.33 × 1.0851 = 36.166383, sent as 36.17.
  const rounded = await u.call('POST', '/api/v1/transactions/transfer', `{"fromAccountId":"${eur.id}","toAccountId":"${usd.id}","amount":33.33,"currencyCode":"EUR","date":"2026-05-12","exchangeRate":1.0851,"convertedAmount":36.17}`);
  assert.equal(rounded.statusCode, 201, rounded.body);
  // With the rate alone, the converted amount is rate × amount at Ledgy's 4 decimals.
  const derived = await u.call('POST', '/api/v1/transactions/transfer', { ...base, amount: 10, exchangeRate: 1.23456 });
  assert.equal(derived.statusCode, 201, derived.body);
  assert.equal(derived.json().convertedAmount, 12.3456);
  assert.deepEqual(await balances(u), { EUR: 956.67, USD: 48.5156 });
});

test('income and expense figures: the same rule against the primary currency, bulk rows included', async () => {
  const u = await ledgyUser(t, { primaryCurrency: 'EUR' });
  const row = { type: 'expense', amount: 10, date: '2026-05-12' };
  assertError(await u.call('POST', '/api/v1/transactions', { ...row, currencyCode: 'EUR', exchangeRate: 2, convertedAmount: 20 }), 400, /exchangeRate/);
  assertError(await u.call('POST', '/api/v1/transactions', { ...row, currencyCode: 'USD', exchangeRate: 0.9, convertedAmount: 90 }), 400, /convertedAmount/);
  const ok = await u.call('POST', '/api/v1/transactions', { ...row, currencyCode: 'USD', exchangeRate: 0.9, convertedAmount: 9 });
  assert.equal(ok.statusCode, 201, ok.body);
  const bulk = await u.call('POST', '/api/v1/transactions/bulk', [
    { ...row, currencyCode: 'USD', exchangeRate: 0.9, convertedAmount: 9 },
    { ...row, currencyCode: 'USD', exchangeRate: 0.9, convertedAmount: 90 },
  ]);
  assert.equal(bulk.statusCode, 200, bulk.body);
  assert.equal(bulk.json().items.length, 1);
  assert.equal(bulk.json().errors[0].index, 1);
  assert.match(bulk.json().errors[0].error, /convertedAmount/);
  const put = await u.call('PUT', `/api/v1/transactions/${ok.json().id}`, { ...row, currencyCode: 'EUR', exchangeRate: 3 });
  assertError(put, 400, /exchangeRate/);
});

test('amounts: one huge income cannot make later incomes fail; bounds name the field, never an internal id', async () => {
  const u = await ledgyUser(t);
  const a = await u.account({ name: 'A' });
  const b = await u.account({ name: 'B' });
  const income = (accountId: string, amount: string) =>
    u.call('POST', '/api/v1/transactions', `{"type":"income","amount":${amount},"currencyCode":"EUR","date":"2026-05-12","accountId":"${accountId}"}`);
  for (const huge of ['922337203685477.5807', '100000000000']) {
    const r = await income(a.id, huge);
    assertError(r, 400, /amount/);
    assert.doesNotMatch(r.body, UUID);
  }
  assertError(await u.call('POST', '/api/v1/accounts', { name: 'Big', currencyCode: 'EUR', initialBalance: 100000000000, order: 0 }), 400, /initialBalance/);
  assertError(await u.call('POST', '/api/v1/budgets', { amount: 100000000000, currencyCode: 'EUR', period: 1, startDate: '2026-05-01', isActive: true }), 400, /amount/);
  // The largest amount is accepted, many times over, in every account.
  for (let i = 0; i < 3; i++) assert.equal((await income(a.id, '99999999999.9999')).statusCode, 201);
  assert.equal((await income(b.id, '99999999999.9999')).statusCode, 201);
  assert.equal((await income(b.id, '1')).statusCode, 201);
  const other = await ledgyUser(t);
  const c = await other.account({ name: 'C' });
  const r = await other.call('POST', '/api/v1/transactions', { type: 'income', amount: 1, currencyCode: 'EUR', date: '2026-05-12', accountId: c.id });
  assert.equal(r.statusCode, 201, r.body);
});

test('native ledger: an overflowing balance names the posting, not an internal id', async () => {
  const tenant = await t.tenant();
  const h = tenant.headers;
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers: h, payload: { name: 'L' } })).json();
  const account = async (code: string, type: string) =>
    (await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers: h, payload: { ledger_id: ledger.id, code, name: code, type, asset: 'EUR/2' } })).json();
  const x = await account('x', 'asset');
  const y = await account('y', 'equity');
  const post = () =>
    t.request({
      method: 'POST',
      url: '/kontor/v1/entries',
      headers: h,
      payload: { ledger_id: ledger.id, postings: [{ account_id: x.id, side: 'debit', amount: '90000000000000000.00' }, { account_id: y.id, side: 'credit', amount: '90000000000000000.00' }] },
    });
  const first = await post();
  assert.equal(first.statusCode, 201, first.body);
  const r = await post();
  assert.equal(r.statusCode, 400, r.body);
  assert.match(r.body, /overflow/);
  assert.doesNotMatch(r.body, UUID);
});

test('Move: a transfer between the deleted account and the target is removed, never left from an account to itself', async () => {
  const u = await ledgyUser(t);
  const a = await u.account({ name: 'A', initialBalance: 100 });
  const b = await u.account({ name: 'B', initialBalance: 5 });
  const c = await u.account({ name: 'C' });
  const transfer = async (from: string, to: string, amount: number) => {
    const r = await u.call('POST', '/api/v1/transactions/transfer', { fromAccountId: from, toAccountId: to, amount, currencyCode: 'EUR', date: '2026-05-12' });
    assert.equal(r.statusCode, 201, r.body);
    return r.json();
  };
  const ab = await transfer(a.id, b.id, 30);
  const ba = await transfer(b.id, a.id, 2);
  const ca = await transfer(a.id, c.id, 7);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move&moveTargetAccountId=${b.id}`)).statusCode, 204);
  assert.equal((await u.call('GET', `/api/v1/transactions/${ab.id}`)).statusCode, 404);
  assert.equal((await u.call('GET', `/api/v1/transactions/${ba.id}`)).statusCode, 404);
  const moved = (await u.call('GET', `/api/v1/transactions/${ca.id}`)).json();
  assert.equal(moved.accountId, b.id);
  assert.equal(moved.toAccountId, c.id);
  for (const tx of (await u.call('GET', '/api/v1/transactions?type=transfer')).json().items) assert.notEqual(tx.accountId, tx.toAccountId);
  // B: its opening 5, the transfers with A gone, A's transfer to C now B's: 5 - 7 (A's opening is reversed with A).
  assert.deepEqual(await balances(u), { B: -2, C: 7 });
});

const JSON_TYPES = ['application/merge-patch+json', 'application/vnd.api+json; charset=utf-8', 'application/json; charset=utf-8'];

test('every JSON content type reads money exactly, on every kind of money endpoint', async () => {
  const u = await ledgyUser(t);
  const send = (method: 'POST' | 'PUT', url: string, body: string, type: string) =>
    t.request({ method, url, headers: { authorization: `Bearer ${u.token}`, 'content-type': type }, payload: body });
  for (const type of JSON_TYPES) {
    const acc = await send('POST', '/api/v1/accounts', '{"name":"Big","currencyCode":"EUR","initialBalance":12345678901.2345,"order":0}', type);
    assert.equal(acc.statusCode, 201, `${type}: ${acc.body}`);
    assert.match(acc.body, /"initialBalance":12345678901\.2345/);
    const id = acc.json().id;
    const accPut = await send('PUT', `/api/v1/accounts/${id}`, '{"name":"Big","currencyCode":"EUR","initialBalance":98765432109.8765,"order":0}', type);
    assert.equal(accPut.statusCode, 200, `${type}: ${accPut.body}`);
    assert.match(accPut.body, /"initialBalance":98765432109\.8765/);
    const other = (await send('POST', '/api/v1/accounts', '{"name":"Other","currencyCode":"EUR","initialBalance":0,"order":1}', type)).json();
    const tx = `{"type":"income","amount":99999999999.9999,"currencyCode":"EUR","date":"2026-05-12","accountId":"${id}"}`;
    const created = await send('POST', '/api/v1/transactions', tx, type);
    assert.equal(created.statusCode, 201, `${type}: ${created.body}`);
    assert.match(created.body, /"amount":99999999999\.9999/);
    const replaced = await send('PUT', `/api/v1/transactions/${created.json().id}`, tx.replace('99999999999.9999', '0.0001'), type);
    assert.equal(replaced.statusCode, 200, `${type}: ${replaced.body}`);
    assert.match(replaced.body, /"amount":0\.0001/);
    const transfer = await send('POST', '/api/v1/transactions/transfer', `{"fromAccountId":"${id}","toAccountId":"${other.id}","amount":1234567890.1234,"currencyCode":"EUR","date":"2026-05-12"}`, type);
    assert.equal(transfer.statusCode, 201, `${type}: ${transfer.body}`);
    assert.match(transfer.body, /"amount":1234567890\.1234/);
    const bulk = await send('POST', '/api/v1/transactions/bulk', `[${tx}]`, type);
    assert.equal(bulk.statusCode, 200, `${type}: ${bulk.body}`);
    assert.match(bulk.body, /"amount":99999999999\.9999/);
    const bulkPut = await send('PUT', '/api/v1/transactions/bulk', `[${tx.replace('{', `{"id":"${created.json().id}",`)}]`, type);
    assert.equal(bulkPut.statusCode, 200, `${type}: ${bulkPut.body}`);
    assert.equal(bulkPut.json().items.length, 1, bulkPut.body);
    const budget = await send('POST', '/api/v1/budgets', '{"amount":98765432109.8765,"currencyCode":"EUR","period":1,"startDate":"2026-05-01","isActive":true}', type);
    assert.equal(budget.statusCode, 201, `${type}: ${budget.body}`);
    assert.match(budget.body, /"amount":98765432109\.8765/);
    const budgetPut = await send('PUT', `/api/v1/budgets/${budget.json().id}`, '{"amount":0.0002,"currencyCode":"EUR","period":1,"startDate":"2026-05-01","isActive":true}', type);
    assert.equal(budgetPut.statusCode, 200, `${type}: ${budgetPut.body}`);
    assert.match(budgetPut.body, /"amount":0\.0002/);
  }
});
