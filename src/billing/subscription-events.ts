import { tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import type { BillingScope } from './scope.ts';
import type { SubscriptionChange } from './subscriptions.ts';

/**
 * The clock's steps of each change, one row each (`billing_subscription_events`): a rolled
 * period with the period that ended (owed an invoice in part 2), a trial end, a scheduled
 * resume or cancel. Its unique index refuses the same step twice.
 */
export async function recordClockEvents(tx: Queryable, scope: BillingScope, changes: readonly { subscriptionId: string; change: SubscriptionChange }[], now: Date): Promise<number> {
  const ids: string[] = [];
  const subs: string[] = [];
  const types: string[] = [];
  const ats: string[] = [];
  const statuses: string[] = [];
  const starts: (string | null)[] = [];
  const ends: (string | null)[] = [];
  for (const { subscriptionId, change } of changes) {
    for (const event of change.events) {
      const ended = event.type === 'period_advanced' ? change.endedPeriods.find((p) => p.end.getTime() === event.at.getTime()) : undefined;
      ids.push(newId());
      subs.push(subscriptionId);
      types.push(event.type);
      ats.push(event.at.toISOString());
      statuses.push(event.status);
      starts.push(ended ? ended.start.toISOString() : null);
      ends.push(ended ? ended.end.toISOString() : null);
    }
  }
  if (ids.length === 0) return 0;
  await tx.query(
    `INSERT INTO billing_subscription_events (org_id, mode, id, subscription_id, type, at, status, period_start, period_end, recorded_at)
     SELECT $1, $2, e.id, e.sub, e.type, e.at, e.status, e.ps, e.pe, $10
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[], $9::timestamptz[]) AS e (id, sub, type, at, status, ps, pe)`,
    [scope.orgId, scope.mode, tokenArray(ids), tokenArray(subs), tokenArray(types), tokenArray(ats), tokenArray(statuses), tokenArray(starts), tokenArray(ends), now],
  );
  return ids.length;
}

export interface ClockEvent {
  subscriptionId: string;
  type: string;
  at: Date;
  status: string;
  periodStart: Date | null;
  periodEnd: Date | null;
}

/** A subscription's clock steps, oldest first. */
export async function clockEvents(db: Queryable, scope: BillingScope, subscriptionId: string): Promise<ClockEvent[]> {
  const rows = await db.query(
    `SELECT subscription_id, type, at, status, period_start, period_end FROM billing_subscription_events
      WHERE org_id = $1 AND mode = $2 AND subscription_id = $3 ORDER BY at, type`,
    [scope.orgId, scope.mode, subscriptionId],
  );
  return rows.map((r) => ({ subscriptionId: r.subscription_id, type: r.type, at: r.at, status: r.status, periodStart: r.period_start, periodEnd: r.period_end }));
}
