// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDecimal, parseAsset, parseDecimal } from '../../src/platform/money.ts';

test('decimals parse exactly into units of the scale and print back', () => {
  assert.equal(parseDecimal('12.5', 2, 'a'), 1250n);
  assert.equal(parseDecimal('0.1', 4, 'a'), 1000n);
  assert.equal(parseDecimal('12.3456', 4, 'a'), 123456n);
  assert.equal(parseDecimal('99999999999.9999', 4, 'a'), 999999999999999n);
  assert.equal(parseDecimal('1234', 0, 'a'), 1234n);
  assert.equal(parseDecimal('-3.10', 2, 'a'), -310n);
  assert.equal(parseDecimal('1.500', 2, 'a'), 150n, 'trailing zeros beyond the scale are fine');
  assert.equal(formatDecimal(1250n, 2), '12.50');
  assert.equal(formatDecimal(-5n, 2), '-0.05');
  assert.equal(formatDecimal(1234n, 0), '1234');
  assert.equal(formatDecimal(9223372036854775807n, 4), '922337203685477.5807');
});

test('too many decimals, overflow and non-numbers are refused with the field named', () => {
  assert.throws(() => parseDecimal('1.001', 2, 'amount'), /amount has more than 2 decimal places/);
  assert.throws(() => parseDecimal('12.34567', 4, 'amount'), /more than 4/);
  assert.throws(() => parseDecimal('9223372036854775808', 0, 'amount'), /amount is too large/);
  assert.throws(() => parseDecimal('1e3', 2, 'amount'), /amount must be a decimal/);
  assert.throws(() => parseDecimal(12.5, 2, 'amount'), /amount must be a decimal string/);
});

test('assets: the default scale is the currency exponent', () => {
  assert.deepEqual(parseAsset('USD', 'a'), { currency: 'USD', scale: 2 });
  assert.deepEqual(parseAsset('JPY', 'a'), { currency: 'JPY', scale: 0 });
  assert.deepEqual(parseAsset('BHD', 'a'), { currency: 'BHD', scale: 3 });
  assert.deepEqual(parseAsset('EUR/4', 'a'), { currency: 'EUR', scale: 4 });
  assert.throws(() => parseAsset('ABC', 'asset'), /unknown currency/);
  assert.throws(() => parseAsset('usd', 'asset'), /asset must be/);
});
