import type { Queryable } from '../platform/db.ts';
import { checkEntitlement, entitledSubscription, entitlementsOf, type Entitlement } from './entitlements.ts';
import { getPlanById, type Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import { ENTITLED_STATUSES } from './subscription-states.ts';
import { tenantSubscriptions, type SubscriptionRecord } from './subscription-store.ts';
import { catchUp } from './subscriptions.ts';
import type { BillingPeriodSpan } from './periods.ts';
import { usageByFeature } from './meter-store.ts';

/**
 * Entitlements read straight from the database (no cache yet). A metered feature's use is
 * the SUM of the tenant's usage events over the subscription's current period, read in the
 * check itself: an event is acknowledged only once committed, so an event acknowledged before
 * a check is counted by it. A seat feature's use is the subscription's seats.
 */
export interface TenantEntitlements {
  subscription: SubscriptionRecord;
  plan: Plan;
  /** The subscription's current period as of now (before any scheduler has rolled it). */
  period: BillingPeriodSpan;
}

/**
 * The subscription entitlements come from: the tenant's newest active or trialing one, as
 * the clock has it now (a scheduled cancel that fell due no longer entitles, even before
 * the scheduler has written it). None: 403 `no_active_subscription`.
 */
export async function entitledPlan(db: Queryable, scope: BillingScope, tenantId: string, now: Date): Promise<TenantEntitlements> {
  const candidates: { id: string; status: SubscriptionRecord['status']; createdAt: Date; record: SubscriptionRecord; plan: Plan; period: BillingPeriodSpan }[] = [];
  for (const record of await tenantSubscriptions(db, scope, tenantId)) {
    if (!ENTITLED_STATUSES.includes(record.status)) continue;
    const plan = await getPlanById(db, scope, record.planId);
    const caught = catchUp(record, plan, now).subscription;
    const period = { start: caught.currentPeriodStart, end: caught.currentPeriodEnd };
    candidates.push({ id: record.id, status: caught.status, createdAt: record.createdAt, record, plan, period });
  }
  const chosen = entitledSubscription(candidates);
  return { subscription: chosen.record, plan: chosen.plan, period: chosen.period };
}

/** The plan's metered features among `keys` (all of them when null): the only ones whose use is summed. */
const meteredKeys = (plan: Plan, keys: readonly string[] | null) =>
  plan.features.filter((f) => f.type === 'metered' && (keys === null || keys.includes(f.key))).map((f) => f.key);

const meteredUse = (db: Queryable, scope: BillingScope, tenantId: string, found: TenantEntitlements, keys: readonly string[] | null) => {
  const metered = meteredKeys(found.plan, keys);
  return metered.length === 0 ? new Map<string, bigint>() : usageByFeature(db, scope, tenantId, found.period.start, found.period.end, metered);
};

export async function checkFeatures(db: Queryable, scope: BillingScope, tenantId: string, featureKeys: string[], now: Date): Promise<Entitlement[]> {
  const found = await entitledPlan(db, scope, tenantId, now);
  const used = await meteredUse(db, scope, tenantId, found, featureKeys);
  return featureKeys.map((key) => checkEntitlement(found.plan, key, { used: used.get(key) ?? 0n, seats: found.subscription.seats }));
}

export async function allEntitlements(db: Queryable, scope: BillingScope, tenantId: string, now: Date): Promise<TenantEntitlements & { entitlements: Entitlement[] }> {
  const found = await entitledPlan(db, scope, tenantId, now);
  return { ...found, entitlements: entitlementsOf(found.plan, await meteredUse(db, scope, tenantId, found, null), found.subscription.seats) };
}
