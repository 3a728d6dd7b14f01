import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { ledgyUser } from '../../helpers/ledgy.ts';
import { mycfoTenant } from '../../helpers/mycfo.ts';
import { formatId } from '../../../src/platform/ids.ts';

// Issue 12 (testing from outside), item 18: a native-API key minted for the org that holds
// another surface's data (Ledgy's one org, a MyCFO org) must neither read nor write it.

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

async function nativeKey(orgId: string) {
  const { secret } = await t.core.apiKeys.create({ orgId, surface: 'kontor', scopes: ['ledger:read', 'ledger:write'], mode: 'live' });
  const headers = { authorization: `Bearer ${secret}` };
  return (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.request({ method, url, headers, ...(payload ? { payload } : {}) });
}

/** Every native route that names the ledger, one of its accounts or one of its entries answers 404. */
async function assertInvisible(call: Awaited<ReturnType<typeof nativeKey>>, orgId: string, ledgerId: string) {
  const [account] = await t.db.query<{ id: string }>('SELECT id FROM accounts WHERE org_id = $1 AND ledger_id = $2 ORDER BY id LIMIT 1', [orgId, ledgerId]);
  const [entry] = await t.db.query<{ id: string }>('SELECT id FROM entries WHERE org_id = $1 AND ledger_id = $2 ORDER BY id LIMIT 1', [orgId, ledgerId]);
  assert.ok(account && entry, 'the other surface wrote to its ledger');
  const ldg = formatId('ldg', ledgerId);
  const acct = formatId('acct', account.id);
  const ent = formatId('ent', entry.id);
  const listed = await call('GET', '/kontor/v1/ledgers');
  assert.equal(listed.statusCode, 200, listed.body);
  assert.ok(!listed.body.includes(ldg), listed.body);
  for (const [method, url, body] of [
    ['GET', `/kontor/v1/ledgers/${ldg}`],
    ['GET', `/kontor/v1/ledgers/${ldg}/trial-balance`],
    ['GET', `/kontor/v1/accounts?ledger_id=${ldg}`],
    ['GET', `/kontor/v1/accounts/${acct}`],
    ['GET', `/kontor/v1/accounts/${acct}/balance`],
    ['GET', `/kontor/v1/accounts/${acct}/history`],
    ['GET', `/kontor/v1/entries?ledger_id=${ldg}`],
    ['GET', `/kontor/v1/entries/${ent}`],
    ['POST', `/kontor/v1/entries/${ent}/reversal`, {}],
    ['POST', '/kontor/v1/accounts', { ledger_id: ldg, code: 'intruder', name: 'Intruder', type: 'asset', asset: 'EUR/4' }],
    ['POST', '/kontor/v1/entries', { ledger_id: ldg, postings: [{ account_id: acct, side: 'debit', amount: '1' }, { account_id: acct, side: 'credit', amount: '1' }] }],
    ['POST', '/kontor/v1/entries/batch', { entries: [{ ledger_id: ldg, postings: [{ account_id: acct, side: 'debit', amount: '1' }, { account_id: acct, side: 'credit', amount: '1' }] }] }],
    ['DELETE', `/kontor/v1/ledgers/${ldg}`],
  ] as const) {
    const r = await call(method, url, body);
    assert.equal(r.statusCode, 404, `${method} ${url} → ${r.body}`);
  }
  const [still] = await t.db.query('SELECT 1 FROM ledgers WHERE org_id = $1 AND id = $2', [orgId, ledgerId]);
  assert.ok(still, 'the ledger is still there');
  // The key itself works on the native API's own ledgers in that org.
  const own = await call('POST', '/kontor/v1/ledgers', { name: 'native' });
  assert.equal(own.statusCode, 201, own.body);
  assert.equal((await call('GET', `/kontor/v1/ledgers/${own.json().id}`)).statusCode, 200);
  assert.deepEqual((await call('GET', '/kontor/v1/ledgers')).json().data.map((l: any) => l.id), [own.json().id]);
}

test("a native key for Ledgy's org sees none of the Ledgy users' ledgers", async () => {
  const u = await ledgyUser(t);
  const acc = await u.account({ initialBalance: 10 });
  const r = await u.call('POST', '/api/v1/transactions', { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-12', accountId: acc.id });
  assert.equal(r.statusCode, 201, r.body);
  const [user] = await t.db.query<{ org_id: string; ledger_id: string }>(
    `SELECT l.org_id, l.ledger_id FROM ledgy_users l JOIN users u ON u.org_id = l.org_id AND u.id = l.id WHERE u.email = $1`,
    [u.email],
  );
  await assertInvisible(await nativeKey(user.org_id), user.org_id, user.ledger_id);
});

test("a native key for a MyCFO org sees none of its workspaces' ledgers", async () => {
  const m = await mycfoTenant(t);
  const ws = await m.workspace({ name: `Isolated ${Math.random()}`, cash_on_hand_cents: 100 });
  const ingest = await m.call('POST', `/v1/workspaces/${ws.id}/ingest/revenue`, { revenue: [{ subtype: 'recurring', amount_cents: 1000, occurred_at: '2026-05-01' }] });
  assert.ok(ingest.statusCode < 300, ingest.body);
  const [row] = await t.db.query<{ org_id: string; ledger_id: string }>('SELECT org_id, ledger_id FROM cfo_workspaces WHERE name = $1', [ws.name]);
  await assertInvisible(await nativeKey(row.org_id), row.org_id, row.ledger_id);
});
