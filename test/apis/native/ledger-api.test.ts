import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

async function book(headers: Record<string, string>) {
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const account = async (code: string, type: string, extra: object = {}) =>
    (await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code, name: code, type, asset: 'USD', ...extra } })).json();
  return { ledger, cash: await account('cash', 'asset', { no_negative: true }), equity: await account('equity', 'equity'), fees: await account('fees', 'expense') };
}

const transfer = (ledger: string, debit: string, credit: string, amount: string, extra: object = {}) => ({
  ledger_id: ledger,
  postings: [
    { account_id: debit, side: 'debit', amount },
    { account_id: credit, side: 'credit', amount },
  ],
  ...extra,
});

test('accounts, entries, balances and the trial balance through HTTP', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity, fees } = await book(headers);
  assert.match(ledger.id, /^ldg_[0-9A-Z]{26}$/);
  assert.equal(cash.asset, 'USD/2');
  assert.equal(cash.no_negative, true);

  const posted = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: transfer(ledger.id, cash.id, equity.id, '100.5', { effective_at: '2026-01-15' }) });
  assert.equal(posted.statusCode, 201);
  assert.equal(posted.headers.location, `/kontor/v1/entries/${posted.json().id}`);
  assert.deepEqual(posted.json().postings.map((p: any) => [p.side, p.amount]), [['debit', '100.50'], ['credit', '100.50']]);

  const spend = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: transfer(ledger.id, fees.id, cash.id, '0.25') });
  assert.equal(spend.statusCode, 201);

  const balance = await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}/balance`, headers });
  assert.deepEqual(balance.json(), { object: 'balance', account_id: cash.id, asset: 'USD/2', balance: '100.25', as_of: null });
  const past = await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}/balance?as_of=2026-01-14`, headers });
  assert.equal(past.json().balance, '0.00');
  const then = await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}/balance?as_of=2026-01-15`, headers });
  assert.equal(then.json().balance, '100.50');

  const tb = (await t.request({ method: 'GET', url: `/kontor/v1/ledgers/${ledger.id}/trial-balance`, headers })).json();
  assert.deepEqual(tb.totals, [{ asset: 'USD/2', debit: '100.50', credit: '100.50' }]);

  const history = (await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}/history`, headers })).json();
  assert.deepEqual(history.data.map((l: any) => l.amount), ['-0.25', '100.50']);
});

test('a batch posts all its entries or none', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity, fees } = await book(headers);
  const refused = await t.request({
    method: 'POST',
    url: '/kontor/v1/entries/batch',
    headers,
    payload: { entries: [transfer(ledger.id, cash.id, equity.id, '10'), transfer(ledger.id, fees.id, cash.id, '10.01')] },
  });
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.json().field, 'entries[1].postings[1]');
  assert.equal((await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}`, headers })).json().balance, '0.00');

  const ok = await t.request({
    method: 'POST',
    url: '/kontor/v1/entries/batch',
    headers,
    payload: { entries: [transfer(ledger.id, cash.id, equity.id, '10'), transfer(ledger.id, fees.id, cash.id, '10')] },
  });
  assert.equal(ok.statusCode, 201);
  assert.equal(ok.json().data.length, 2);
});

test('an external id posts once; a second post answers 200 with the same entry', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity } = await book(headers);
  const body = transfer(ledger.id, cash.id, equity.id, '5', { external_id: 'order-1' });
  const first = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: body });
  const again = await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: body });
  assert.equal(first.statusCode, 201);
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().id, first.json().id);
  assert.equal((await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}`, headers })).json().balance, '5.00');
});

test('a reversal posts the mirror entry once', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity } = await book(headers);
  const entry = (await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: transfer(ledger.id, cash.id, equity.id, '7') })).json();
  const reversal = await t.request({ method: 'POST', url: `/kontor/v1/entries/${entry.id}/reversal`, headers, payload: {} });
  assert.equal(reversal.statusCode, 201);
  assert.equal(reversal.json().reverses_id, entry.id);
  assert.deepEqual(reversal.json().postings.map((p: any) => p.side), ['credit', 'debit']);
  const twice = await t.request({ method: 'POST', url: `/kontor/v1/entries/${entry.id}/reversal`, headers });
  assert.equal(twice.statusCode, 409);
  assert.equal((await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}`, headers })).json().balance, '0.00');
});

test('lists page with cursors and no duplicates', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity } = await book(headers);
  for (let i = 0; i < 7; i++) {
    await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: transfer(ledger.id, cash.id, equity.id, `${i + 1}`) });
  }
  const seen: string[] = [];
  let cursor = '';
  for (let page = 0; page < 10; page++) {
    const res = (await t.request({ method: 'GET', url: `/kontor/v1/entries?ledger_id=${ledger.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers })).json();
    seen.push(...res.data.map((e: any) => e.id));
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen).size, 7);
  assert.deepEqual([...seen].sort().reverse(), seen, 'newest first');
});

test('purging a ledger deletes it and everything in it', async () => {
  const { headers } = await t.tenant();
  const { ledger, cash, equity } = await book(headers);
  await t.request({ method: 'POST', url: '/kontor/v1/entries', headers, payload: transfer(ledger.id, cash.id, equity.id, '1') });
  assert.equal((await t.request({ method: 'DELETE', url: `/kontor/v1/ledgers/${ledger.id}`, headers })).statusCode, 204);
  assert.equal((await t.request({ method: 'GET', url: `/kontor/v1/ledgers/${ledger.id}`, headers })).statusCode, 404);
  assert.equal((await t.request({ method: 'GET', url: `/kontor/v1/accounts/${cash.id}`, headers })).statusCode, 404);
});

test('the OpenAPI document is 3.1 and lists the native routes', async () => {
  const doc = (await t.request({ method: 'GET', url: '/openapi/kontor.json' })).json();
  assert.equal(doc.openapi, '3.1.0');
  for (const path of ['/kontor/v1/entries', '/kontor/v1/entries/batch', '/kontor/v1/entries/{id}/reversal', '/kontor/v1/accounts/{id}/balance', '/kontor/v1/ledgers/{id}/trial-balance']) {
    assert.ok(doc.paths[path], `missing ${path}`);
  }
  const index = (await t.request({ method: 'GET', url: '/openapi' })).json();
  assert.ok(index.documents.some((d: any) => d.name === 'kontor' && d.url === '/openapi/kontor.json'));
});
