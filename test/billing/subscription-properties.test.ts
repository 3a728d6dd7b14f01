// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '../../src/platform/errors.ts';
import { billingCodeOf } from '../../src/billing/errors.ts';
import { billingPeriodOf, validatePlan, type PlanInput } from '../../src/billing/plans.ts';
import { isFinal, isLegalTransition, RUNNING_STATUSES, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../../src/billing/subscription-states.ts';
import {
  cancelSubscription,
  catchUp,
  changePlan,
  expireSubscription,
  markPastDue,
  pauseSubscription,
  resumeSubscription,
  settlePastDue,
  startSubscription,
  type SubscribablePlan,
  type Subscription,
  type SubscriptionChange,
} from '../../src/billing/subscriptions.ts';

const plan = (id: string, over: PlanInput): SubscribablePlan => ({ id, ...validatePlan({ name: id, slug: id, currency: 'usd', status: 'active', ...over }) });
const PLANS = [
  plan('monthly', { pricing: { base_amount: { amount: 4999 }, billing_period: 'monthly' } }),
  plan('trial', { trial_days: 14, pricing: { base_amount: { amount: 9999 }, billing_period: 'monthly' } }),
  plan('yearly', { pricing: { base_amount: { amount: 49900 }, billing_period: 'yearly' } }),
  plan('once', { trial_days: 3, pricing: { base_amount: { amount: 100 }, billing_period: 'none' } }),
  plan('free', {}),
];
const byId = new Map(PLANS.map((p) => [p.id, p]));

const DAY = 86_400_000;
type Op =
  | { op: 'clock'; ms: number }
  | { op: 'pause'; resumeAfter: number | null }
  | { op: 'resume' }
  | { op: 'cancel'; immediately: boolean }
  | { op: 'change'; plan: number; prorate: boolean }
  | { op: 'past_due' }
  | { op: 'settle' }
  | { op: 'expire' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('clock' as const), ms: fc.oneof(fc.integer({ min: 0, max: 3 * DAY }), fc.integer({ min: 0, max: 400 * DAY })) }), weight: 5 },
  fc.record({ op: fc.constant('pause' as const), resumeAfter: fc.option(fc.integer({ min: 1, max: 60 * DAY })) }),
  fc.record({ op: fc.constant('resume' as const) }),
  fc.record({ op: fc.constant('cancel' as const), immediately: fc.boolean() }),
  { arbitrary: fc.record({ op: fc.constant('change' as const), plan: fc.integer({ min: 0, max: PLANS.length - 1 }), prorate: fc.boolean() }), weight: 2 },
  fc.record({ op: fc.constant('past_due' as const) }),
  fc.record({ op: fc.constant('settle' as const) }),
  fc.record({ op: fc.constant('expire' as const) }),
);

function apply(s: Subscription, op: Op, now: Date): SubscriptionChange {
  const current = byId.get(s.planId)!;
  switch (op.op) {
    case 'clock':
      return catchUp(s, current, now);
    case 'pause':
      return pauseSubscription(s, current, now, op.resumeAfter === null ? null : new Date(now.getTime() + op.resumeAfter));
    case 'resume':
      return resumeSubscription(s, current, now);
    case 'cancel':
      return cancelSubscription(s, current, now, op.immediately);
    case 'change':
      return changePlan(s, current, PLANS[op.plan], now, { prorate: op.prorate });
    case 'past_due':
      return markPastDue(s, current, now);
    case 'settle':
      return settlePastDue(s, current, now);
    case 'expire':
      return expireSubscription(s, current, now);
  }
}

const START_MIN = Date.parse('2023-01-01T00:00:00Z');

test('random subscribe/pause/resume/change-plan/cancel/clock sequences keep the state machine and contiguous periods', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: PLANS.length - 1 }), fc.integer({ min: 0, max: 3 * 365 * DAY }), fc.array(opArb, { maxLength: 40 }), (planIndex, offset, ops) => {
      let now = new Date(START_MIN + offset);
      let s = startSubscription(PLANS[planIndex], now);
      let periodStart = s.currentPeriodStart.getTime();
      for (const op of ops) {
        if (op.op === 'clock') now = new Date(now.getTime() + op.ms);
        const before = s;
        let change: SubscriptionChange;
        try {
          change = apply(s, op, now);
        } catch (error) {
          // A refusal is one of the reference's codes and changes nothing.
          assert.ok(error instanceof DomainError && billingCodeOf(error) !== null, String(error));
          continue;
        }
        s = change.subscription;
        const period = billingPeriodOf(byId.get(s.planId)!);

        // Only the reference's statuses, each step a legal edge, final statuses final.
        assert.ok((SUBSCRIPTION_STATUSES as readonly string[]).includes(s.status));
        let from: SubscriptionStatus = before.status;
        for (const e of change.events) {
          assert.ok(isLegalTransition(from, e.status), `${from} → ${e.status} (${e.type})`);
          from = e.status;
        }
        assert.ok(isLegalTransition(from, s.status), `${from} → ${s.status} (${op.op})`);
        if (isFinal(before.status)) assert.equal(s.status, before.status);

        // Periods: each ended period starts where the last one did and ends where the next starts.
        for (const p of change.endedPeriods) {
          assert.equal(p.start.getTime(), periodStart, 'an ended period starts where its predecessor ended');
          assert.ok(p.end.getTime() > p.start.getTime());
          periodStart = p.end.getTime();
        }
        assert.equal(s.currentPeriodStart.getTime(), periodStart, 'the current period follows the last ended one');
        assert.ok(s.currentPeriodEnd.getTime() > s.currentPeriodStart.getTime(), 'a period is never empty');
        assert.ok(s.currentPeriodStart.getTime() <= now.getTime());
        assert.ok(s.billingAnchorDay >= 1 && s.billingAnchorDay <= 31);

        // After any command the clock has caught up: nothing due is left undone.
        if (RUNNING_STATUSES.includes(s.status) && period !== 'none' && s.cancelAt === null) {
          assert.ok(s.currentPeriodEnd.getTime() > now.getTime(), 'a running period contains now');
        }
        if (!isFinal(s.status) && s.cancelAt !== null) assert.ok(s.cancelAt.getTime() > now.getTime(), 'a due cancel was enacted');
        if (s.status === 'trialing') assert.ok(s.trialEnd !== null && s.trialEnd.getTime() > now.getTime(), 'a due trial end was enacted');
        if (s.status === 'paused') {
          assert.ok(s.pausedAt !== null && s.pausedAt.getTime() <= now.getTime());
          assert.ok(s.resumeAt === null || s.resumeAt.getTime() > now.getTime(), 'a due resume was enacted');
        } else {
          assert.equal(s.resumeAt, null);
        }
        if (s.status === 'canceled') assert.ok(s.canceledAt !== null && s.cancelAt !== null && s.canceledAt.getTime() === s.cancelAt.getTime());

        // Proration: a credit within the old fee, a charge within the new one.
        for (const line of change.pendingLines) {
          const fee = byId.get(line.planId)!.pricing?.baseAmount.amount ?? 0n;
          const magnitude = line.amount.amount < 0n ? -line.amount.amount : line.amount.amount;
          assert.ok(magnitude > 0n && magnitude <= fee);
        }
      }
    }),
    { numRuns: 1000 },
  );
});
