import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRules } from '../../src/cfo/alerts.ts';
import type { Metrics, WindowTotals } from '../../src/cfo/metrics.ts';

const zero: WindowTotals = { recurringRevenue: 0n, oneTimeRevenue: 0n, refunds: 0n, recurringExpenses: 0n, oneTimeExpenses: 0n };

function metrics(current: Partial<WindowTotals>, previous: Partial<WindowTotals> = {}, runwayMonths: number | null = null): Metrics {
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
    recurringBurn: 0n,
    oneTimeExpenses: 0n,
    cashOnHand: null,
    runwayMonths,
    warnings: [],
    current: cur,
    previous: { ...zero, ...previous },
  };
}

const types = (m: Metrics) => evaluateRules(m).map((a) => `${a.type}:${a.severity}`);

test('runway_low: below 6 months warns, below 3 is critical', () => {
  assert.deepEqual(types(metrics({}, {}, 6)), []);
  assert.deepEqual(types(metrics({}, {}, 5.99)), ['runway_low:warn']);
  assert.deepEqual(types(metrics({}, {}, 3)), ['runway_low:warn']);
  assert.deepEqual(types(metrics({}, {}, 2.99)), ['runway_low:critical']);
  assert.deepEqual(types(metrics({}, {}, null)), [], 'no runway (no burn or no cash) is no alert');
  const [alert] = evaluateRules(metrics({}, {}, 2.5));
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
