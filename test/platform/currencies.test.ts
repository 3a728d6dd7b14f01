import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { currencyExponent, parseAsset } from '../../src/platform/money.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ledgyUser } from '../helpers/ledgy.ts';
import { mycfoTenant } from '../helpers/mycfo.ts';

/** Every current ISO 4217 code is accepted with its minor unit (docs/decisions/0008-iso-4217-currencies.md). */

test('ISO 4217 funds, metals and testing codes are currencies, with their minor units', () => {
  const expected: Record<string, number> = {
    USD: 2, JPY: 0, BHD: 3, CLF: 4, UYW: 4, BOV: 2, CHE: 2, COU: 2, MXV: 2, USN: 2, UYI: 0, VED: 2, SLE: 2, ZWG: 2,
    // No minor unit in ISO ("N.A."): scale 0 by default.
    XAU: 0, XAG: 0, XPT: 0, XPD: 0, XXX: 0, XTS: 0, XDR: 0, XBA: 0, XSU: 0, XUA: 0,
  };
  for (const [code, exponent] of Object.entries(expected)) assert.equal(currencyExponent(code), exponent, code);
  assert.deepEqual(parseAsset('XAU/4', 'asset'), { currency: 'XAU', scale: 4 });
});

test('codes that are not ISO 4217 are refused', () => {
  for (const code of ['ABC', 'XYZ', 'usd', 'EURO', 'ZZZ']) assert.equal(currencyExponent(code), null, code);
  assert.throws(() => parseAsset('ABC', 'currencyCode'), /currencyCode: unknown currency "ABC"/);
});

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(async () => t.close());

test('every surface accepts XAU, XXX, XTS, BOV, CLF and UYW', async () => {
  const { headers } = await t.tenant();
  const ledger = (await t.request({ method: 'POST', url: '/kontor/v1/ledgers', headers, payload: { name: 'main' } })).json();
  const ledgy = await ledgyUser(t);
  const mycfo = await mycfoTenant(t);
  for (const code of ['XAU', 'XXX', 'XTS', 'BOV', 'CLF', 'UYW']) {
    const kontor = await t.request({ method: 'POST', url: '/kontor/v1/accounts', headers, payload: { ledger_id: ledger.id, code: `a-${code}`, name: code, type: 'asset', asset: code } });
    assert.equal(kontor.statusCode, 201, `${code}: ${kontor.body}`);
    assert.equal(kontor.json().asset, `${code}/${currencyExponent(code)}`);
    const account = await ledgy.call('POST', '/api/v1/accounts', { name: code, currencyCode: code, initialBalance: 1.5, order: 0 });
    assert.equal(account.statusCode, 201, `${code}: ${account.body}`);
    const tx = await ledgy.call('POST', '/api/v1/transactions', { type: 'expense', amount: 2.25, currencyCode: code, date: '2026-05-01' });
    assert.equal(tx.statusCode, 201, `${code}: ${tx.body}`);
    const ws = await mycfo.call('POST', '/v1/workspaces', { name: code, currency: code });
    assert.equal(ws.statusCode, 201, `${code}: ${ws.body}`);
    assert.equal(ws.json().currency, code);
  }
});
