import { billingError } from './errors.ts';
import { firstPeriodEnd, later, rollPeriods, trialEndOf, type BillingPeriodSpan } from './periods.ts';
import { baseFeeOf, billingPeriodOf, UNLIMITED, type PlanDefinition } from './plans.ts';
import { planChangeLines, type ProrationLine } from './proration.ts';
import { assertCommandAllowed, isFinal, LIVE_STATUSES, RUNNING_STATUSES, type SubscriptionStatus } from './subscription-states.ts';

/**
 * Subscription commands as pure functions of (subscription, plan, now, input). Each first
 * brings the subscription up to `now` on the clock (`catchUp`: periods roll, scheduled
 * cancels, trial ends and `resume_at` take effect, in the order they fell due), then applies
 * the command. Every result whose `changed` is true must invalidate the tenant's entitlement
 * cache. Ids, tenant, app, metadata and timestamps of the row stay with the caller.
 */
export interface Subscription {
  planId: string;
  status: SubscriptionStatus;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  /**
   * The day of the month (1–31) periods end on, clamped to shorter months. Set from the start;
   * a pause moves it with the period end, a change of billing period resets it to that day.
   */
  billingAnchorDay: number;
  trialStart: Date | null;
  trialEnd: Date | null;
  /** When the subscription ends or ended: set by cancel (at period end or now). */
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  pausedAt: Date | null;
  /** When a paused subscription resumes by itself (the library ignores it; Kontor does not). */
  resumeAt: Date | null;
}

/** What a command needs of a plan. */
export type SubscribablePlan = { id: string } & Pick<PlanDefinition, 'name' | 'status' | 'currency' | 'trialDays' | 'pricing' | 'features'>;

/** What the clock did, when, and the status it left (for hooks, and to check each step is legal). */
export interface LifecycleEvent {
  type: 'period_advanced' | 'trial_ended' | 'resumed' | 'canceled';
  at: Date;
  status: SubscriptionStatus;
}

export interface SubscriptionChange {
  subscription: Subscription;
  /** Periods that ended, oldest first: each is owed an invoice. */
  endedPeriods: BillingPeriodSpan[];
  events: LifecycleEvent[];
  /** Proration waiting for the next invoice (change-plan only). */
  pendingLines: ProrationLine[];
  /** The period a change of billing period cut short (the last of `endedPeriods`): its invoice takes the change's credit. */
  cutPeriod?: BillingPeriodSpan;
  changed: boolean;
}

const at = (d: Date | null) => (d === null ? Number.POSITIVE_INFINITY : d.getTime());
const span = (s: Subscription): BillingPeriodSpan => ({ start: s.currentPeriodStart, end: s.currentPeriodEnd });

/** A tenant may hold one live subscription (the library lacks this check). */
export function assertNoLiveSubscription(tenantStatuses: readonly SubscriptionStatus[]): void {
  if (tenantStatuses.some((s) => LIVE_STATUSES.includes(s))) {
    throw billingError('subscription_exists', 'the tenant already has an active subscription', 'tenant_id');
  }
}

/**
 * `POST /ledger/subscriptions`: the plan must be active. Trialing when the plan has trial
 * days (the trial does not move the billing period), active otherwise. A caller asking for
 * `active` (the reference's example does, on a plan with a trial) starts without the trial;
 * asking for `trialing` on a plan without trial days is refused.
 */
export function startSubscription(plan: SubscribablePlan, now: Date, tenantStatuses: readonly SubscriptionStatus[] = [], status?: 'active' | 'trialing'): Subscription {
  if (plan.status !== 'active') throw billingError('invalid_input', `plan ${plan.id} is ${plan.status}, not active`, 'plan_id');
  if (status === 'trialing' && plan.trialDays === 0) throw billingError('invalid_input', `plan ${plan.id} has no trial days`, 'status');
  assertNoLiveSubscription(tenantStatuses);
  const trial = status === undefined ? plan.trialDays > 0 : status === 'trialing';
  return {
    planId: plan.id,
    status: trial ? 'trialing' : 'active',
    currentPeriodStart: now,
    currentPeriodEnd: firstPeriodEnd(now, billingPeriodOf(plan)),
    billingAnchorDay: now.getUTCDate(),
    trialStart: trial ? now : null,
    trialEnd: trial ? trialEndOf(now, plan.trialDays) : null,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    pausedAt: null,
    resumeAt: null,
  };
}

/**
 * Resume at `when`: the period end, a running trial and a cancel at the old end move by the
 * pause's length, and the anchor with the end (paused 5 days in 1 Mar–1 Apr: 1 Mar–6 Apr,
 * then 6 Apr–6 May). A pause of no time moves nothing, not even a clamped anchor.
 */
function resumed(s: Subscription, when: Date): Subscription {
  const paused = s.pausedAt ?? when;
  const shift = Math.max(0, when.getTime() - paused.getTime());
  const trialRunning = s.trialEnd !== null && s.trialEnd.getTime() > paused.getTime();
  const trialEnd = s.trialEnd && trialRunning ? later(s.trialEnd, shift) : s.trialEnd;
  const cancelAt = s.cancelAt && s.cancelAt.getTime() === s.currentPeriodEnd.getTime() ? later(s.cancelAt, shift) : s.cancelAt;
  return {
    ...s,
    status: trialEnd !== null && trialEnd.getTime() > when.getTime() ? 'trialing' : 'active',
    currentPeriodEnd: later(s.currentPeriodEnd, shift),
    billingAnchorDay: shift > 0 ? later(s.currentPeriodEnd, shift).getUTCDate() : s.billingAnchorDay,
    trialEnd,
    cancelAt,
    pausedAt: null,
    resumeAt: null,
  };
}

/** Ended by a cancel: canceled_at and ended_at are the cancel's time. */
const canceled = (s: Subscription, when: Date): Subscription => ({ ...s, status: 'canceled', cancelAt: when, canceledAt: when, endedAt: when, resumeAt: null });

/** When each kind of clock step next falls due (ms; Infinity: never), as `catchUp` takes them. */
function dueTimes(s: Subscription, period: ReturnType<typeof billingPeriodOf>) {
  const cancelAt = at(s.cancelAt);
  return {
    // A period ending on (or after) a scheduled cancel never rolls: the cancel ends it.
    rollAt: RUNNING_STATUSES.includes(s.status) && period !== 'none' && s.currentPeriodEnd.getTime() < cancelAt ? s.currentPeriodEnd.getTime() : Infinity,
    cancelAt,
    trialAt: s.status === 'trialing' ? at(s.trialEnd) : Infinity,
    resumeAt: s.status === 'paused' ? at(s.resumeAt) : Infinity,
  };
}

/**
 * When `catchUp` next has something to do for this subscription; null when nothing ever will
 * (canceled, expired, or a plan billed `none` with nothing scheduled). The scheduler wakes
 * the row then (`next_due_at`).
 */
export function nextDueAt(s: Subscription, plan: Pick<SubscribablePlan, 'pricing'>): Date | null {
  if (isFinal(s.status)) return null;
  const { rollAt, cancelAt, trialAt, resumeAt } = dueTimes(s, billingPeriodOf(plan));
  const next = Math.min(rollAt, cancelAt, trialAt, resumeAt);
  return Number.isFinite(next) ? new Date(next) : null;
}

/**
 * Brings a subscription up to `now`: whichever of a period end, a scheduled cancel, a trial
 * end or a `resume_at` fell due first happens first, until none is due. At one instant: the
 * period rolls (so a cancel on the period end ends that period, which never rolls past it),
 * then the cancel (a trial canceled as it ended never converts), then the trial end, then a
 * resume. A paused subscription's period and trial wait; a scheduled cancel does not.
 */
export function catchUp(sub: Subscription, plan: Pick<SubscribablePlan, 'pricing'>, now: Date): SubscriptionChange {
  const period = billingPeriodOf(plan);
  const endedPeriods: BillingPeriodSpan[] = [];
  const events: LifecycleEvent[] = [];
  let s = sub;
  for (let steps = 0; ; steps++) {
    if (steps > 10_000) throw new RangeError('subscription clock did not settle');
    if (isFinal(s.status)) break;
    const { rollAt, cancelAt, trialAt, resumeAt } = dueTimes(s, period);
    const next = Math.min(rollAt, cancelAt, trialAt, resumeAt);
    if (next > now.getTime()) break;
    if (next === rollAt) {
      const { ended, current } = rollPeriods(span(s), period, s.billingAnchorDay, s.currentPeriodEnd, s.cancelAt);
      endedPeriods.push(...ended);
      s = { ...s, currentPeriodStart: current.start, currentPeriodEnd: current.end };
      events.push({ type: 'period_advanced', at: new Date(next), status: s.status });
    } else if (next === cancelAt) {
      s = canceled(s, new Date(cancelAt));
      events.push({ type: 'canceled', at: new Date(next), status: s.status });
    } else if (next === trialAt) {
      s = { ...s, status: 'active' };
      events.push({ type: 'trial_ended', at: new Date(next), status: s.status });
    } else {
      s = resumed(s, new Date(resumeAt));
      events.push({ type: 'resumed', at: new Date(next), status: s.status });
    }
  }
  return { subscription: s, endedPeriods, events, pendingLines: [], changed: events.length > 0 };
}

/** The catch-up, then `apply`: one change whose events and ended periods include both. */
function command(sub: Subscription, plan: Pick<SubscribablePlan, 'pricing'>, now: Date, apply: (s: Subscription, ended: BillingPeriodSpan[]) => { subscription: Subscription; pendingLines?: ProrationLine[]; ended?: BillingPeriodSpan[] }): SubscriptionChange {
  const caught = catchUp(sub, plan, now);
  const done = apply(caught.subscription, caught.endedPeriods);
  return {
    subscription: done.subscription,
    endedPeriods: [...caught.endedPeriods, ...(done.ended ?? [])],
    events: caught.events,
    pendingLines: done.pendingLines ?? [],
    ...(done.ended?.length ? { cutPeriod: done.ended[0] } : {}),
    changed: true,
  };
}

/**
 * `POST …/cancel`. At period end (default): `cancel_at` = the current period's end, status
 * unchanged, repeatable; a plan billed `none` whose one period has passed is canceled now.
 * Immediately: `canceled` now. Canceled → `subscription_canceled`; expired → `invalid_state`.
 */
export function cancelSubscription(sub: Subscription, plan: SubscribablePlan, now: Date, immediately = false): SubscriptionChange {
  return command(sub, plan, now, (s) => {
    assertCommandAllowed('cancel', s.status);
    // A plan billed `none` keeps its one period after it has passed: its end is already here.
    if (immediately || s.currentPeriodEnd.getTime() <= now.getTime()) return { subscription: canceled(s, now) };
    return { subscription: { ...s, cancelAt: s.currentPeriodEnd } };
  });
}

/** `POST …/pause` from active or trialing; `resume_at`, when given, must be in the future. */
export function pauseSubscription(sub: Subscription, plan: SubscribablePlan, now: Date, resumeAt: Date | null = null): SubscriptionChange {
  if (resumeAt !== null && resumeAt.getTime() <= now.getTime()) {
    throw billingError('invalid_input', 'resume_at must be later than now', 'resume_at');
  }
  return command(sub, plan, now, (s) => {
    assertCommandAllowed('pause', s.status);
    return { subscription: { ...s, status: 'paused', pausedAt: now, resumeAt } };
  });
}

/** `POST …/resume` from paused: active, or trialing while the (moved) trial runs. */
export function resumeSubscription(sub: Subscription, plan: SubscribablePlan, now: Date): SubscriptionChange {
  return command(sub, plan, now, (s) => {
    assertCommandAllowed('resume', s.status);
    return { subscription: resumed(s, now) };
  });
}

export interface ChangePlanOptions {
  /** Credit and charge the base fees for the rest of the period (default true). */
  prorate?: boolean;
  /** Seats the subscription holds, which the new plan's seat limits must allow. */
  seats?: bigint;
}

/**
 * `POST …/change-plan` from any live status. Refusals: a canceled subscription
 * (`subscription_canceled`) or expired one (`invalid_state`); the same plan, a plan not
 * active, or one in another currency (`invalid_upgrade`); a plan whose seat limit is below
 * the seats held (`invalid_downgrade`).
 *
 * Same billing period: the period carries on, and the pending lines credit the old base fee's
 * unused share and charge the new one's for the rest of it. Another billing period: the old
 * period ends now (it is returned among the ended periods) and a new one starts now on the
 * new plan, anchored today; only the credit is pending. A trialing subscription has paid
 * nothing, so it gets no lines.
 */
export function changePlan(sub: Subscription, currentPlan: SubscribablePlan, newPlan: SubscribablePlan, now: Date, options: ChangePlanOptions = {}): SubscriptionChange {
  return command(sub, currentPlan, now, (s) => {
    assertCommandAllowed('change_plan', s.status);
    if (newPlan.id === s.planId) throw billingError('invalid_upgrade', 'the subscription is already on this plan', 'plan_id');
    if (newPlan.status !== 'active') throw billingError('invalid_upgrade', `plan ${newPlan.id} is ${newPlan.status}, not active`, 'plan_id');
    if (newPlan.currency !== currentPlan.currency) {
      throw billingError('invalid_upgrade', `plan ${newPlan.id} is in ${newPlan.currency}, the subscription in ${currentPlan.currency}`, 'plan_id');
    }
    const seats = options.seats ?? 0n;
    const tooSmall = newPlan.features.find((f) => f.type === 'seat' && f.limit !== UNLIMITED && seats > f.limit);
    if (tooSmall) throw billingError('invalid_downgrade', `plan ${newPlan.id} allows ${tooSmall.limit} ${tooSmall.key}; the subscription holds ${seats}`, 'plan_id');

    const restart = billingPeriodOf(currentPlan) !== billingPeriodOf(newPlan);
    const current = span(s);
    // A change of billing period as the period begins cuts nothing: no invoice bills the old
    // fee for it, so nothing of it is credited either.
    const cutsNothing = restart && now.getTime() <= current.start.getTime();
    const lines =
      options.prorate === false || s.status === 'trialing' || cutsNothing
        ? []
        : planChangeLines({ id: currentPlan.id, name: currentPlan.name, baseFee: baseFeeOf(currentPlan) }, { id: newPlan.id, name: newPlan.name, baseFee: baseFeeOf(newPlan) }, current, now, restart);
    if (!restart) return { subscription: { ...s, planId: newPlan.id }, pendingLines: lines };
    const end = firstPeriodEnd(now, billingPeriodOf(newPlan));
    const cancelAt = s.cancelAt && s.cancelAt.getTime() === s.currentPeriodEnd.getTime() ? end : s.cancelAt;
    // A paused subscription's new period has been paused since it began: a resume moves its end by that much.
    const pausedAt = s.pausedAt && now;
    return {
      subscription: { ...s, planId: newPlan.id, currentPeriodStart: now, currentPeriodEnd: end, billingAnchorDay: now.getUTCDate(), cancelAt, pausedAt },
      pendingLines: lines,
      ended: now.getTime() > current.start.getTime() ? [{ start: current.start, end: now }] : [],
    };
  });
}

/** An invoice went unpaid past its due date: active → past_due. */
export function markPastDue(sub: Subscription, plan: SubscribablePlan, now: Date): SubscriptionChange {
  return command(sub, plan, now, (s) => (assertCommandAllowed('mark_past_due', s.status), { subscription: { ...s, status: 'past_due' } }));
}

/** The overdue invoice was paid: past_due → active. */
export function settlePastDue(sub: Subscription, plan: SubscribablePlan, now: Date): SubscriptionChange {
  return command(sub, plan, now, (s) => (assertCommandAllowed('settle', s.status), { subscription: { ...s, status: 'active' } }));
}

/** Dunning gave up: past_due → expired, ended now. */
export function expireSubscription(sub: Subscription, plan: SubscribablePlan, now: Date): SubscriptionChange {
  return command(sub, plan, now, (s) => (assertCommandAllowed('expire', s.status), { subscription: { ...s, status: 'expired', endedAt: now, resumeAt: null } }));
}
