// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { formatDisplay, moneyView } from '../../src/billing/money-view.ts';

test("the reference's figures", () => {
  assert.deepEqual(moneyView({ amount: 4999n, currency: 'usd' }), { amount: 4999n, currency: 'usd', display: '$49.99' });
  assert.equal(formatDisplay(0n, 'usd'), '$0.00');
  assert.equal(formatDisplay(2500n, 'usd'), '$25.00');
  assert.equal(formatDisplay(-10000n, 'usd'), '-$100.00', 'the sign before the symbol, not $-100.00');
});

test('symbols of the notes, exactly the currency decimals, no thousands separator', () => {
  assert.equal(formatDisplay(19900n, 'eur'), '€199.00');
  assert.equal(formatDisplay(9900n, 'gbp'), '£99.00');
  assert.equal(formatDisplay(100n, 'jpy'), '¥100');
  assert.equal(formatDisplay(100n, 'cny'), '¥1.00');
  assert.equal(formatDisplay(123456789n, 'cad'), 'C$1234567.89');
  assert.equal(formatDisplay(5n, 'aud'), 'A$0.05');
  assert.equal(formatDisplay(1050n, 'nzd'), 'NZ$10.50');
  assert.equal(formatDisplay(1050n, 'chf'), 'CHF 10.50');
  assert.equal(formatDisplay(1050n, 'sek'), 'kr 10.50');
  assert.equal(formatDisplay(-1n, 'eur'), '-€0.01');
});

test('other currencies: upper-case code and a space, decimals from ISO 4217', () => {
  assert.equal(formatDisplay(1000n, 'krw'), 'KRW 1000');
  assert.equal(formatDisplay(1000n, 'vnd'), 'VND 1000');
  assert.equal(formatDisplay(1000n, 'clp'), 'CLP 1000');
  assert.equal(formatDisplay(1000n, 'pyg'), 'PYG 1000');
  assert.equal(formatDisplay(1500n, 'bhd'), 'BHD 1.500');
  assert.equal(formatDisplay(12345n, 'clf'), 'CLF 1.2345');
  // ISO 4217 gives the rupiah two decimals (the notes list it as zero-decimal, as Stripe does);
  // the project's table is ISO's, so an amount of 100 is Rp 1.00.
  assert.equal(formatDisplay(100n, 'idr'), 'IDR 1.00');
  assert.equal(moneyView({ amount: 100n, currency: 'JPY' }).currency, 'jpy');
  assert.throws(() => formatDisplay(1n, 'xyz'), RangeError);
});

test('amounts beyond 2^53 stay exact', () => {
  assert.equal(formatDisplay(9223372036854775807n, 'usd'), '$92233720368547758.07');
});
