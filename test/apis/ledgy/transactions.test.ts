import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

const row = (extra: object = {}) => ({ type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12T09:14:00Z', ...extra });

test('create: every documented field, source api, Location; validation 400', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account();
  const res = await u.call('POST', '/api/v1/transactions', `{"type":"expense","amount":8.50,"currencyCode":"EUR","date":"2026-05-12T09:14:00Z","accountId":"${acc.id}","categoryId":"cat_food_drinks","payee":"Pret","note":"Flat white"}`);
  assert.equal(res.statusCode, 201, res.body);
  const tx = res.json();
  assert.equal(res.headers.location, `/api/v1/transactions/${tx.id}`);
  assert.deepEqual(Object.keys(tx).sort(), [
    'accountId', 'amount', 'categoryId', 'convertedAmount', 'createdAt', 'currencyCode', 'date', 'deletedAt', 'exchangeRate', 'groupId', 'id', 'note',
    'payee', 'receiptImagePath', 'recurringTransactionId', 'source', 'toAccountId', 'type', 'updatedAt',
  ]);
  assert.equal(tx.source, 'api');
  assert.equal(tx.amount, 8.5);
  assert.equal(tx.categoryId, 'cat_food_drinks');
  for (const bad of [
    row({ type: 'transfer' }),
    row({ amount: 0 }),
    row({ amount: -5 }),
    row({ currencyCode: 'eur' }),
    row({ date: 'yesterday' }),
    row({ payee: 'x'.repeat(201) }),
    row({ note: 'x'.repeat(2001) }),
    row({ accountId: acc.id, currencyCode: 'USD' }),
  ]) {
    const r = await u.call('POST', '/api/v1/transactions', bad);
    assert.equal(r.statusCode, 400, `${JSON.stringify(bad)} → ${r.body}`);
  }
  assert.equal((await u.call('POST', '/api/v1/transactions', row({ categoryId: 'cat_nope' }))).statusCode, 404);
});

test('transfer: accounts must differ; across currencies it needs exchangeRate and convertedAmount', async () => {
  const u = await ledgyUser(t);
  const eur = await u.account({ initialBalance: 100 });
  const eur2 = await u.account({ name: 'Savings' });
  const usd = await u.account({ name: 'USD', currencyCode: 'USD' });
  const base = { fromAccountId: eur.id, toAccountId: eur2.id, amount: 10, currencyCode: 'EUR', date: '2026-05-12' };
  assert.equal((await u.call('POST', '/api/v1/transactions/transfer', { ...base, toAccountId: eur.id })).statusCode, 400);
  const same = await u.call('POST', '/api/v1/transactions/transfer', base);
  assert.equal(same.statusCode, 201, same.body);
  assert.equal(same.json().type, 'transfer');
  assert.equal(same.json().toAccountId, eur2.id);
  assert.equal(same.json().categoryId, null);
  assert.equal((await u.call('POST', '/api/v1/transactions/transfer', { ...base, toAccountId: usd.id })).statusCode, 400);
  const fx = await u.call('POST', '/api/v1/transactions/transfer', `{"fromAccountId":"${eur.id}","toAccountId":"${usd.id}","amount":33.33,"currencyCode":"EUR","date":"2026-05-12","exchangeRate":1.0851,"convertedAmount":36.17}`);
  assert.equal(fx.statusCode, 201, fx.body);
  assert.match(fx.body, /"exchangeRate":1\.0851,"convertedAmount":36\.17,/);
  const balances = Object.fromEntries((await u.call('GET', '/api/v1/accounts')).json().items.map((a: any) => [a.name, a.currentBalance]));
  assert.deepEqual(balances, { 'Wise EUR': 56.67, Savings: 10, USD: 36.17 });
});

test('PUT replaces through a reversal; DELETE reverses; history is kept', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account({ initialBalance: 20 });
  const tx = (await u.call('POST', '/api/v1/transactions', row({ accountId: acc.id, amount: 5 }))).json();
  const put = await u.call('PUT', `/api/v1/transactions/${tx.id}`, row({ accountId: acc.id, amount: 7, type: 'income', payee: 'Refund' }));
  assert.equal(put.statusCode, 200, put.body);
  assert.equal(put.json().type, 'income');
  assert.equal((await u.call('GET', `/api/v1/accounts/${acc.id}`)).json().currentBalance, 27);
  assert.equal((await u.call('DELETE', `/api/v1/transactions/${tx.id}`)).statusCode, 204);
  assert.equal((await u.call('DELETE', `/api/v1/transactions/${tx.id}`)).statusCode, 404);
  assert.equal((await u.call('GET', `/api/v1/accounts/${acc.id}`)).json().currentBalance, 20);
  // Opening + first entry + its reversal + the edit + its reversal.
  const [{ n }] = await t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM postings p JOIN ledgy_accounts a ON a.org_id = p.org_id AND a.ledger_account_id = p.account_id WHERE a.name = 'Wise EUR' AND a.initial_balance = 200000`,
  );
  assert.equal(n, 5);
});

test("another user's transaction is 404", async () => {
  const a = await ledgyUser(t);
  const b = await ledgyUser(t);
  const tx = (await a.call('POST', '/api/v1/transactions', row())).json();
  for (const [method, body] of [['GET'], ['PUT', row()], ['DELETE']] as const) {
    assert.equal((await b.call(method, `/api/v1/transactions/${tx.id}`, body)).statusCode, 404, method);
  }
  const bulk = (await b.call('POST', '/api/v1/transactions/bulk-delete', { ids: [tx.id] })).json();
  assert.deepEqual(bulk, { deleted: 0, notFound: [tx.id] });
});

test('bulk create: best effort with per-row errors; {items} accepted; more than 100 is 400', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account();
  const res = await u.call('POST', '/api/v1/transactions/bulk', [row({ accountId: acc.id }), row({ currencyCode: 'XYZ' }), row({ amount: 'ten' }), row({ accountId: 'acc_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A' }), row({ amount: 2 })]);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.items.length, 2);
  assert.deepEqual(body.errors.map((e: any) => e.index), [1, 2, 3]);
  assert.ok(body.errors.every((e: any) => typeof e.error === 'string' && e.error.length > 0));
  const wrapped = await u.call('POST', '/api/v1/transactions/bulk', { items: [row()] });
  assert.equal(wrapped.json().items.length, 1);
  const tooMany = await u.call('POST', '/api/v1/transactions/bulk', Array.from({ length: 101 }, () => row()));
  assert.equal(tooMany.statusCode, 400);
  assert.equal((await u.call('POST', '/api/v1/transactions/bulk', [])).statusCode, 400);
  const total = (await u.call('GET', '/api/v1/transactions')).json().totalCount;
  assert.equal(total, 3);
});

test('bulk create: an account deleted or changed since an earlier call is seen as it is now', async () => {
  const u = await ledgyUser(t);
  const gone = await u.account();
  const moved = await u.account({ name: 'Moves' });
  // The first call names both accounts (remembered from here on); the USD row is refused.
  const first = (await u.call('POST', '/api/v1/transactions/bulk', [row({ accountId: gone.id }), row({ accountId: moved.id, currencyCode: 'USD' })])).json();
  assert.deepEqual([first.items.length, first.errors.map((e: any) => e.index)], [1, [1]]);
  assert.equal((await u.call('DELETE', `/api/v1/accounts/${gone.id}`)).statusCode, 204);
  const put = await u.call('PUT', `/api/v1/accounts/${moved.id}`, { name: 'Moves', currencyCode: 'USD', initialBalance: 0, order: 0 });
  assert.equal(put.statusCode, 200, put.body);
  const later = (await u.call('POST', '/api/v1/transactions/bulk', [row({ accountId: gone.id }), row({ accountId: moved.id, currencyCode: 'USD' }), row({ accountId: moved.id })])).json();
  assert.deepEqual(later.items.map((i: any) => [i.accountId, i.currencyCode]), [[moved.id, 'USD']]);
  assert.deepEqual(later.errors.map((e: any) => e.index), [0, 2]);
  const usdOnly = (await u.call('POST', '/api/v1/transactions/bulk', [row({ accountId: moved.id, currencyCode: 'USD' })])).json();
  assert.equal(usdOnly.items.length, 1);
});

test('bulk update: each item carries its id; failures reported per row', async () => {
  const u = await ledgyUser(t);
  const one = (await u.call('POST', '/api/v1/transactions', row())).json();
  const two = (await u.call('POST', '/api/v1/transactions', row())).json();
  const res = await u.call('PUT', '/api/v1/transactions/bulk', [
    { id: one.id, ...row({ amount: 11 }) },
    { ...row({ amount: 12 }) },
    { id: 'tx_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A', ...row() },
    { id: two.id, ...row({ amount: 13.5 }) },
  ]);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().items.map((i: any) => i.amount), [11, 13.5]);
  assert.deepEqual(res.json().errors.map((e: any) => e.index), [1, 2]);
});

test('bulk create and update: a row the database refuses fails alone, the others are written', async () => {
  // A trigger stands in for any refusal only the database can make (a constraint, a range).
  await t.db.query(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'payee boom is refused' USING ERRCODE = 'check_violation'; END $$`);
  await t.db.query(`CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON ledgy_transactions FOR EACH ROW
    WHEN (NEW.payee = 'boom') EXECUTE FUNCTION refuse_boom()`);
  try {
    const u = await ledgyUser(t);
    const acc = await u.account();
    const res = await u.call('POST', '/api/v1/transactions/bulk', [row({ accountId: acc.id, amount: 1 }), row({ payee: 'boom' }), row({ amount: 'x' }), row({ accountId: acc.id, amount: 3 })]);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().items.map((i: any) => i.amount), [1, 3]);
    assert.deepEqual(res.json().errors.map((e: any) => e.index), [1, 2]);
    assert.match(res.json().errors[0].error, /refused/);
    const list = (await u.call('GET', '/api/v1/transactions')).json();
    assert.equal(list.totalCount, 2);
    // The refused row left no ledger entry behind: the account holds exactly the two written.
    assert.equal((await u.call('GET', `/api/v1/accounts/${acc.id}`)).json().currentBalance, -4);
    const [first] = res.json().items;
    const update = await u.call('PUT', '/api/v1/transactions/bulk', [{ id: first.id, ...row({ accountId: acc.id, payee: 'boom' }) }, { id: first.id, ...row({ accountId: acc.id, amount: 5 }) }]);
    assert.equal(update.statusCode, 200, update.body);
    assert.deepEqual(update.json().errors.map((e: any) => e.index), [0]);
    assert.deepEqual(update.json().items.map((i: any) => i.amount), [5]);
  } finally {
    await t.db.query('DROP TRIGGER refuse_boom ON ledgy_transactions');
    await t.db.query('DROP FUNCTION refuse_boom()');
  }
});

test('bulk-delete: 1..100 ids answering {deleted, notFound}', async () => {
  const u = await ledgyUser(t);
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await u.call('POST', '/api/v1/transactions', row())).json().id);
  const res = await u.call('POST', '/api/v1/transactions/bulk-delete', { ids: [...ids, 'tx_old1', ids[0]] });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { deleted: 3, notFound: ['tx_old1'] });
  assert.equal((await u.call('POST', '/api/v1/transactions/bulk-delete', { ids: [] })).statusCode, 400);
  assert.equal((await u.call('POST', '/api/v1/transactions/bulk-delete', { ids: Array.from({ length: 101 }, () => 'tx_x') })).statusCode, 400);
});

test('list: newest date first, filters, totalCount, limit clamped, bad cursor 400', async () => {
  const u = await ledgyUser(t);
  const acc = await u.account();
  await u.call('POST', '/api/v1/transactions', row({ date: '2026-01-01T10:00:00Z', payee: 'old' }));
  await u.call('POST', '/api/v1/transactions', row({ date: '2026-03-01T10:00:00Z', payee: 'mid', accountId: acc.id }));
  await u.call('POST', '/api/v1/transactions', row({ date: '2026-05-31T23:59:59Z', type: 'income', payee: 'new' }));
  const all = (await u.call('GET', '/api/v1/transactions')).json();
  assert.deepEqual(all.items.map((i: any) => i.payee), ['new', 'mid', 'old']);
  assert.equal(all.totalCount, 3);
  assert.equal(all.nextCursor, null);
  const q = async (query: string) => (await u.call('GET', `/api/v1/transactions?${query}`)).json().items.map((i: any) => i.payee);
  assert.deepEqual(await q('type=income'), ['new']);
  assert.deepEqual(await q('dateFrom=2026-03-01&dateTo=2026-05-31'), ['new', 'mid']);
  assert.deepEqual(await q('dateTo=2026-03-01'), ['mid', 'old']);
  assert.deepEqual(await q(`accountId=${acc.id}`), ['mid']);
  assert.deepEqual(await q('categoryId=cat_food_drinks'), []);
  const page = (await u.call('GET', '/api/v1/transactions?limit=0')).json();
  assert.equal(page.items.length, 1, 'limit 0 is clamped to 1');
  assert.equal(page.totalCount, 3);
  assert.equal((await u.call('GET', '/api/v1/transactions?limit=5000')).json().items.length, 3);
  assert.equal((await u.call('GET', '/api/v1/transactions?cursor=garbage')).statusCode, 400);
  assert.equal((await u.call('GET', '/api/v1/transactions?limit=abc')).statusCode, 400);
});

test('a walk across pages while rows are inserted sees every row present for the whole walk exactly once', async () => {
  const u = await ledgyUser(t);
  const original = new Set<string>();
  for (let i = 0; i < 25; i++) {
    // Several rows share a date, so ties are broken by creation then id.
    const r = await u.call('POST', '/api/v1/transactions', row({ date: `2026-04-${String(10 + (i % 5)).padStart(2, '0')}T12:00:00Z` }));
    original.add(r.json().id);
  }
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: any = (await u.call('GET', `/api/v1/transactions?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).json();
    seen.push(...res.items.map((i: any) => i.id));
    cursor = res.nextCursor;
    pages++;
    // Inserts during the walk, before, inside and after the walked range.
    for (const date of ['2026-04-30T00:00:00Z', '2026-04-12T12:00:00Z', '2026-01-01T00:00:00Z']) {
      await u.call('POST', '/api/v1/transactions', row({ date }));
    }
  } while (cursor && pages < 100);
  assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  for (const id of original) assert.ok(seen.includes(id), `gap: ${id} missing`);
});

test('updatedSince returns rows changed since, deleted ones with deletedAt', async () => {
  const u = await ledgyUser(t);
  const keep = (await u.call('POST', '/api/v1/transactions', row({ payee: 'keep' }))).json();
  const gone = (await u.call('POST', '/api/v1/transactions', row({ payee: 'gone' }))).json();
  t.clock.advance(60_000);
  const since = t.clock.now().toISOString();
  t.clock.advance(1000);
  await u.call('DELETE', `/api/v1/transactions/${gone.id}`);
  const fresh = (await u.call('POST', '/api/v1/transactions', row({ payee: 'fresh' }))).json();
  const res = (await u.call('GET', `/api/v1/transactions?updatedSince=${since}`)).json();
  const byId = Object.fromEntries(res.items.map((i: any) => [i.id, i]));
  assert.equal(byId[keep.id], undefined);
  assert.ok(byId[fresh.id] && byId[fresh.id].deletedAt === null);
  assert.match(byId[gone.id].deletedAt, /Z$/);
  assert.equal((await u.call('GET', '/api/v1/transactions')).json().items.some((i: any) => i.id === gone.id), false);
});
