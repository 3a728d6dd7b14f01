// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRules } from '../../src/mycfo/alerts.ts';
import type { Metrics, WindowTotals } from '../../src/mycfo/metrics.ts';

const zero: WindowTotals = { recurringRevenue: 0n, oneTimeRevenue: 0n, refunds: 0n, recurringExpenses: 0n, oneTimeExpenses: 0n };

/** `runway` is [cash on hand, recurring burn] in cents; runway_months is their ratio, rounded as the metrics round it. */
function metrics(current: Partial<WindowTotals>, previous: Partial<WindowTotals> = {}, runway: [bigint, bigint] | null = null): Metrics {
  const cur = { ...zero, ...current };
  const net = cur.recurringRevenue + cur.oneTimeRevenue + cur.refunds;
  return {
    asOf: '2026-02-28',
    currency: 'USD',
    grossRevenue: cur.recurringRevenue + cur.oneTimeRevenue,
    refunds: cur.refunds,
    netRevenue: net,
    mrr: cur.recurringRevenue,
    arr: cur.recurringRevenue * 12n,
    burn: 0n,
    recurringBurn: runway ? runway[1] : 0n,
    oneTimeExpenses: 0n,
    cashOnHand: runway ? runway[0] : null,
    runwayMonths: runway && runway[1] > 0n ? Math.round(Number(runway[0] * 100n) / Number(runway[1])) / 100 : null,
    warnings: [],
    current: cur,
    previous: { ...zero, ...previous },
  };
}

const types = (m: Metrics) => evaluateRules(m).map((a) => `${a.type}:${a.severity}`);

test('runway_low: the exact runway is compared, not the rounded one', () => {
  // 5.996 and 2.996 months round to 6 and 3.
  assert.deepEqual(types(metrics({}, {}, [5996n, 1000n])), ['runway_low:warn']);
  assert.deepEqual(types(metrics({}, {}, [2996n, 1000n])), ['runway_low:critical']);
  assert.equal(evaluateRules(metrics({}, {}, [5996n, 1000n]))[0].payload.runway_months, 6);
});

test('runway_low: below 6 months warns, below 3 is critical', () => {
  assert.deepEqual(types(metrics({}, {}, [600n, 100n])), []);
  assert.deepEqual(types(metrics({}, {}, [599n, 100n])), ['runway_low:warn']);
  assert.deepEqual(types(metrics({}, {}, [300n, 100n])), ['runway_low:warn']);
  assert.deepEqual(types(metrics({}, {}, [299n, 100n])), ['runway_low:critical']);
  assert.deepEqual(types(metrics({}, {}, null)), [], 'no runway (no burn or no cash) is no alert');
  assert.deepEqual(types(metrics({}, {}, [100n, 0n])), [], 'no burn is no runway');
  const [alert] = evaluateRules(metrics({}, {}, [250n, 100n]));
  assert.deepEqual(alert.payload, { runway_months: 2.5 });
});

test('mrr_decline: more than 8 % down on the prior 30 days, only with recurring revenue', () => {
  assert.deepEqual(types(metrics({ recurringRevenue: 9200n }, { recurringRevenue: 10000n })), []);
  assert.deepEqual(types(metrics({ recurringRevenue: 9199n }, { recurringRevenue: 10000n })), ['mrr_decline:warn', 'revenue_decline:warn']);
  assert.deepEqual(types(metrics({ recurringRevenue: 0n, oneTimeRevenue: 10000n }, { oneTimeRevenue: 10000n })), []);
});

test('revenue_decline: net revenue more than 8 % down', () => {
  assert.deepEqual(types(metrics({ oneTimeRevenue: 9200n }, { oneTimeRevenue: 10000n })), []);
  assert.deepEqual(types(metrics({ oneTimeRevenue: 9199n }, { oneTimeRevenue: 10000n })), ['revenue_decline:warn']);
  // Refunds count: net = gross + refunds.
  assert.deepEqual(types(metrics({ oneTimeRevenue: 10000n, refunds: -801n }, { oneTimeRevenue: 10000n, refunds: -1n })), ['revenue_decline:warn', 'refund_spike:warn']);
  assert.deepEqual(types(metrics({ oneTimeRevenue: 100n }, {})), [], 'no prior revenue, no decline');
});

test('refund_spike: refunds more than twice the previous period', () => {
  assert.deepEqual(types(metrics({ oneTimeRevenue: 100000n, refunds: -200n }, { oneTimeRevenue: 100000n, refunds: -100n })), []);
  assert.deepEqual(types(metrics({ oneTimeRevenue: 100000n, refunds: -201n }, { oneTimeRevenue: 100000n, refunds: -100n })), ['refund_spike:warn']);
  assert.deepEqual(types(metrics({ oneTimeRevenue: 100000n, refunds: 0n }, { oneTimeRevenue: 100000n })), []);
  assert.deepEqual(types(metrics({ oneTimeRevenue: 100000n, refunds: -1n }, { oneTimeRevenue: 100000n })), ['refund_spike:warn']);
});
