import type { Queryable } from '../platform/db.ts';
import { checkEntitlement, entitledSubscription, entitlementsOf, type Entitlement } from './entitlements.ts';
import { toPlan, type Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import { ENTITLED_STATUSES } from './subscription-states.ts';
import { toRecord, type SubscriptionRecord } from './subscription-store.ts';
import { catchUp, nextDueAt } from './subscriptions.ts';
import type { BillingPeriodSpan } from './periods.ts';

/**
 * What an entitlement check reads, in two parts:
 * - the plan and subscription facts (`EntitlementFacts`), which change only with a plan or
 *   subscription change or the clock: these are what src/billing/entitlement-cache.ts keeps,
 *   until a NOTIFY says they changed or the clock reaches `validUntil`;
 * - metered use (`MeteredUse`), which changes with every event: kept apart, by
 *   src/billing/entitlement-usage.ts, current with every committed event, so an event
 *   acknowledged before a check is counted by it.
 */
export interface TenantEntitlements {
  subscription: SubscriptionRecord;
  plan: Plan;
}

export interface EntitlementFacts {
  /** The tenant's active or trialing subscriptions with their plans, as stored. */
  candidates: TenantEntitlements[];
  /** When the clock next changes one of them (ms; Infinity: never): the facts hold until then. */
  validUntil: number;
}

/**
 * The metering seam: a metered feature's use over the subscription's current period, per
 * feature key asked (the server's is `MeteredUseCache.meteredUse`; without one, use is 0).
 */
export type MeteredUse = (db: Queryable, scope: BillingScope, found: TenantEntitlements, featureKeys: readonly string[], now: Date) => Promise<ReadonlyMap<string, bigint>>;
export const noMeteredUse: MeteredUse = async () => new Map();

/** The subscription's current period as the clock has it at `now` (before any scheduler has rolled it). */
export function currentPeriod(found: TenantEntitlements, now: Date): BillingPeriodSpan {
  const caught = catchUp(found.subscription, found.plan, now).subscription;
  return { start: caught.currentPeriodStart, end: caught.currentPeriodEnd };
}

/** The entitled subscription and plan of a tenant at `now`, with its current period, read uncached (usage reports). */
export async function entitledPlan(db: Queryable, scope: BillingScope, tenantId: string, now: Date): Promise<TenantEntitlements & { period: BillingPeriodSpan }> {
  const found = entitledAt(await loadEntitlementFacts(db, scope, tenantId), now);
  return { ...found, period: currentPeriod(found, now) };
}

export async function loadEntitlementFacts(db: Queryable, scope: BillingScope, tenantId: string): Promise<EntitlementFacts> {
  const rows = await db.query(
    `SELECT s.*, to_jsonb(p) AS plan_row FROM billing_subscriptions s JOIN billing_plans p ON p.org_id = s.org_id AND p.id = s.plan_id
      WHERE s.org_id = $1 AND s.mode = $2 AND s.tenant_id = $3 AND s.status = ANY($4::text[])`,
    [scope.orgId, scope.mode, tenantId, ENTITLED_STATUSES],
  );
  let validUntil = Number.POSITIVE_INFINITY;
  const candidates = rows.map((row) => {
    const subscription = toRecord(row);
    const plan = toPlan(planRowOf(row.plan_row));
    validUntil = Math.min(validUntil, nextDueAt(subscription, plan)?.getTime() ?? Number.POSITIVE_INFINITY);
    return { subscription, plan };
  });
  return { candidates, validUntil };
}

/** A plan row read back through `to_jsonb`: times are text there, as bigints would be. */
const planRowOf = (json: any) => ({ ...json, created_at: new Date(json.created_at), updated_at: new Date(json.updated_at) });

/**
 * The subscription entitlements come from: the tenant's newest active or trialing one, as
 * the clock has it at `now` (a scheduled cancel that fell due no longer entitles, even before
 * the scheduler has written it). None: 403 `no_active_subscription`.
 */
export function entitledAt(facts: EntitlementFacts, now: Date): TenantEntitlements {
  const candidates = facts.candidates.map((c) => ({
    id: c.subscription.id,
    createdAt: c.subscription.createdAt,
    status: now.getTime() < facts.validUntil ? c.subscription.status : catchUp(c.subscription, c.plan, now).subscription.status,
    c,
  }));
  return entitledSubscription(candidates).c;
}

const meteredKeys = (plan: Plan, keys: readonly string[]) => keys.filter((k) => plan.features.some((f) => f.key === k && f.type === 'metered'));

export async function checkFeatures(db: Queryable, scope: BillingScope, found: TenantEntitlements, featureKeys: string[], now: Date, meteredUse: MeteredUse): Promise<Entitlement[]> {
  const metered = meteredKeys(found.plan, featureKeys);
  const used = metered.length === 0 ? new Map<string, bigint>() : await meteredUse(db, scope, found, metered, now);
  return featureKeys.map((key) => checkEntitlement(found.plan, key, { used: used.get(key) ?? 0n, seats: found.subscription.seats }));
}

export async function allEntitlements(db: Queryable, scope: BillingScope, found: TenantEntitlements, now: Date, meteredUse: MeteredUse): Promise<Entitlement[]> {
  const metered = meteredKeys(found.plan, found.plan.features.map((f) => f.key));
  const used = metered.length === 0 ? new Map<string, bigint>() : await meteredUse(db, scope, found, metered, now);
  return entitlementsOf(found.plan, used, found.subscription.seats);
}
