import { billingError } from './errors.ts';

/** The reference's subscription statuses, exactly. */
export const SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'canceled', 'expired', 'paused'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * Every status change the billing core makes, and nothing else. A command that keeps the
 * status (cancel at period end, change-plan) is not an edge here.
 *
 * - trialing → active: the trial ends on the clock.
 * - active | trialing → paused: pause. paused → active | trialing: resume (by hand or at
 *   `resume_at`); trialing again when the trial, moved by the pause, is still running.
 * - any live status → canceled: cancel immediately, or a scheduled `cancel_at` reached.
 * - active → past_due: an invoice went unpaid past its due date (the caller decides);
 *   past_due → active: it was paid; past_due → expired: dunning gave up. The library never
 *   reaches `expired`; this is the one road there, so `expired` means "ended unpaid".
 * - canceled and expired are final.
 */
export const LEGAL_TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
  trialing: ['active', 'paused', 'canceled'],
  active: ['past_due', 'paused', 'canceled'],
  past_due: ['active', 'canceled', 'expired'],
  paused: ['active', 'trialing', 'canceled'],
  canceled: [],
  expired: [],
};

export const isLegalTransition = (from: SubscriptionStatus, to: SubscriptionStatus) => from === to || LEGAL_TRANSITIONS[from].includes(to);

/** Statuses that hold a tenant's one subscription: a second is refused while one of these exists. */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due', 'paused'];
/** Statuses whose periods roll on the clock (a paused one waits for its resume). */
export const RUNNING_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];
/** Statuses that grant entitlements. */
export const ENTITLED_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing'];

export const isFinal = (status: SubscriptionStatus) => status === 'canceled' || status === 'expired';

export type SubscriptionCommand = 'cancel' | 'pause' | 'resume' | 'change_plan' | 'mark_past_due' | 'settle' | 'expire';

/** The statuses each command accepts. */
const ACCEPTS: Record<SubscriptionCommand, readonly SubscriptionStatus[]> = {
  cancel: LIVE_STATUSES,
  pause: ['active', 'trialing'],
  resume: ['paused'],
  change_plan: LIVE_STATUSES,
  mark_past_due: ['active'],
  settle: ['past_due'],
  expire: ['past_due'],
};

/**
 * Refuses a command the status does not accept, with the reference's code: a canceled
 * subscription answers `subscription_canceled` to cancel and change-plan (the reference's
 * code for "already canceled"); everything else is `invalid_state`.
 */
export function assertCommandAllowed(command: SubscriptionCommand, status: SubscriptionStatus): void {
  if (ACCEPTS[command].includes(status)) return;
  if (status === 'canceled' && (command === 'cancel' || command === 'change_plan')) {
    throw billingError('subscription_canceled', 'the subscription is already canceled', 'id');
  }
  const wanted = ACCEPTS[command].join(' or ');
  throw billingError('invalid_state', `cannot ${command.replace('_', ' ')} a ${status} subscription (it must be ${wanted})`, 'status');
}
