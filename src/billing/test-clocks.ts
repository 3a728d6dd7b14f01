import type { Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError } from '../platform/errors.ts';
import { billingError } from './errors.ts';
import { noticeWorld } from './entitlement-notices.ts';
import type { BillingScope } from './scope.ts';

/**
 * Each app's sandbox runs on its own time: real time plus an offset that test clocks only
 * ever grow (Stripe's test clocks, for a whole sandbox). Live always runs on real time. Every
 * sandbox read and command takes its `now` from here, so a subscription advanced a year in
 * the sandbox is read and changed as of that year.
 */
export interface TestClock {
  now: Date;
  /** When (real time) the clock was last advanced; null when never. */
  advancedAt: Date | null;
}

/** The farthest one advance may move: a year of billing in a call is the use, a century an accident. */
const MAX_ADVANCE_MS = 10 * 366 * 24 * 3600 * 1000;

export async function sandboxOffsetMs(db: Queryable, orgId: string): Promise<number> {
  const rows = await db.query<{ offset_ms: bigint }>(`SELECT offset_ms FROM billing_test_clocks WHERE org_id = $1`, [orgId]);
  return rows.length === 0 ? 0 : Number(rows[0].offset_ms);
}

/** The time of the scope's world: real time for live, the app's sandbox time for sandbox. */
export async function worldNow(db: Queryable, scope: BillingScope, clock: Clock): Promise<Date> {
  if (scope.mode !== 'sandbox') return clock.now();
  return new Date(clock.now().getTime() + (await sandboxOffsetMs(db, scope.orgId)));
}

function sandboxOnly(scope: BillingScope): void {
  if (scope.mode !== 'sandbox') throw new DomainError('forbidden', 'test clocks move sandbox time only: use a sandbox key (bk_test_…)');
}

export async function readTestClock(db: Queryable, scope: BillingScope, clock: Clock): Promise<TestClock> {
  sandboxOnly(scope);
  const rows = await db.query<{ offset_ms: bigint; advanced_at: Date }>(`SELECT offset_ms, advanced_at FROM billing_test_clocks WHERE org_id = $1`, [scope.orgId]);
  const offset = rows.length === 0 ? 0 : Number(rows[0].offset_ms);
  return { now: new Date(clock.now().getTime() + offset), advancedAt: rows[0]?.advanced_at ?? null };
}

/**
 * Moves the app's sandbox time forward to `to` (refused: not later than the sandbox's now, or
 * more than ten years ahead). The row lock orders concurrent advances of one app; the caller
 * then runs the steps that fell due, in the same transaction (src/billing/clock-steps.ts).
 */
export async function advanceTestClock(tx: Queryable, scope: BillingScope, clock: Clock, to: Date): Promise<{ previous: Date; clock: TestClock }> {
  sandboxOnly(scope);
  const real = clock.now();
  await tx.query(`INSERT INTO billing_test_clocks (org_id, offset_ms, advanced_at) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING`, [scope.orgId, real]);
  const [row] = await tx.query<{ offset_ms: bigint }>(`SELECT offset_ms FROM billing_test_clocks WHERE org_id = $1 FOR UPDATE`, [scope.orgId]);
  const previous = new Date(real.getTime() + Number(row.offset_ms));
  if (to.getTime() <= previous.getTime()) {
    throw billingError('invalid_input', `test clocks move forward only: "to" must be later than the sandbox's now, ${previous.toISOString()}`, 'to');
  }
  if (to.getTime() - previous.getTime() > MAX_ADVANCE_MS) throw billingError('invalid_input', 'a test clock moves at most ten years in one advance', 'to');
  await tx.query(`UPDATE billing_test_clocks SET offset_ms = $2, advanced_at = $3 WHERE org_id = $1`, [scope.orgId, to.getTime() - real.getTime(), real]);
  // Every check of the sandbox reads its time.
  await noticeWorld(tx, scope);
  return { previous, clock: { now: to, advancedAt: real } };
}
