// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { assertFits, assertRedeemable, discountLines, isWithinWindow, patchCoupon, validateCoupon } from '../../src/billing/coupons.ts';
import { billingCodeOf } from '../../src/billing/errors.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return billingCodeOf(error) ?? String(error);
  }
  return null;
};
const param = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { field?: string }).field;
  }
  return null;
};

test('coupons: the notes worked discounts (4900 with 10 %: 490; 10 % and $5: 990; no compounding)', () => {
  const ten = { id: 'a', code: 'TEN', type: 'percentage' as const, percentage: 10, amount: null, currency: null };
  const five = { id: 'b', code: 'FIVE', type: 'amount' as const, percentage: null, amount: 500n, currency: 'usd' };
  assert.deepEqual(discountLines([ten], 4900n, 'usd').map((l) => [l.description, l.amount]), [['Discount TEN', -490n]]);
  assert.deepEqual(discountLines([ten, five], 4900n, 'usd').map((l) => l.amount), [-490n, -500n]);
  // Two percentage coupons both take their share of the pre-discount subtotal.
  assert.deepEqual(discountLines([ten, { ...ten, id: 'c', code: 'TEN2' }], 4900n, 'usd').map((l) => l.amount), [-490n, -490n]);
  // Half away from zero: 25 % of 4999 = 1249.75 → 1250; 10 % of 5 = 0.5 → 1; 0 % → no line.
  assert.equal(discountLines([{ ...ten, percentage: 25 }], 4999n, 'usd')[0].amount, -1250n);
  assert.equal(discountLines([ten], 5n, 'usd')[0].amount, -1n);
  assert.deepEqual(discountLines([{ ...ten, percentage: 0 }], 4900n, 'usd'), []);
  // An amount coupon in another currency gives no line; a negative subtotal discounts nothing by percentage.
  assert.deepEqual(discountLines([five], 4900n, 'eur'), []);
  assert.deepEqual(discountLines([ten], -100n, 'usd'), []);
  // Amount coupons are not capped by the line (the invoice's net is max(0, subtotal − discount)).
  assert.equal(discountLines([five], 100n, 'usd')[0].amount, -500n);
});

test('coupons: validation in order, each naming its field', () => {
  assert.equal(param(() => validateCoupon({ type: 'percentage', percentage: 5 })), 'code');
  assert.equal(param(() => validateCoupon({ code: '  ', type: 'percentage' })), 'code');
  assert.equal(param(() => validateCoupon({ code: 'a/b', type: 'percentage', percentage: 5 })), 'code');
  assert.equal(param(() => validateCoupon({ code: 'X' })), 'type');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'free' })), 'type');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage' })), 'percentage');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: 101 })), 'percentage');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: -1 })), 'percentage');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: 5, currency: 'xyz' })), 'currency');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'amount' })), 'amount.amount');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'amount', amount: { amount: -1 } })), 'amount.amount');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'amount', amount: { amount: 100 } })), 'currency');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'amount', amount: { amount: 100, currency: 'eur' }, currency: 'usd' })), 'amount.currency');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: 5, valid_from: 'soon' })), 'valid_from');
  assert.equal(param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: 5, max_redemptions: 2 ** 40 })), 'max_redemptions');
  assert.equal(
    param(() => validateCoupon({ code: 'X', type: 'percentage', percentage: 5, valid_from: '2025-02-01T00:00:00Z', valid_until: '2025-01-01T00:00:00Z' })),
    'valid_until',
  );
  const c = validateCoupon({ code: ' FLAT10 ', type: 'amount', amount: { amount: 1000, currency: 'USD' } });
  assert.deepEqual([c.code, c.name, c.currency, c.amount, c.maxRedemptions], ['FLAT10', 'FLAT10', 'usd', 1000n, 0]);
  // An update re-checks the window against the stored bounds.
  assert.equal(param(() => patchCoupon(validateCoupon({ code: 'X', type: 'percentage', percentage: 5, valid_from: '2025-06-01T00:00:00Z' }), { valid_until: '2025-05-01T00:00:00Z' })), 'valid_until');
});

test('coupons: the window (valid_until exclusive) and the fit', () => {
  const c = validateCoupon({ code: 'S', type: 'percentage', percentage: 25, valid_from: '2025-06-01T00:00:00Z', valid_until: '2025-09-01T00:00:00Z' });
  assert.equal(code(() => assertRedeemable(c, new Date('2025-05-31T23:59:59Z'))), 'coupon_not_started');
  assert.equal(code(() => assertRedeemable(c, new Date('2025-06-01T00:00:00Z'))), null);
  assert.equal(code(() => assertRedeemable(c, new Date('2025-09-01T00:00:00Z'))), 'coupon_expired');
  assert.equal(isWithinWindow(c, new Date('2025-07-01T00:00:00Z')), true);
  assert.equal(isWithinWindow(c, new Date('2025-09-01T00:00:00Z')), false);
  const flat = validateCoupon({ code: 'F', type: 'amount', amount: { amount: 1000, currency: 'eur' } });
  assert.equal(code(() => assertFits(flat, { status: 'active', currency: 'usd' })), 'coupon_invalid');
  assert.equal(code(() => assertFits(c, { status: 'canceled', currency: 'usd' })), 'coupon_invalid');
  assert.equal(code(() => assertFits(c, { status: 'trialing', currency: 'usd' })), null);
});
