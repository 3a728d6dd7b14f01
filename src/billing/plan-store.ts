import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import { assertPlanDeletable, billingPeriodOf, updatePlan, validatePlan, type Feature, type Money, type PlanDefinition, type PlanInput, type PlanStatus, type Pricing } from './plans.ts';
import { noticeWorld } from './entitlement-notices.ts';
import { jsonText, pageOf, violates, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** A stored plan: the validated definition with its id, app, mode and times. */
export interface Plan extends PlanDefinition {
  id: string;
  orgId: string;
  mode: string;
  createdAt: Date;
  updatedAt: Date;
}

const money = (m: { amount: string; currency: string }): Money => ({ amount: BigInt(m.amount), currency: m.currency });

/** Features and pricing come back from jsonb with their integers as strings (see jsonText). */
export function toPlan(r: any): Plan {
  const pricing = r.pricing as any;
  return {
    id: r.id,
    orgId: r.org_id,
    mode: r.mode,
    name: r.name,
    slug: r.slug,
    description: r.description,
    currency: r.currency,
    status: r.status,
    trialDays: r.trial_days,
    features: (r.features as any[]).map((f): Feature => ({ ...f, limit: BigInt(f.limit) })),
    pricing: pricing && {
      baseAmount: money(pricing.baseAmount),
      billingPeriod: pricing.billingPeriod,
      tiers: (pricing.tiers as any[]).map((t) => ({ ...t, upTo: BigInt(t.upTo), unitAmount: money(t.unitAmount), flatAmount: money(t.flatAmount) })),
    } satisfies Pricing,
    metadata: r.metadata,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const slugTaken = (slug: string) => billingError('already_exists', `a plan with slug "${slug}" already exists`, 'slug');
const planNotFound = (what: string, param: string) => billingError('plan_not_found', `plan ${what} does not exist`, param);

/** `POST /ledger/plans`: validated in the notes' order; the slug is unique per app and mode. */
export async function createPlan(tx: Queryable, scope: BillingScope, input: PlanInput, now: Date): Promise<Plan> {
  const plan = validatePlan(input);
  try {
    const rows = await tx.query(
      `INSERT INTO billing_plans (org_id, mode, id, slug, name, description, currency, status, trial_days, features, pricing, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`,
      [scope.orgId, scope.mode, newId(), plan.slug, plan.name, plan.description, plan.currency, plan.status, plan.trialDays, jsonText(plan.features), plan.pricing && jsonText(plan.pricing), jsonText(plan.metadata), now],
    );
    return toPlan(rows[0]);
  } catch (error) {
    if (violates(error, 'billing_plans_slug')) throw slugTaken(plan.slug);
    throw error;
  }
}

/** Plans oldest first (ties by id), optionally of one status. */
export async function listPlans(db: Queryable, scope: BillingScope, status: PlanStatus | undefined, page: PageRequest): Promise<Page<Plan>> {
  const where = `org_id = $1 AND mode = $2 AND ($3::text IS NULL OR status = $3)`;
  const params = [scope.orgId, scope.mode, status ?? null];
  const rows = await db.query(`SELECT * FROM billing_plans WHERE ${where} ORDER BY created_at, id LIMIT $4 OFFSET $5`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_plans WHERE ${where}`, params);
  return pageOf(rows.map(toPlan), n, page);
}

export async function getPlanBySlug(db: Queryable, scope: BillingScope, slug: string, lock = ''): Promise<Plan> {
  const rows = await db.query(`SELECT * FROM billing_plans WHERE org_id = $1 AND mode = $2 AND slug = $3 ${lock}`, [scope.orgId, scope.mode, slug]);
  if (rows.length === 0) throw planNotFound(`"${slug}"`, 'name');
  return toPlan(rows[0]);
}

/**
 * A plan by id (a uuid, or null for text that is no plan id: not found either way). `lock`
 * is `FOR SHARE` when a subscription is about to reference it, `FOR UPDATE` to delete it.
 */
export async function getPlanById(db: Queryable, scope: BillingScope, id: string | null, param = 'plan_id', lock: '' | 'FOR SHARE' | 'FOR UPDATE' = ''): Promise<Plan> {
  const rows = id === null ? [] : await db.query(`SELECT * FROM billing_plans WHERE org_id = $1 AND mode = $2 AND id = $3 ${lock}`, [scope.orgId, scope.mode, id]);
  if (rows.length === 0) throw planNotFound('with that id', param);
  return toPlan(rows[0]);
}

/** `PUT /ledger/plans/{slug}`: only the fields given change; archived plans refuse; a new slug must be free. */
export async function updatePlanBySlug(tx: Queryable, scope: BillingScope, slug: string, patch: PlanInput, now: Date): Promise<Plan> {
  const current = await getPlanBySlug(tx, scope, slug, 'FOR UPDATE');
  const plan = updatePlan(current, patch);
  try {
    const rows = await tx.query(
      `UPDATE billing_plans SET slug = $4, name = $5, description = $6, status = $7, trial_days = $8, features = $9, pricing = $10, metadata = $11, updated_at = $12
        WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`,
      [scope.orgId, scope.mode, current.id, plan.slug, plan.name, plan.description, plan.status, plan.trialDays, jsonText(plan.features), plan.pricing && jsonText(plan.pricing), jsonText(plan.metadata), now],
    );
    if (billingPeriodOf(current) !== billingPeriodOf(plan)) {
      // Its subscriptions' next clock step moved: the scheduler wakes them now and works it out again.
      await tx.query(`UPDATE billing_subscriptions SET next_due_at = $3 WHERE org_id = $1 AND plan_id = $2 AND status IN ('active', 'trialing', 'past_due', 'paused')`, [scope.orgId, current.id, now]);
    }
    // Every tenant on the plan reads its features: one notice for the app's world.
    await noticeWorld(tx, scope);
    return toPlan(rows[0]);
  } catch (error) {
    if (violates(error, 'billing_plans_slug')) throw slugTaken(plan.slug);
    throw error;
  }
}

/**
 * `DELETE /ledger/plans/{id}`: refused while any subscription, live or ended, references the
 * plan (ended ones keep their history; archive the plan instead). The row lock orders this
 * against a subscription being created on the plan (which holds the plan FOR SHARE).
 */
export async function deletePlan(tx: Queryable, scope: BillingScope, id: string | null): Promise<void> {
  const plan = await getPlanById(tx, scope, id, 'plan_id', 'FOR UPDATE');
  const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_subscriptions WHERE org_id = $1 AND plan_id = $2`, [scope.orgId, plan.id]);
  assertPlanDeletable(`"${plan.slug}"`, n);
  await tx.query(`DELETE FROM billing_plans WHERE org_id = $1 AND id = $2`, [scope.orgId, plan.id]);
}

/** Plans by id (uuid), any status: what invoices of their subscriptions are priced by. */
export async function plansByIds(db: Queryable, scope: BillingScope, ids: readonly string[]): Promise<Map<string, Plan>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.query(`SELECT * FROM billing_plans WHERE org_id = $1 AND mode = $2 AND id = ANY($3::uuid[])`, [scope.orgId, scope.mode, unique]);
  return new Map(rows.map((r) => [r.id, toPlan(r)]));
}
