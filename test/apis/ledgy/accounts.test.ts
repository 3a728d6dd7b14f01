import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const expense = (accountId: string | null, amount: string, extra = '') =>
  `{"type":"expense","amount":${amount},"currencyCode":"EUR","date":"2026-05-12T09:14:00Z"${accountId ? `,"accountId":"${accountId}"` : ''}${extra}}`;

test('exact money round-trips: 12.5, 0.1, 12.3456, 99999999999.9999 and JPY 1234', async () => {
  const u = await ledgyUser(t);
  for (const [amount, currency] of [['12.5', 'EUR'], ['0.1', 'USD'], ['12.3456', 'EUR'], ['99999999999.9999', 'EUR'], ['1234', 'JPY']]) {
    const created = await u.call('POST', '/api/v1/accounts', `{"name":"A","currencyCode":"${currency}","initialBalance":${amount},"order":0}`);
    assert.equal(created.statusCode, 201, created.body);
    assert.match(created.body, new RegExp(`"initialBalance":${amount.replace('.', '\\.')},`));
    assert.match(created.body, new RegExp(`"currentBalance":${amount.replace('.', '\\.')},`));
    const got = await u.call('GET', `/api/v1/accounts/${created.json().id}`);
    assert.match(got.body, new RegExp(`"initialBalance":${amount.replace('.', '\\.')},`));
  }
});

test('a fifth decimal is 400', async () => {
  const u = await ledgyUser(t);
  const res = await u.call('POST', '/api/v1/accounts', '{"name":"A","currencyCode":"EUR","initialBalance":12.34567,"order":0}');
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error, /initialBalance has more than 4 decimal places/);
  const tx = await u.call('POST', '/api/v1/transactions', expense(null, '0.00001'));
  assert.equal(tx.statusCode, 400);
});

test('create answers 201 with Location; PUT replaces and needs every field; validation is 400', async () => {
  const u = await ledgyUser(t);
  const created = await u.call('POST', '/api/v1/accounts', { name: 'Cash', currencyCode: 'EUR', initialBalance: 50, order: 2, icon: 'wallet', color: '#22C55E' });
  assert.equal(created.statusCode, 201);
  const acc = created.json();
  assert.equal(created.headers.location, `/api/v1/accounts/${acc.id}`);
  assert.deepEqual(Object.keys(acc).sort(), ['color', 'createdAt', 'currencyCode', 'currentBalance', 'icon', 'iconColor', 'id', 'initialBalance', 'name', 'order', 'shareInviteToken', 'updatedAt']);
  assert.equal((await u.call('PUT', `/api/v1/accounts/${acc.id}`, { name: 'Cash' })).statusCode, 400);
  const replaced = await u.call('PUT', `/api/v1/accounts/${acc.id}`, { name: 'Wallet', currencyCode: 'EUR', initialBalance: 75.25, order: 1 });
  assert.equal(replaced.statusCode, 200);
  assert.equal(replaced.json().name, 'Wallet');
  assert.equal(replaced.json().icon, null);
  assert.equal(replaced.json().currentBalance, 75.25);
  for (const bad of [
    { name: 'x'.repeat(101), currencyCode: 'EUR', initialBalance: 0, order: 0 },
    { name: 'A', currencyCode: 'EURO', initialBalance: 0, order: 0 },
    { name: 'A', currencyCode: 'ABC', initialBalance: 0, order: 0 },
    { name: 'A', currencyCode: 'EUR', initialBalance: '5', order: 0 },
    { name: 'A', currencyCode: 'EUR', initialBalance: 0 },
  ]) {
    const res = await u.call('POST', '/api/v1/accounts', bad);
    assert.equal(res.statusCode, 400, JSON.stringify(bad));
  }
  assert.equal((await u.call('POST', '/api/v1/accounts', '{"name":')).statusCode, 400);
});

test("another user's account is 404 everywhere", async () => {
  const a = await ledgyUser(t);
  const b = await ledgyUser(t);
  const acc = await a.account();
  assert.equal((await b.call('GET', `/api/v1/accounts/${acc.id}`)).statusCode, 404);
  assert.equal((await b.call('PUT', `/api/v1/accounts/${acc.id}`, { name: 'x', currencyCode: 'EUR', initialBalance: 0, order: 0 })).statusCode, 404);
  assert.equal((await b.call('DELETE', `/api/v1/accounts/${acc.id}`)).statusCode, 404);
  assert.equal((await b.call('POST', '/api/v1/transactions', expense(acc.id, '1'))).statusCode, 404);
  assert.deepEqual((await b.call('GET', '/api/v1/accounts')).json(), { items: [], totalCount: 0 });
});

test('the balance is the ledger: opening plus transactions', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account({ initialBalance: 100 });
  await u.call('POST', '/api/v1/transactions', expense(acc.id, '8.5'));
  await u.call('POST', '/api/v1/transactions', `{"type":"income","amount":0.25,"currencyCode":"EUR","date":"2026-05-12","accountId":"${acc.id}"}`);
  assert.equal((await u.call('GET', `/api/v1/accounts/${acc.id}`)).json().currentBalance, 91.75);
});

test('DELETE ?action=Detach keeps transactions with no account; Move reassigns; DeleteAll removes them', async () => {
  const u = await ledgyUser(t);
  const a = await u.account({ initialBalance: 10 });
  const b = await u.account({ name: 'B' });
  const usd = await u.account({ name: 'USD', currencyCode: 'USD' });
  const tx = (await u.call('POST', '/api/v1/transactions', expense(a.id, '3'))).json();

  // Move needs a live account of the user, in the same currency, other than itself.
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move`)).statusCode, 400);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move&moveTargetAccountId=${a.id}`)).statusCode, 400);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move&moveTargetAccountId=${usd.id}`)).statusCode, 400);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move&moveTargetAccountId=acc_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A`)).statusCode, 404);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Sideways`)).statusCode, 400);

  assert.equal((await u.call('DELETE', `/api/v1/accounts/${a.id}?action=Move&moveTargetAccountId=${b.id}`)).statusCode, 204);
  assert.equal((await u.call('GET', `/api/v1/transactions/${tx.id}`)).json().accountId, b.id);
  assert.equal((await u.call('GET', `/api/v1/accounts/${b.id}`)).json().currentBalance, -3);
  assert.equal((await u.call('GET', `/api/v1/accounts/${a.id}`)).statusCode, 404);

  assert.equal((await u.call('DELETE', `/api/v1/accounts/${b.id}`)).statusCode, 204);
  const detached = (await u.call('GET', `/api/v1/transactions/${tx.id}`)).json();
  assert.equal(detached.accountId, null);
  assert.equal(detached.amount, 3);

  const c = await u.account({ name: 'C' });
  const tx2 = (await u.call('POST', '/api/v1/transactions', expense(c.id, '4'))).json();
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${c.id}?action=DeleteAll`)).statusCode, 204);
  assert.equal((await u.call('GET', `/api/v1/transactions/${tx2.id}`)).statusCode, 404);
  assert.equal((await u.call('GET', `/api/v1/transactions/${tx.id}`)).statusCode, 200);

  // Every entry still balances: the ledger sums to zero per asset.
  const sums = await t.db.query<{ currency: string; total: bigint }>(
    `SELECT a.currency, sum(a.balance)::int8 AS total FROM accounts a JOIN ledgy_users l ON l.org_id = a.org_id AND l.ledger_id = a.ledger_id GROUP BY a.currency`,
  );
  for (const s of sums) assert.equal(s.total, 0n, s.currency);
});

test('the icon catalogue has version, library, categories and colors', async () => {
  const u = await ledgyUser(t);
  const icons = (await u.call('GET', '/api/v1/icons')).json();
  assert.equal(typeof icons.version, 'string');
  assert.equal(icons.library, 'font-awesome-6');
  assert.ok(icons.categories.some((c: any) => c.icons.includes('wallet')));
  assert.ok(icons.colors.some((c: any) => c.hex === '#4A90E2'));
});
