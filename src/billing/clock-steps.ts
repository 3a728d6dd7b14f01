import { tokenArray, type Queryable } from '../platform/db.ts';
import { noticeTenants } from './entitlement-notices.ts';
import { toPlan, type Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import { recordClockEvents } from './subscription-events.ts';
import { toRecord } from './subscription-store.ts';
import { catchUp, nextDueAt, type SubscriptionChange } from './subscriptions.ts';
import { periodsToBill } from './invoice-run.ts';
import { makeDrafts, type PeriodToBill } from './invoicing.ts';

export interface StepsRun {
  /** Subscriptions woken (some only had their next due time worked out again). */
  subscriptions: number;
  /** Clock steps taken (`billing_subscription_events` rows). */
  events: number;
  /** Invoices made (drafts) for the periods that ended. */
  invoices?: number;
}

/**
 * One batch of due work in one world (an app and mode): locks up to `limit` subscriptions
 * whose `next_due_at` has come by `now`, brings each up to `now` with `catchUp`, and writes
 * them back with their next due time, their steps and an entitlement notice, in the caller's
 * transaction. The lock makes each step run once: a row another transaction holds is skipped
 * (`skipLocked`, the background scheduler) or waited for (a test clock's advance, which must
 * finish everything due); either way it is re-read under the lock and left alone if no
 * longer due. Returns how many rows it took: 0 means nothing (unlocked) is due.
 */
export async function runDueSteps(tx: Queryable, scope: BillingScope, now: Date, options: { skipLocked: boolean; limit: number }): Promise<StepsRun> {
  const rows = await tx.query(
    `SELECT * FROM billing_subscriptions WHERE org_id = $1 AND mode = $2 AND next_due_at <= $3
      ORDER BY next_due_at, id LIMIT $4 FOR UPDATE ${options.skipLocked ? 'SKIP LOCKED' : ''}`,
    [scope.orgId, scope.mode, now, options.limit],
  );
  if (rows.length === 0) return { subscriptions: 0, events: 0 };
  const subscriptions = rows.map(toRecord);
  const plans = new Map<string, Plan>();
  const planRows = await tx.query(`SELECT * FROM billing_plans WHERE org_id = $1 AND id = ANY($2::uuid[])`, [scope.orgId, tokenArray([...new Set(subscriptions.map((s) => s.planId))])]);
  for (const row of planRows) plans.set(row.id, toPlan(row));

  const changes: { subscriptionId: string; change: SubscriptionChange }[] = [];
  const changedTenants: string[] = [];
  const toBill: PeriodToBill[] = [];
  const columns = { id: [], status: [], start: [], end: [], anchor: [], trialEnd: [], cancelAt: [], canceledAt: [], endedAt: [], pausedAt: [], resumeAt: [], due: [], changed: [] } as Record<string, (string | number | null)[]>;
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  for (const record of subscriptions) {
    const plan = plans.get(record.planId)!;
    const change = catchUp(record, plan, now);
    const s = change.subscription;
    if (change.changed) {
      changes.push({ subscriptionId: record.id, change });
      changedTenants.push(record.tenantId);
      toBill.push(...periodsToBill(record, plan, change));
    }
    columns.id.push(record.id);
    columns.status.push(s.status);
    columns.start.push(iso(s.currentPeriodStart));
    columns.end.push(iso(s.currentPeriodEnd));
    columns.anchor.push(s.billingAnchorDay);
    columns.trialEnd.push(iso(s.trialEnd));
    columns.cancelAt.push(iso(s.cancelAt));
    columns.canceledAt.push(iso(s.canceledAt));
    columns.endedAt.push(iso(s.endedAt));
    columns.pausedAt.push(iso(s.pausedAt));
    columns.resumeAt.push(iso(s.resumeAt));
    columns.due.push(iso(nextDueAt(s, plan)));
    columns.changed.push(change.changed ? 't' : 'f');
  }
  await tx.query(
    `UPDATE billing_subscriptions AS s SET status = u.status, current_period_start = u.ps, current_period_end = u.pe, billing_anchor_day = u.anchor,
            trial_end = u.te, cancel_at = u.ca, canceled_at = u.cd, ended_at = u.ea, paused_at = u.pa, resume_at = u.ra, next_due_at = u.due,
            updated_at = CASE WHEN u.changed THEN $3 ELSE s.updated_at END
       FROM unnest($4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::smallint[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[],
                   $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], $16::boolean[])
            AS u (id, status, ps, pe, anchor, te, ca, cd, ea, pa, ra, due, changed)
      WHERE s.org_id = $1 AND s.mode = $2 AND s.id = u.id`,
    [
      scope.orgId,
      scope.mode,
      now,
      ...[columns.id, columns.status, columns.start, columns.end, columns.anchor, columns.trialEnd, columns.cancelAt, columns.canceledAt, columns.endedAt, columns.pausedAt, columns.resumeAt, columns.due, columns.changed].map(tokenArray),
    ],
  );
  const events = await recordClockEvents(tx, scope, changes, now);
  // Each period that ended is owed its invoice: a draft the scheduler finalises next.
  const invoices = (await makeDrafts(tx, scope, toBill, now, true)).filter((id) => id !== null).length;
  await noticeTenants(tx, scope, changedTenants);
  return { subscriptions: subscriptions.length, events, invoices };
}

/** Every step due by `now` in one world, batch after batch, waiting for rows others hold (a test clock's advance). */
export async function runAllDueSteps(tx: Queryable, scope: BillingScope, now: Date): Promise<StepsRun> {
  const total: StepsRun = { subscriptions: 0, events: 0 };
  for (;;) {
    const run = await runDueSteps(tx, scope, now, { skipLocked: false, limit: 1000 });
    if (run.subscriptions === 0) return total;
    total.subscriptions += run.subscriptions;
    total.events += run.events;
  }
}

/** A world with due work and its time: real time plus the app's sandbox offset. */
export interface DueWorld extends BillingScope {
  now: Date;
}

/**
 * The worlds with work due by real time `now`. Offsets only grow from 0, so whatever is due by
 * real time is due in every world (one index range scan); sandboxes whose clock has been
 * advanced are also checked at their own time (few apps advance a clock).
 */
export async function dueWorlds(db: Queryable, now: Date, limit = 100): Promise<DueWorld[]> {
  const rows = await db.query<{ org_id: string; mode: 'live' | 'sandbox'; offset_ms: bigint | null }>(
    `SELECT w.org_id, w.mode, c.offset_ms FROM (
        SELECT DISTINCT org_id, mode FROM billing_subscriptions WHERE next_due_at <= $1
        UNION
        SELECT c.org_id, 'sandbox' FROM billing_test_clocks c
         WHERE c.offset_ms > 0 AND EXISTS (SELECT 1 FROM billing_subscriptions s WHERE s.org_id = c.org_id AND s.mode = 'sandbox'
                                            AND s.next_due_at <= $1::timestamptz + c.offset_ms * interval '1 millisecond')
      ) AS w LEFT JOIN billing_test_clocks c ON c.org_id = w.org_id AND w.mode = 'sandbox'
      ORDER BY w.org_id, w.mode LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({ orgId: r.org_id, mode: r.mode, now: new Date(now.getTime() + Number(r.offset_ms ?? 0n)) }));
}
