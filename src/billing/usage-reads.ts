import type { Queryable } from '../platform/db.ts';
import { billingError } from './errors.ts';
import { checkEntitlement } from './entitlements.ts';
import { entitledPlan } from './entitlement-reads.ts';
import { getPlanById, type Plan } from './plan-store.ts';
import type { BillingPeriodSpan } from './periods.ts';
import type { BillingScope } from './scope.ts';
import { getSubscription, type SubscriptionRecord } from './subscription-store.ts';
import { catchUp } from './subscriptions.ts';
import { usageBuckets, usageByFeature, type HistoryUnit } from './meter-store.ts';
import { historyBuckets, MAX_HISTORY_BUCKETS } from './usage-history.ts';

/**
 * Usage read for people and invoices: a meter over the subscription's current period (as the
 * clock has it now, before any scheduler has rolled it), its history in buckets, and a
 * customer's metered features. Usage is the tenant's: events carry the tenant, not a
 * subscription, so a new subscription counts from its own period start.
 */
export interface MeterUsage {
  subscription: SubscriptionRecord;
  featureKey: string;
  used: bigint;
  /** −1 when unlimited; 0 when the plan lacks the feature. */
  limit: bigint;
  remaining: bigint;
  period: BillingPeriodSpan;
}

/** The subscription's current period as of `now`. */
export function currentPeriod(subscription: SubscriptionRecord, plan: Plan, now: Date): BillingPeriodSpan {
  const s = catchUp(subscription, plan, now).subscription;
  return { start: s.currentPeriodStart, end: s.currentPeriodEnd };
}

export async function meterUsage(db: Queryable, scope: BillingScope, subscriptionId: string | null, tenantId: string | null, featureKey: string, now: Date): Promise<MeterUsage> {
  const subscription = await getSubscription(db, scope, subscriptionId, tenantId);
  const plan = await getPlanById(db, scope, subscription.planId);
  const period = currentPeriod(subscription, plan, now);
  const used = (await usageByFeature(db, scope, subscription.tenantId, period.start, period.end, [featureKey])).get(featureKey) ?? 0n;
  const e = checkEntitlement(plan, featureKey, { used, seats: subscription.seats });
  return { subscription, featureKey, used: e.type === null ? used : e.used, limit: e.limit, remaining: e.remaining, period };
}

export interface HistoryQuery {
  start: Date | null;
  end: Date | null;
  unit: HistoryUnit;
}

/**
 * A meter's usage per bucket over [start, end), empty buckets included. Without `start`, from
 * the current period's start; without `end`, to the current period's end.
 */
export async function meterHistory(db: Queryable, scope: BillingScope, subscriptionId: string | null, tenantId: string | null, featureKey: string, query: HistoryQuery, now: Date) {
  const subscription = await getSubscription(db, scope, subscriptionId, tenantId);
  const plan = await getPlanById(db, scope, subscription.planId);
  const period = currentPeriod(subscription, plan, now);
  const start = query.start ?? period.start;
  const end = query.end ?? period.end;
  if (end.getTime() < start.getTime()) throw billingError('invalid_input', 'end must not be before start', 'end');
  const labels = historyBuckets(start, end, query.unit);
  if (labels === null) throw billingError('invalid_input', `the range holds more than ${MAX_HISTORY_BUCKETS} buckets: narrow it or take a coarser granularity`, 'start');
  const sums = await usageBuckets(db, scope, subscription.tenantId, featureKey, start, end, query.unit);
  return { featureKey, buckets: labels.map((label) => ({ label, used: sums.get(label) ?? 0n })) };
}

/** Each metered feature of the tenant's current plan over the current period (`GET /ledger/customers/{id}/usage`). */
export async function tenantUsage(db: Queryable, scope: BillingScope, tenantId: string, now: Date) {
  const { plan, period } = await entitledPlan(db, scope, tenantId, now);
  const metered = plan.features.filter((f) => f.type === 'metered').map((f) => f.key);
  const used = await usageByFeature(db, scope, tenantId, period.start, period.end, metered);
  return { period, features: metered.map((key) => checkEntitlement(plan, key, { used: used.get(key) ?? 0n })) };
}
