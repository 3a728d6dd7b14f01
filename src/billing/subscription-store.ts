import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import { getPlanById, type Plan } from './plan-store.ts';
import type { ProrationLine } from './proration.ts';
import { jsonText, pageOf, violates, type BillingScope, type Page, type PageRequest } from './scope.ts';
import { LIVE_STATUSES, type SubscriptionStatus } from './subscription-states.ts';
import { cancelSubscription, catchUp, changePlan, markPastDue, nextDueAt, settlePastDue, pauseSubscription, resumeSubscription, startSubscription, type Subscription, type SubscriptionChange } from './subscriptions.ts';
import { noticeTenant } from './entitlement-notices.ts';
import { recordClockEvents } from './subscription-events.ts';
import { emitBillingEvents, subscriptionEvents } from './webhook-events.ts';
import { periodsToBill } from './invoice-run.ts';
import { makeDrafts } from './invoicing.ts';

/** A stored subscription: the state the commands work on, with its id, tenant, app, mode, metadata and times. */
export interface SubscriptionRecord extends Subscription {
  id: string;
  orgId: string;
  mode: string;
  tenantId: string;
  /** Seats held: a seat feature's use, and what a plan change must allow (`invalid_downgrade`). */
  seats: bigint;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

export const toRecord = (r: any): SubscriptionRecord => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  tenantId: r.tenant_id,
  seats: r.seats,
  planId: r.plan_id,
  status: r.status,
  currentPeriodStart: r.current_period_start,
  currentPeriodEnd: r.current_period_end,
  billingAnchorDay: r.billing_anchor_day,
  trialStart: r.trial_start,
  trialEnd: r.trial_end,
  cancelAt: r.cancel_at,
  canceledAt: r.canceled_at,
  endedAt: r.ended_at,
  pausedAt: r.paused_at,
  resumeAt: r.resume_at,
  metadata: r.metadata,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const exists = (tenantId: string) => billingError('subscription_exists', `tenant "${tenantId}" already has an active subscription`, 'tenant_id');
// `param` names the id as the reference's error example does ("param": "subscription_id"), wherever it was sent.
const notFound = () => billingError('subscription_not_found', 'the subscription does not exist', 'subscription_id');

/** The webhook event a command records after its clock steps' (null: none, a catch-up alone). */
type CommandEvent = string | null | ((after: Subscription) => string);

/**
 * A change written back over the row (never its id, tenant, plan history or creation time),
 * with when the clock next has work for it, the clock steps it took, a notice that the
 * tenant's entitlements changed, and its webhook events (the steps', then `event`'s). `plan`
 * is the plan the subscription is on after the change.
 */
async function save(tx: Queryable, scope: BillingScope, id: string, change: SubscriptionChange, plan: Plan, now: Date, event: CommandEvent = null): Promise<SubscriptionRecord> {
  const s = change.subscription;
  const rows = await tx.query(
    `UPDATE billing_subscriptions SET plan_id = $4, status = $5, current_period_start = $6, current_period_end = $7, billing_anchor_day = $8,
            trial_start = $9, trial_end = $10, cancel_at = $11, canceled_at = $12, ended_at = $13, paused_at = $14, resume_at = $15, updated_at = $16, next_due_at = $17
      WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`,
    [scope.orgId, scope.mode, id, s.planId, s.status, s.currentPeriodStart, s.currentPeriodEnd, s.billingAnchorDay, s.trialStart, s.trialEnd, s.cancelAt, s.canceledAt, s.endedAt, s.pausedAt, s.resumeAt, now, nextDueAt(s, plan)],
  );
  await recordClockEvents(tx, scope, [{ subscriptionId: id, change }], now);
  const record = toRecord(rows[0]);
  await noticeTenant(tx, scope, record.tenantId);
  await emitBillingEvents(tx, scope, subscriptionEvents(record, change, typeof event === 'function' ? event(change.subscription) : event, now));
  return record;
}

/** Proration lines kept for the subscription's next invoice (part 2 picks them up). */
async function keepPendingLines(tx: Queryable, scope: BillingScope, subscriptionId: string, lines: ProrationLine[], now: Date): Promise<void> {
  for (const line of lines) {
    await tx.query(
      `INSERT INTO billing_pending_lines (org_id, mode, id, subscription_id, type, description, plan_id, quantity, unit_amount, amount, currency, period_start, period_end, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [scope.orgId, scope.mode, newId(), subscriptionId, line.type, line.description, line.planId, line.quantity, line.unitAmount.amount, line.amount.amount, line.amount.currency, line.periodStart, line.periodEnd, now],
    );
  }
}

export interface NewSubscription {
  tenantId: string;
  /** The plan's uuid; null for text that is no plan id. */
  planId: string | null;
  status?: 'active' | 'trialing';
  seats?: bigint;
  metadata?: Record<string, string>;
}

/**
 * `POST /ledger/subscriptions`. The tenant's live subscription, if any, is first brought up to
 * now (a scheduled cancel that fell due ends it), then a second live one is refused; the
 * unique partial index `billing_subscriptions_live_tenant` holds that rule under concurrency
 * (a racing insert waits for the first to commit, then fails on the index).
 */
export async function createSubscription(tx: Queryable, scope: BillingScope, input: NewSubscription, now: Date): Promise<SubscriptionRecord> {
  const plan = await getPlanById(tx, scope, input.planId, 'plan_id', 'FOR SHARE');
  // Held so the tenant's customer cannot be deleted while it gains a live subscription.
  await tx.query(`SELECT 1 FROM billing_customers WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 FOR SHARE`, [scope.orgId, scope.mode, input.tenantId]);
  const live = await tx.query(
    `SELECT * FROM billing_subscriptions WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 AND status = ANY($4::text[]) FOR UPDATE`,
    [scope.orgId, scope.mode, input.tenantId, LIVE_STATUSES],
  );
  const statuses: SubscriptionStatus[] = [];
  for (const row of live.map(toRecord)) {
    const rowPlan = await getPlanById(tx, scope, row.planId);
    const change = catchUp(row, rowPlan, now);
    if (change.changed) {
      await makeDrafts(tx, scope, periodsToBill(row, rowPlan, change), now, true);
      await save(tx, scope, row.id, change, rowPlan, now);
    }
    statuses.push(change.subscription.status);
  }
  const s = startSubscription(plan, now, statuses, input.status);
  try {
    const rows = await tx.query(
      `INSERT INTO billing_subscriptions (org_id, mode, id, tenant_id, plan_id, status, current_period_start, current_period_end, billing_anchor_day,
                                         seats, trial_start, trial_end, metadata, created_at, updated_at, next_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING *`,
      [scope.orgId, scope.mode, newId(), input.tenantId, plan.id, s.status, s.currentPeriodStart, s.currentPeriodEnd, s.billingAnchorDay, input.seats ?? 0n, s.trialStart, s.trialEnd, jsonText(input.metadata ?? {}), now, nextDueAt(s, plan)],
    );
    await noticeTenant(tx, scope, input.tenantId);
    const created = toRecord(rows[0]);
    await emitBillingEvents(tx, scope, subscriptionEvents(created, { events: [] }, 'subscription.created', now));
    return created;
  } catch (error) {
    if (violates(error, 'billing_subscriptions_live_tenant')) throw exists(input.tenantId);
    throw error;
  }
}

export interface SubscriptionFilter {
  tenantId?: string | null;
  status?: SubscriptionStatus;
}

/** Subscriptions newest first (ties by id, newest first too). */
export async function listSubscriptions(db: Queryable, scope: BillingScope, filter: SubscriptionFilter, page: PageRequest): Promise<Page<SubscriptionRecord>> {
  const where = `org_id = $1 AND mode = $2 AND ($3::text IS NULL OR tenant_id = $3) AND ($4::text IS NULL OR status = $4)`;
  const params = [scope.orgId, scope.mode, filter.tenantId ?? null, filter.status ?? null];
  const rows = await db.query(`SELECT * FROM billing_subscriptions WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_subscriptions WHERE ${where}`, params);
  return pageOf(rows.map(toRecord), n, page);
}

/** Every subscription of a tenant, newest first (a customer's subscriptions are its tenant's). */
export async function tenantSubscriptions(db: Queryable, scope: BillingScope, tenantId: string): Promise<SubscriptionRecord[]> {
  const rows = await db.query(`SELECT * FROM billing_subscriptions WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 ORDER BY created_at DESC, id DESC`, [scope.orgId, scope.mode, tenantId]);
  return rows.map(toRecord);
}

/** A subscription by id (null: text that is no subscription id); with a tenant in context, only its own. */
export async function getSubscription(db: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, lock = ''): Promise<SubscriptionRecord> {
  const rows =
    id === null
      ? []
      : await db.query(`SELECT * FROM billing_subscriptions WHERE org_id = $1 AND mode = $2 AND id = $3 AND ($4::text IS NULL OR tenant_id = $4) ${lock}`, [scope.orgId, scope.mode, id, tenantId]);
  if (rows.length === 0) throw notFound();
  return toRecord(rows[0]);
}

export interface SubscriptionPatch {
  metadata?: Record<string, string>;
  seats?: bigint;
}

/** `PUT /ledger/subscriptions/{id}`: metadata (replaced whole) and seats; status changes have their own endpoints. */
export async function updateSubscription(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, patch: SubscriptionPatch, now: Date): Promise<SubscriptionRecord> {
  const current = await getSubscription(tx, scope, id, tenantId, 'FOR UPDATE');
  const rows = await tx.query(`UPDATE billing_subscriptions SET metadata = $4, seats = $5, updated_at = $6 WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`, [
    scope.orgId,
    scope.mode,
    current.id,
    jsonText(patch.metadata ?? current.metadata),
    patch.seats ?? current.seats,
    now,
  ]);
  // Seats are a seat feature's use.
  await noticeTenant(tx, scope, current.tenantId);
  const updated = toRecord(rows[0]);
  await emitBillingEvents(tx, scope, subscriptionEvents(updated, { events: [] }, 'subscription.updated', now));
  return updated;
}

/**
 * Locks the subscription, runs a command of src/billing/subscriptions.ts on it and its plan,
 * saves the result and its pending lines, and records `event` (after the events of any clock
 * steps the command caught up on). A new command (dunning's past_due, expire) is one line here.
 */
async function command(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date, event: CommandEvent, run: (s: SubscriptionRecord, plan: Plan) => Promise<SubscriptionChange> | SubscriptionChange): Promise<SubscriptionRecord> {
  const current = await getSubscription(tx, scope, id, tenantId, 'FOR UPDATE');
  const plan = await getPlanById(tx, scope, current.planId);
  const change = await run(current, plan);
  await keepPendingLines(tx, scope, current.id, change.pendingLines, now);
  // Periods that ended (caught up, or cut by a change of billing period) are owed their invoices, on the plan they ran on.
  await makeDrafts(tx, scope, periodsToBill(current, plan, change), now, true);
  const after = change.subscription.planId === plan.id ? plan : await getPlanById(tx, scope, change.subscription.planId);
  return save(tx, scope, current.id, change, after, now, event);
}

export const cancel = (tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date, immediately: boolean) =>
  command(tx, scope, id, tenantId, now, (after) => (after.status === 'canceled' ? 'subscription.canceled' : 'subscription.cancel_scheduled'), (s, plan) => cancelSubscription(s, plan, now, immediately));

export const pause = (tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date, resumeAt: Date | null) =>
  command(tx, scope, id, tenantId, now, 'subscription.paused', (s, plan) => pauseSubscription(s, plan, now, resumeAt));

export const resume = (tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date) =>
  command(tx, scope, id, tenantId, now, 'subscription.resumed', (s, plan) => resumeSubscription(s, plan, now));

/** `POST …/change-plan`: the target plan must exist in this app and mode (`plan_not_found`); the rest is `changePlan`'s. */
export const switchPlan = (tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date, newPlanId: string | null, prorate: boolean) =>
  command(tx, scope, id, tenantId, now, 'subscription.plan_changed', async (s, plan) => changePlan(s, plan, await getPlanById(tx, scope, newPlanId, 'plan_id', 'FOR SHARE'), now, { prorate, seats: s.seats }));

/** Dunning: the subscription's invoice could not be collected (active → past_due). */
export const markSubscriptionPastDue = (tx: Queryable, scope: BillingScope, id: string, now: Date) =>
  command(tx, scope, id, null, now, 'subscription.past_due', (s, plan) => markPastDue(s, plan, now));

/** Dunning: the overdue invoice was paid (past_due → active). */
export const settleSubscriptionPastDue = (tx: Queryable, scope: BillingScope, id: string, now: Date) =>
  command(tx, scope, id, null, now, 'subscription.recovered', (s, plan) => settlePastDue(s, plan, now));

/** The pending lines of a subscription not yet on an invoice, oldest first. */
export async function pendingLines(db: Queryable, scope: BillingScope, subscriptionId: string) {
  return db.query<{ type: string; description: string; amount: bigint; currency: string; period_start: Date; period_end: Date }>(
    `SELECT type, description, amount, currency, period_start, period_end FROM billing_pending_lines
      WHERE org_id = $1 AND mode = $2 AND subscription_id = $3 AND invoice_id IS NULL ORDER BY created_at, id`,
    [scope.orgId, scope.mode, subscriptionId],
  );
}

/** The subscription locked and brought up to `now` (its steps saved, its ended periods' drafts made), with its plan. */
export async function caughtUpSubscription(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, now: Date): Promise<{ subscription: SubscriptionRecord; plan: Plan }> {
  const current = await getSubscription(tx, scope, id, tenantId, 'FOR UPDATE');
  const plan = await getPlanById(tx, scope, current.planId, 'plan_id');
  const change = catchUp(current, plan, now);
  if (!change.changed) return { subscription: current, plan };
  await makeDrafts(tx, scope, periodsToBill(current, plan, change), now, true);
  return { subscription: await save(tx, scope, current.id, change, plan, now), plan };
}
