// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { validatePlan, type PlanInput } from '../../src/billing/plans.ts';
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
} from '../../src/billing/subscriptions.ts';
import { d, refuses } from './helpers.ts';

const iso = (x: Date | null) => (x === null ? null : x.toISOString());
function plan(id: string, over: PlanInput = {}): SubscribablePlan {
  const base: PlanInput = {
    name: id.toUpperCase(),
    slug: id,
    currency: 'usd',
    status: 'active',
    features: [{ key: 'seats', type: 'seat', limit: 10 }],
    pricing: { base_amount: { amount: 4999 }, billing_period: 'monthly' },
  };
  return { id, ...validatePlan({ ...base, ...over }) };
}
const basic = plan('basic');
const trial = plan('trial', { trial_days: 14 });

test('subscribe: active from now, first period one month on; trialing with trial_end = start + N days, the period unmoved', () => {
  const s = startSubscription(basic, d('2025-01-15T10:30:00Z'));
  assert.equal(s.status, 'active');
  assert.equal(iso(s.currentPeriodStart), '2025-01-15T10:30:00.000Z');
  assert.equal(iso(s.currentPeriodEnd), '2025-02-15T10:30:00.000Z');
  assert.equal(s.trialEnd, null);
  const t = startSubscription(trial, d('2025-01-15T10:30:00Z'));
  assert.equal(t.status, 'trialing');
  assert.equal(iso(t.trialStart), '2025-01-15T10:30:00.000Z');
  assert.equal(iso(t.trialEnd), '2025-01-29T10:30:00.000Z');
  assert.equal(iso(t.currentPeriodEnd), '2025-02-15T10:30:00.000Z');
  assert.equal(iso(startSubscription(plan('y', { pricing: { billing_period: 'yearly' } }), d('2024-02-29T00:00:00Z')).currentPeriodEnd), '2025-02-28T00:00:00.000Z');
});

test('subscribe refusals: a plan not active, a tenant already subscribed (409 subscription_exists)', () => {
  refuses(() => startSubscription(plan('draft', { status: 'draft' }), d('2025-01-01T00:00:00Z')), 'invalid_input', 'plan_id');
  for (const live of ['active', 'trialing', 'past_due', 'paused'] as const) {
    refuses(() => startSubscription(basic, d('2025-01-01T00:00:00Z'), ['canceled', live]), 'subscription_exists', 'tenant_id');
  }
  assert.equal(startSubscription(basic, d('2025-01-01T00:00:00Z'), ['canceled', 'expired']).status, 'active');
});

test('the clock: the trial ends at trial_end, periods roll by anniversary and report the ended ones', () => {
  const t = startSubscription(trial, d('2025-01-31T00:00:00Z'));
  const early = catchUp(t, trial, d('2025-02-13T23:59:59.999Z'));
  assert.equal(early.changed, false);
  const after = catchUp(t, trial, d('2025-04-01T00:00:00Z'));
  assert.equal(after.subscription.status, 'active');
  assert.deepEqual(after.events.map((e) => [e.type, iso(e.at), e.status]), [
    ['trial_ended', '2025-02-14T00:00:00.000Z', 'active'],
    ['period_advanced', '2025-02-28T00:00:00.000Z', 'active'],
    ['period_advanced', '2025-03-31T00:00:00.000Z', 'active'],
  ]);
  assert.deepEqual(after.endedPeriods.map((p) => [iso(p.start), iso(p.end)]), [
    ['2025-01-31T00:00:00.000Z', '2025-02-28T00:00:00.000Z'],
    ['2025-02-28T00:00:00.000Z', '2025-03-31T00:00:00.000Z'],
  ]);
  assert.equal(iso(after.subscription.currentPeriodEnd), '2025-04-30T00:00:00.000Z');
});

test('cancel at period end: cancel_at = period end, status kept, repeatable; the clock cancels then and never rolls past', () => {
  const s = startSubscription(basic, d('2025-01-15T10:30:00Z'));
  const first = cancelSubscription(s, basic, d('2025-01-20T00:00:00Z'));
  assert.equal(first.subscription.status, 'active');
  assert.equal(iso(first.subscription.cancelAt), '2025-02-15T10:30:00.000Z');
  const again = cancelSubscription(first.subscription, basic, d('2025-01-21T00:00:00Z'));
  assert.deepEqual(again.subscription, first.subscription);
  const later = catchUp(again.subscription, basic, d('2025-06-01T00:00:00Z'));
  assert.equal(later.subscription.status, 'canceled');
  assert.equal(iso(later.subscription.canceledAt), '2025-02-15T10:30:00.000Z');
  assert.equal(iso(later.subscription.currentPeriodEnd), '2025-02-15T10:30:00.000Z');
  assert.equal(later.endedPeriods.length, 0);
});

test('cancel immediately: canceled, canceled_at = cancel_at = now; canceling again is 400 subscription_canceled', () => {
  const s = startSubscription(basic, d('2025-01-15T10:30:00Z'));
  const now = d('2025-01-20T12:00:00Z');
  const c = cancelSubscription(s, basic, now, true).subscription;
  assert.equal(c.status, 'canceled');
  assert.equal(iso(c.canceledAt), iso(now));
  assert.equal(iso(c.cancelAt), iso(now));
  refuses(() => cancelSubscription(c, basic, now), 'subscription_canceled', 'id');
  refuses(() => cancelSubscription(c, basic, now, true), 'subscription_canceled', 'id');
  // A paused subscription can be canceled too.
  const p = pauseSubscription(s, basic, now).subscription;
  assert.equal(cancelSubscription(p, basic, now, true).subscription.status, 'canceled');
});

test("pause and resume: the notes' figure, 1 Mar–1 Apr paused 5 Mar, resumed 10 Mar → 1 Mar–6 Apr, then 6 Apr–6 May", () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  const scheduled = cancelSubscription(s, basic, d('2025-03-02T00:00:00Z')).subscription;
  const paused = pauseSubscription(scheduled, basic, d('2025-03-05T00:00:00Z')).subscription;
  assert.equal(paused.status, 'paused');
  assert.equal(iso(paused.pausedAt), '2025-03-05T00:00:00.000Z');
  const back = resumeSubscription(paused, basic, d('2025-03-10T00:00:00Z')).subscription;
  assert.equal(back.status, 'active');
  assert.equal(iso(back.currentPeriodStart), '2025-03-01T00:00:00.000Z');
  assert.equal(iso(back.currentPeriodEnd), '2025-04-06T00:00:00.000Z');
  assert.equal(iso(back.cancelAt), '2025-04-06T00:00:00.000Z', 'a cancel at the old end moves with it');
  assert.equal(back.pausedAt, null);
  const uncanceled = { ...back, cancelAt: null };
  const next = catchUp(uncanceled, basic, d('2025-04-07T00:00:00Z')).subscription;
  assert.equal(iso(next.currentPeriodStart), '2025-04-06T00:00:00.000Z');
  assert.equal(iso(next.currentPeriodEnd), '2025-05-06T00:00:00.000Z');
});

test('a paused subscription does not roll; its scheduled cancel still ends it', () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  const paused = pauseSubscription(s, basic, d('2025-03-05T00:00:00Z')).subscription;
  const still = catchUp(paused, basic, d('2025-08-01T00:00:00Z'));
  assert.equal(still.changed, false);
  assert.equal(iso(still.subscription.currentPeriodEnd), '2025-04-01T00:00:00.000Z');
  const scheduled = cancelSubscription(paused, basic, d('2025-03-06T00:00:00Z')).subscription;
  assert.equal(catchUp(scheduled, basic, d('2025-04-01T00:00:00Z')).subscription.status, 'canceled');
});

test('resume returns to trialing while the trial (moved by the pause) still runs, to active once it has ended', () => {
  const t = startSubscription(trial, d('2025-03-01T00:00:00Z')); // trial to 15 Mar
  const paused = pauseSubscription(t, trial, d('2025-03-05T00:00:00Z')).subscription;
  const back = resumeSubscription(paused, trial, d('2025-03-10T00:00:00Z')).subscription;
  assert.equal(back.status, 'trialing');
  assert.equal(iso(back.trialEnd), '2025-03-20T00:00:00.000Z');
  assert.equal(catchUp(back, trial, d('2025-03-20T00:00:00Z')).subscription.status, 'active');
  // Paused after the trial: the trial is over and stays put.
  const active = catchUp(t, trial, d('2025-03-16T00:00:00Z')).subscription;
  const p2 = pauseSubscription(active, trial, d('2025-03-16T00:00:00Z')).subscription;
  const b2 = resumeSubscription(p2, trial, d('2025-03-18T00:00:00Z')).subscription;
  assert.equal(b2.status, 'active');
  assert.equal(iso(b2.trialEnd), '2025-03-15T00:00:00.000Z');
});

test('resume_at resumes by itself on the clock; it must be in the future', () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  refuses(() => pauseSubscription(s, basic, d('2025-03-05T00:00:00Z'), d('2025-03-05T00:00:00Z')), 'invalid_input', 'resume_at');
  const paused = pauseSubscription(s, basic, d('2025-03-05T00:00:00Z'), d('2025-03-10T00:00:00Z')).subscription;
  assert.equal(iso(paused.resumeAt), '2025-03-10T00:00:00.000Z');
  const r = catchUp(paused, basic, d('2025-05-01T00:00:00Z'));
  assert.deepEqual(r.events.map((e) => [e.type, iso(e.at)]), [
    ['resumed', '2025-03-10T00:00:00.000Z'],
    ['period_advanced', '2025-04-06T00:00:00.000Z'],
  ]);
  assert.equal(r.subscription.status, 'active');
  assert.equal(iso(r.subscription.currentPeriodEnd), '2025-05-06T00:00:00.000Z');
});

test('illegal transitions answer the reference codes', () => {
  const s = startSubscription(basic, d('2025-03-01T00:00:00Z'));
  const now = d('2025-03-02T00:00:00Z');
  refuses(() => resumeSubscription(s, basic, now), 'invalid_state', 'status');
  const paused = pauseSubscription(s, basic, now).subscription;
  refuses(() => pauseSubscription(paused, basic, now), 'invalid_state', 'status');
  const pastDue = markPastDue(s, basic, now).subscription;
  assert.equal(pastDue.status, 'past_due');
  refuses(() => pauseSubscription(pastDue, basic, now), 'invalid_state', 'status');
  refuses(() => markPastDue(pastDue, basic, now), 'invalid_state', 'status');
  assert.equal(settlePastDue(pastDue, basic, now).subscription.status, 'active');
  refuses(() => settlePastDue(s, basic, now), 'invalid_state', 'status');
  const expired = expireSubscription(pastDue, basic, now).subscription;
  assert.equal(expired.status, 'expired');
  assert.equal(iso(expired.endedAt), iso(now));
  refuses(() => cancelSubscription(expired, basic, now), 'invalid_state', 'status');
  refuses(() => changePlan(expired, basic, trial, now), 'invalid_state', 'status');
  refuses(() => resumeSubscription(expired, basic, now), 'invalid_state', 'status');
  const canceled = cancelSubscription(s, basic, now, true).subscription;
  refuses(() => pauseSubscription(canceled, basic, now), 'invalid_state', 'status');
  refuses(() => changePlan(canceled, basic, trial, now), 'subscription_canceled', 'id');
});

test('a clock that moves on past everything: final statuses stay final', () => {
  const s: Subscription = cancelSubscription(startSubscription(basic, d('2025-03-01T00:00:00Z')), basic, d('2025-03-02T00:00:00Z'), true).subscription;
  assert.equal(catchUp(s, basic, d('2035-01-01T00:00:00Z')).changed, false);
});
