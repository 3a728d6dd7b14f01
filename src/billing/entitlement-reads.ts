import type { Queryable } from '../platform/db.ts';
import { checkEntitlement, entitledSubscription, entitlementsOf, type Entitlement } from './entitlements.ts';
import { getPlanById, type Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import { ENTITLED_STATUSES } from './subscription-states.ts';
import { tenantSubscriptions, type SubscriptionRecord } from './subscription-store.ts';
import { catchUp } from './subscriptions.ts';

/**
 * Entitlements read straight from the database (no cache yet). A metered feature's use is
 * the SUM of its usage events over the current period once metering exists (a later part of
 * issue 13); until then it is 0. A seat feature's use is the subscription's seats.
 */
export interface TenantEntitlements {
  subscription: SubscriptionRecord;
  plan: Plan;
}

/**
 * The subscription entitlements come from: the tenant's newest active or trialing one, as
 * the clock has it now (a scheduled cancel that fell due no longer entitles, even before
 * the scheduler has written it). None: 403 `no_active_subscription`.
 */
export async function entitledPlan(db: Queryable, scope: BillingScope, tenantId: string, now: Date): Promise<TenantEntitlements> {
  const candidates: { id: string; status: SubscriptionRecord['status']; createdAt: Date; record: SubscriptionRecord; plan: Plan }[] = [];
  for (const record of await tenantSubscriptions(db, scope, tenantId)) {
    if (!ENTITLED_STATUSES.includes(record.status)) continue;
    const plan = await getPlanById(db, scope, record.planId);
    const status = catchUp(record, plan, now).subscription.status;
    candidates.push({ id: record.id, status, createdAt: record.createdAt, record, plan });
  }
  const chosen = entitledSubscription(candidates);
  return { subscription: chosen.record, plan: chosen.plan };
}

/** Metered use per feature over the current period: none is recorded before metering lands. */
const meteredUse = (): ReadonlyMap<string, bigint> => new Map();

export async function checkFeatures(db: Queryable, scope: BillingScope, tenantId: string, featureKeys: string[], now: Date): Promise<Entitlement[]> {
  const { subscription, plan } = await entitledPlan(db, scope, tenantId, now);
  const used = meteredUse();
  return featureKeys.map((key) => checkEntitlement(plan, key, { used: used.get(key) ?? 0n, seats: subscription.seats }));
}

export async function allEntitlements(db: Queryable, scope: BillingScope, tenantId: string, now: Date): Promise<TenantEntitlements & { entitlements: Entitlement[] }> {
  const found = await entitledPlan(db, scope, tenantId, now);
  return { ...found, entitlements: entitlementsOf(found.plan, meteredUse(), found.subscription.seats) };
}
