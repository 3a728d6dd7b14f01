// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { validatePlan, type PlanInput } from '../../src/billing/plans.ts';
import { planChangeLines, prorateAmount, remainingSeconds } from '../../src/billing/proration.ts';
import { changePlan, startSubscription, type SubscribablePlan } from '../../src/billing/subscriptions.ts';
import { d, refuses } from './helpers.ts';

const iso = (x: Date | null) => (x === null ? null : x.toISOString());
function plan(id: string, amount: number, over: PlanInput = {}): SubscribablePlan {
  return {
    id,
    ...validatePlan({ name: id[0].toUpperCase() + id.slice(1), slug: id, currency: 'usd', status: 'active', features: [{ key: 'seats', type: 'seat', limit: 5 }], pricing: { base_amount: { amount }, billing_period: 'monthly' }, ...over }),
  };
}
const basic = plan('basic', 4999);
const pro = plan('pro', 9999, { features: [{ key: 'seats', type: 'seat', limit: 20 }] });
const march = { start: d('2025-03-01T00:00:00Z'), end: d('2025-04-01T00:00:00Z') }; // 31 days

test('to the second: remaining and total in whole seconds, milliseconds truncated', () => {
  assert.deepEqual(remainingSeconds(march, d('2025-03-11T00:00:00Z')), { remaining: 21n * 86400n, total: 31n * 86400n });
  assert.deepEqual(remainingSeconds(march, d('2025-03-11T00:00:00.999Z')), { remaining: 21n * 86400n, total: 31n * 86400n });
  assert.deepEqual(remainingSeconds(march, d('2025-03-31T23:59:59Z')), { remaining: 1n, total: 31n * 86400n });
  assert.deepEqual(remainingSeconds(march, d('2025-04-02T00:00:00Z')), { remaining: 0n, total: 31n * 86400n });
});

test('rounding: to the nearest minor unit, halves away from zero', () => {
  assert.equal(prorateAmount(4999n, 21n, 31n), 3386n); // 3386.42
  assert.equal(prorateAmount(9999n, 21n, 31n), 6774n); // 6773.71
  assert.equal(prorateAmount(3n, 1n, 2n), 2n); // 1.5 → 2
  assert.equal(prorateAmount(1n, 1n, 2n), 1n); // 0.5 → 1
  assert.equal(prorateAmount(1n, 1n, 3n), 0n); // 0.33 → 0
  assert.equal(prorateAmount(-3n, 1n, 2n), -2n);
  assert.equal(prorateAmount(4999n, 31n, 31n), 4999n, 'never more than the fee');
  assert.equal(prorateAmount(4999n, 0n, 31n), 0n);
  assert.equal(prorateAmount(4999n, 5n, 0n), 0n);
});

test('worked figure: Basic $49.99 → Pro $99.99 on 11 Mar of 1 Mar–1 Apr: credit −3386, charge +6774', () => {
  const lines = planChangeLines({ id: 'basic', name: 'Basic', baseFee: { amount: 4999n, currency: 'usd' } }, { id: 'pro', name: 'Pro', baseFee: { amount: 9999n, currency: 'usd' } }, march, d('2025-03-11T00:00:00Z'), false);
  assert.deepEqual(
    lines.map((l) => [l.type, l.description, l.planId, l.amount.amount, iso(l.periodStart), iso(l.periodEnd)]),
    [
      ['proration', 'Unused time on Basic', 'basic', -3386n, '2025-03-11T00:00:00.000Z', '2025-04-01T00:00:00.000Z'],
      ['proration', 'Remaining time on Pro', 'pro', 6774n, '2025-03-11T00:00:00.000Z', '2025-04-01T00:00:00.000Z'],
    ],
  );
});

test('a change between equal prices nets exactly zero, whatever the second', () => {
  const twin = { id: 'twin', name: 'Twin', baseFee: { amount: 4999n, currency: 'usd' } };
  const old = { id: 'basic', name: 'Basic', baseFee: { amount: 4999n, currency: 'usd' } };
  for (let s = 0; s < 31 * 86400; s += 7919) {
    const lines = planChangeLines(old, twin, march, new Date(march.start.getTime() + s * 1000), false);
    assert.equal(lines.reduce((sum, l) => sum + l.amount.amount, 0n), 0n);
  }
});

test('change-plan: the plan changes now, the period carries on, the lines wait for the next invoice', () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  const r = changePlan(s, basic, pro, d('2025-03-11T00:00:00Z'));
  assert.equal(r.subscription.planId, 'pro');
  assert.equal(iso(r.subscription.currentPeriodEnd), '2025-04-01T00:00:00.000Z');
  assert.deepEqual(r.pendingLines.map((l) => l.amount.amount), [-3386n, 6774n]);
  assert.equal(r.changed, true);
  // Downgrading back later in the period: credit Pro's unused share, charge Basic's.
  const back = changePlan(r.subscription, pro, basic, d('2025-03-21T00:00:00Z'), { seats: 3n });
  assert.deepEqual(back.pendingLines.map((l) => l.amount.amount), [-3548n, 1774n]); // 9999×11/31 = 3548.03, 4999×11/31 = 1773.84
});

test('change-plan without proration, and during a trial, leaves no lines', () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  assert.deepEqual(changePlan(s, basic, pro, d('2025-03-11T00:00:00Z'), { prorate: false }).pendingLines, []);
  const trial = plan('trial', 4999, { trial_days: 30 });
  const t = startSubscription(trial, d('2025-03-01T00:00:00Z'));
  const r = changePlan(t, trial, pro, d('2025-03-11T00:00:00Z'));
  assert.equal(r.subscription.status, 'trialing');
  assert.deepEqual(r.pendingLines, []);
});

test('change-plan to another billing period: the period restarts now, anchored today; only the credit is pending', () => {
  const yearly = plan('yearly', 49900, { pricing: { base_amount: { amount: 49900 }, billing_period: 'yearly' } });
  const s = cancelAtEnd(startSubscription(basic, d('2025-03-01T00:00:00Z')));
  const r = changePlan(s, basic, yearly, d('2025-03-11T00:00:00Z'));
  assert.equal(iso(r.subscription.currentPeriodStart), '2025-03-11T00:00:00.000Z');
  assert.equal(iso(r.subscription.currentPeriodEnd), '2026-03-11T00:00:00.000Z');
  assert.equal(r.subscription.billingAnchorDay, 11);
  assert.equal(iso(r.subscription.cancelAt), '2026-03-11T00:00:00.000Z', 'a cancel at period end stays at period end');
  assert.deepEqual(r.endedPeriods.map((p) => [iso(p.start), iso(p.end)]), [['2025-03-01T00:00:00.000Z', '2025-03-11T00:00:00.000Z']]);
  assert.deepEqual(r.pendingLines.map((l) => [l.description, l.amount.amount]), [['Unused time on Basic', -3386n]]);
});

function cancelAtEnd<T extends { cancelAt: Date | null; currentPeriodEnd: Date }>(s: T): T {
  return { ...s, cancelAt: s.currentPeriodEnd };
}

test('change-plan refusals: same plan, inactive or foreign-currency plan (invalid_upgrade), too few seats (invalid_downgrade)', () => {
  const s = startSubscription(pro, d('2025-03-01T00:00:00Z'));
  const now = d('2025-03-02T00:00:00Z');
  refuses(() => changePlan(s, pro, pro, now), 'invalid_upgrade', 'plan_id');
  refuses(() => changePlan(s, pro, plan('old', 100, { status: 'archived' }), now), 'invalid_upgrade', 'plan_id');
  refuses(() => changePlan(s, pro, plan('euro', 100, { currency: 'eur' }), now), 'invalid_upgrade', 'plan_id');
  refuses(() => changePlan(s, pro, basic, now, { seats: 6n }), 'invalid_downgrade', 'plan_id');
  assert.equal(changePlan(s, pro, basic, now, { seats: 5n }).subscription.planId, 'basic');
  const unlimited = plan('unlimited', 100, { features: [{ key: 'seats', type: 'seat', limit: -1 }] });
  assert.equal(changePlan(s, pro, unlimited, now, { seats: 1000n }).subscription.planId, 'unlimited');
});
