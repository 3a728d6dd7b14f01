// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import type { Feature, PriceTier, TierType } from '../../src/billing/plans.ts';
import { graduatedPrice, ladderOf, overageQuantity, priceUsage } from '../../src/billing/tiers.ts';

const usd = (amount: bigint) => ({ amount, currency: 'usd' });
const rung = (type: TierType, upTo: bigint, unit: bigint, flat = 0n, featureKey = 'api_calls'): PriceTier => ({ featureKey, type, upTo, unitAmount: usd(unit), flatAmount: usd(flat) });
/** The notes' ladder: 1000 @ 3¢, 5000 @ 2¢, ∞ @ 1¢. */
const ladder = (type: TierType) => [rung(type, 1000n, 3n), rung(type, 5000n, 2n), rung(type, -1n, 1n)];
const metered = (limit: bigint): Pick<Feature, 'key' | 'type' | 'limit'> => ({ key: 'api_calls', type: 'metered', limit });

test('graduated, 6000 units: 3000 + 8000 + 1000 = 12000', () => {
  assert.equal(priceUsage(metered(0n), ladder('graduated'), 6000n), 12000n);
  assert.equal(graduatedPrice(ladderOf(ladder('graduated'), 'api_calls'), 6000n), 12000n);
});

test('graduated charges price(usage) − price(allowance)', () => {
  // 1000 included: units 1001–5000 at 2¢, 5001–6000 at 1¢.
  assert.equal(priceUsage(metered(1000n), ladder('graduated'), 6000n), 9000n);
  // Within the first rung only.
  assert.equal(priceUsage(metered(0n), ladder('graduated'), 1000n), 3000n);
  assert.equal(priceUsage(metered(0n), ladder('graduated'), 1001n), 3002n);
});

test('volume: the rung reached sets one rate; 3000 → 6000, 5001 → 5001', () => {
  assert.equal(priceUsage(metered(0n), ladder('volume'), 3000n), 6000n);
  assert.equal(priceUsage(metered(0n), ladder('volume'), 5001n), 5001n);
  assert.equal(priceUsage(metered(0n), ladder('volume'), 5000n), 10000n, 'up_to is inclusive');
  // Above an allowance: the rate of the rung usage reaches, times the units above it.
  assert.equal(priceUsage(metered(1000n), ladder('volume'), 3000n), 4000n);
});

test('invoice worked figure: 1500 calls, 1000 included at 3¢ → overage 500 units, 1500', () => {
  const feature = metered(1000n);
  const tiers = [rung('graduated', -1n, 3n)];
  assert.equal(overageQuantity(feature, 1500n), 500n);
  assert.equal(priceUsage(feature, tiers, 1500n), 1500n);
});

test("the reference's Pro ladder: 100000 included free, then 1¢: 100500 calls → 500", () => {
  const tiers = [rung('graduated', 100000n, 0n), rung('graduated', -1n, 1n)];
  assert.equal(priceUsage(metered(100000n), tiers, 100500n), 500n);
  assert.equal(priceUsage(metered(100000n), tiers, 45230n), 0n);
});

test('flat: band fees, charge = max(0, fee(usage) − fee(allowance))', () => {
  const bands = [rung('flat', 100n, 0n, 500n), rung('flat', 1000n, 0n, 2000n), rung('flat', -1n, 0n, 5000n)];
  assert.equal(priceUsage(metered(0n), bands, 50n), 500n);
  assert.equal(priceUsage(metered(0n), bands, 100n), 500n);
  assert.equal(priceUsage(metered(0n), bands, 101n), 2000n);
  assert.equal(priceUsage(metered(50n), bands, 500n), 1500n, 'the allowance sits in the first band: 2000 − 500');
  assert.equal(priceUsage(metered(0n), bands, 1_000_000n), 5000n);
  // A band fee that falls with usage never turns into a credit.
  const falling = [rung('flat', 100n, 0n, 900n), rung('flat', -1n, 0n, 100n)];
  assert.equal(priceUsage(metered(50n), falling, 500n), 0n);
});

test('no charge: unlimited allowance, usage within it, no tiers', () => {
  assert.equal(priceUsage(metered(-1n), ladder('graduated'), 10n ** 9n), 0n);
  assert.equal(priceUsage(metered(6000n), ladder('graduated'), 6000n), 0n);
  assert.equal(priceUsage(metered(0n), [], 6000n), 0n);
  assert.equal(priceUsage(metered(0n), ladder('graduated').map((t) => ({ ...t, featureKey: 'other' })), 6000n), 0n);
  assert.equal(overageQuantity(metered(-1n), 5n), 0n);
});

test('seats include none: every seat is priced', () => {
  const seats: Pick<Feature, 'key' | 'type' | 'limit'> = { key: 'seats', type: 'seat', limit: 10n };
  assert.equal(priceUsage(seats, [rung('graduated', -1n, 1000n, 0n, 'seats')], 3n), 3000n);
  assert.equal(overageQuantity(seats, 3n), 3n);
});

test('ladders sort by up_to with the unbounded rung last; without one, the last rung extends', () => {
  const shuffled = [rung('graduated', -1n, 1n), rung('graduated', 5000n, 2n), rung('graduated', 1000n, 3n)];
  assert.deepEqual(ladderOf(shuffled, 'api_calls').map((t) => t.upTo), [1000n, 5000n, -1n]);
  const bounded = [rung('graduated', 1000n, 3n), rung('graduated', 5000n, 2n)];
  assert.equal(priceUsage(metered(0n), bounded, 6000n), 3000n + 8000n + 2000n);
  assert.equal(priceUsage(metered(0n), [rung('volume', 1000n, 3n)], 2500n), 7500n);
});

test('big quantities stay exact', () => {
  const q = 2n ** 62n;
  assert.equal(priceUsage(metered(0n), [rung('graduated', -1n, 3n)], q), 3n * q);
});
