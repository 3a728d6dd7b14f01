import type { Queryable } from '../platform/db.ts';
import { recordEvents, type OutboxEvent } from '../platform/webhooks/outbox.ts';
import type { BillingScope } from './scope.ts';
import type { SubscriptionRecord } from './subscription-store.ts';
import type { LifecycleEvent, SubscriptionChange } from './subscriptions.ts';
import { subscriptionWire } from './wire.ts';

/**
 * Billing's outgoing webhook events (decision 0021), recorded in the outbox with the
 * transaction of the change they report. Every billing event goes through
 * `emitBillingEvents`: the app's endpoints of the billing surface in the scope's mode get it.
 * `data` is the object as the surface shows it (its wire shape).
 */
export const BILLING_SURFACE = 'billing';

export interface BillingEvent {
  type: string;
  data: unknown;
  /** When it happened on the world's clock (a sandbox's test-clock time). */
  at: Date;
}

export const billingEvent = (scope: BillingScope, event: BillingEvent): OutboxEvent => ({
  orgId: scope.orgId,
  mode: scope.mode,
  surface: BILLING_SURFACE,
  type: event.type,
  data: event.data,
  at: event.at,
});

/** Records billing events in the caller's transaction; returns their ids (`msg_…`). */
export function emitBillingEvents(tx: Queryable, scope: BillingScope, events: readonly BillingEvent[]): Promise<string[]> {
  return recordEvents(tx, events.map((e) => billingEvent(scope, e)));
}

/** One billing event in the caller's transaction; returns its id (`msg_…`). */
export async function emitBillingEvent(tx: Queryable, scope: BillingScope, type: string, data: unknown, at: Date): Promise<string> {
  const [id] = await emitBillingEvents(tx, scope, [{ type, data, at }]);
  return id;
}

/** The event of each clock step (a catch-up inside a command or the scheduler's). */
export const CLOCK_STEP_EVENTS: Readonly<Record<LifecycleEvent['type'], string>> = {
  period_advanced: 'subscription.renewed',
  trial_ended: 'subscription.trial_ended',
  resumed: 'subscription.resumed',
  canceled: 'subscription.canceled',
};

/**
 * The events of one change to a subscription: its clock steps in the order they fell due,
 * then the command's own event (`command`, null for the scheduler), each carrying the
 * subscription as the transaction leaves it.
 */
export function subscriptionEvents(record: SubscriptionRecord, change: Pick<SubscriptionChange, 'events'>, command: string | null, now: Date): BillingEvent[] {
  const data = subscriptionWire(record);
  const events: BillingEvent[] = change.events.map((e) => ({ type: CLOCK_STEP_EVENTS[e.type], data, at: e.at }));
  if (command) events.push({ type: command, data, at: now });
  return events;
}
