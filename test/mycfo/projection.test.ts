// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project, monthsAfter } from '../../src/analytics/projection.ts';
import { rationalFromNumber, roundDiv, ZERO } from '../../src/analytics/rational.ts';

const r = (n: number) => rationalFromNumber(n, 'x');
const base = { mrrGrowthPct: r(6), churnPct: r(2), grossMarginPct: r(85) };

test("the reference's example: 2,150,000 at 6 % gives 2,279,000 then 2,415,740", () => {
  const p = project({ mrr: 2150000n, cash: 5000000n, recurringBurn: 350000n }, base, r(2), 12);
  assert.equal(p.mrr[0], 2279000n);
  assert.equal(p.mrr[1], 2415740n);
  // mrr(t+1) = mrr(t) × 1.06 throughout, to the cent.
  for (let t = 1; t < 12; t++) assert.equal(p.mrr[t], roundDiv(p.mrr[t - 1] * 106n, 100n));
  // runway(t) = cash(t) / recurring burn, two decimals.
  for (let t = 0; t < 12; t++) assert.equal(p.runway[t], Number(roundDiv(p.cash[t]! * 100n, 350000n)) / 100);
  // cash(t) = cash(t−1) − burn + new MRR × 85 %.
  assert.equal(p.cash[0], 5000000n - 350000n + roundDiv((2279000n - 2150000n) * 85n, 100n));
});

test('churn differing from the base by Δ points moves net growth by −Δ', () => {
  const start = { mrr: 1000000n, cash: null, recurringBurn: 0n };
  const worse = project(start, { ...base, churnPct: r(3) }, r(2), 1);
  assert.equal(worse.mrr[0], 1050000n);
  const scenario = project(start, base, r(2), 1, { churnDeltaPp: r(1.5) });
  assert.equal(scenario.mrr[0], 1045000n);
  assert.deepEqual(scenario.cash, [null]);
  assert.deepEqual(scenario.runway, [null]);
});

test('a price change scales MRR; a hire adds its cost from its start month', () => {
  const start = { mrr: 1000000n, cash: 10000000n, recurringBurn: 100000n };
  const priced = project(start, { ...base, mrrGrowthPct: ZERO, churnPct: ZERO }, ZERO, 2, { priceChange: r(0.1) });
  assert.deepEqual(priced.mrr, [1100000n, 1100000n]);
  const hire = project(start, { ...base, mrrGrowthPct: ZERO, churnPct: ZERO }, ZERO, 3, { extraCost: { fromIndex: 1, cents: 50000n } });
  assert.deepEqual(hire.cash, [9900000n, 9750000n, 9600000n]);
  assert.deepEqual(hire.runway, [99, 65, 64]);
});

test('months follow as_of', () => {
  assert.deepEqual(monthsAfter('2026-11-30', 3), ['2026-12', '2027-01', '2027-02']);
});

test('JSON numbers become exact fractions', () => {
  assert.deepEqual(rationalFromNumber(0.1, 'x'), { num: 1n, den: 10n });
  assert.deepEqual(rationalFromNumber(1e-7, 'x'), { num: 1n, den: 10000000n });
  assert.deepEqual(rationalFromNumber(-2.5, 'x'), { num: -25n, den: 10n });
});
