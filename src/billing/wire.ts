import { uuidToUlid } from '../platform/ids.ts';
import type { SubscriptionRecord } from './subscription-store.ts';

/*
 * Wire shapes billing needs below the surface: an outgoing event carries the object as the
 * surface shows it, and the clock (no HTTP in sight) records events too. The surface's views
 * (src/apis/billing/views.ts) use these, so the API and the events cannot drift apart.
 */

/** `plan_01hqx3…`: the prefix and the ULID in lower case, as the reference writes its ids. */
export const wireId = (prefix: string, uuid: string) => `${prefix}_${uuidToUlid(uuid).toLowerCase()}`;

/** An optional time as the reference writes it: ISO text or null. */
export const wireTime = (d: Date | null) => (d === null ? null : d.toISOString());
const time = wireTime;

/** A subscription as the reference shows it. */
export function subscriptionWire(s: SubscriptionRecord) {
  return {
    id: wireId('sub', s.id),
    tenant_id: s.tenantId,
    plan_id: wireId('plan', s.planId),
    status: s.status,
    current_period_start: s.currentPeriodStart.toISOString(),
    current_period_end: s.currentPeriodEnd.toISOString(),
    billing_anchor_day: s.billingAnchorDay,
    seats: s.seats,
    trial_start: time(s.trialStart),
    trial_end: time(s.trialEnd),
    cancel_at: time(s.cancelAt),
    canceled_at: time(s.canceledAt),
    ended_at: time(s.endedAt),
    paused_at: time(s.pausedAt),
    resume_at: time(s.resumeAt),
    app_id: s.orgId,
    metadata: s.metadata,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
