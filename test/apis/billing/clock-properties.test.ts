import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { billingApp, simplePlan } from '../../helpers/billing.ts';
import { DomainError } from '../../../src/platform/errors.ts';
import { parseId } from '../../../src/platform/ids.ts';
import { BillingScheduler } from '../../../src/billing/scheduler.ts';
import { getPlanById } from '../../../src/billing/plan-store.ts';
import { clockEvents } from '../../../src/billing/subscription-events.ts';
import { isLegalTransition, LIVE_STATUSES, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../../../src/billing/subscription-states.ts';
import { cancel, createSubscription, pause, resume, switchPlan, tenantSubscriptions, type SubscriptionRecord } from '../../../src/billing/subscription-store.ts';
import { nextDueAt } from '../../../src/billing/subscriptions.ts';
import type { BillingScope } from '../../../src/billing/scope.ts';

/*
 * Stored subscriptions under random sequences of subscribe, pause, resume, change-plan,
 * cancel and clock moves (the scheduler running what fell due): no illegal status or
 * transition (through every clock step recorded on the way), periods contiguous, the next
 * due time exactly the one the rules give, never two live subscriptions for a tenant.
 */
let t: TestApp;
let scope: BillingScope;
let plans: string[];
before(async () => {
  t = await startTestApp();
  t.clock.set('2024-01-31T12:00:00.000Z');
  const app = await billingApp(t);
  scope = { orgId: app.orgId, mode: 'live' };
  const made = [
    await app.made('/ledger/plans', simplePlan('monthly', 4999)),
    await app.made('/ledger/plans', simplePlan('trial', 9999, { trial_days: 14 })),
    await app.made('/ledger/plans', simplePlan('yearly', 49900, { pricing: { base_amount: { amount: 49900 }, billing_period: 'yearly' } })),
  ];
  plans = made.map((p) => parseId('plan', p.id)!);
});
after(() => t.close());

const HOUR = 3_600_000;
type Op =
  | { op: 'subscribe'; tenant: number; plan: number }
  | { op: 'pause'; tenant: number; resumeAfter: number | null }
  | { op: 'resume'; tenant: number }
  | { op: 'change'; tenant: number; plan: number; prorate: boolean }
  | { op: 'cancel'; tenant: number; immediately: boolean }
  | { op: 'clock'; ms: number };

const tenantArb = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('subscribe' as const), tenant: tenantArb, plan: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('pause' as const), tenant: tenantArb, resumeAfter: fc.option(fc.integer({ min: 1, max: 40 * 24 }).map((h) => h * HOUR)) }),
  fc.record({ op: fc.constant('resume' as const), tenant: tenantArb }),
  fc.record({ op: fc.constant('change' as const), tenant: tenantArb, plan: fc.integer({ min: 0, max: 2 }), prorate: fc.boolean() }),
  fc.record({ op: fc.constant('cancel' as const), tenant: tenantArb, immediately: fc.boolean() }),
  // Clock moves weigh more: they are what reaches the steps (trial ends, roll-overs, resumes),
  // and with equal weights a run's count of steps fell below the check at the end now and then.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clock' as const), ms: fc.integer({ min: 1, max: 70 * 24 }).map((h) => h * HOUR) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clock' as const), ms: fc.integer({ min: 1, max: 400 }).map((d) => d * 24 * HOUR) }) },
);

let run = 0;
let totalSteps = 0;

test('random sequences on stored subscriptions keep the state machine, contiguous periods and one live subscription per tenant', async () => {
  const scheduler = new BillingScheduler(t.db, t.core.writes, t.clock);
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const tenants = [`p${run}-a`, `p${run}-b`];
      run++;
      for (const op of ops) {
        const now = t.clock.now();
        const before = new Map<string, SubscriptionRecord>();
        const stepsBefore = new Map<string, number>();
        for (const tenant of tenants) {
          for (const s of await tenantSubscriptions(t.db, scope, tenant)) {
            before.set(s.id, s);
            stepsBefore.set(s.id, (await clockEvents(t.db, scope, s.id)).length);
          }
        }
        const newest = async (tenant: number) => (await tenantSubscriptions(t.db, scope, tenants[tenant]))[0]?.id ?? null;
        let restartAt: Date | null = null;
        try {
          if (op.op === 'clock') {
            t.clock.advance(op.ms);
            await scheduler.runDue(t.clock.now());
          } else if (op.op === 'subscribe') {
            await t.db.transaction((tx) => createSubscription(tx, scope, { tenantId: tenants[op.tenant], planId: plans[op.plan] }, now));
          } else {
            const id = await newest(op.tenant);
            if (id === null) continue;
            if (op.op === 'pause') await t.db.transaction((tx) => pause(tx, scope, id, null, now, op.resumeAfter === null ? null : new Date(now.getTime() + op.resumeAfter)));
            if (op.op === 'resume') await t.db.transaction((tx) => resume(tx, scope, id, null, now));
            if (op.op === 'cancel') await t.db.transaction((tx) => cancel(tx, scope, id, null, now, op.immediately));
            if (op.op === 'change') {
              restartAt = now;
              await t.db.transaction((tx) => switchPlan(tx, scope, id, null, now, plans[op.plan], op.prorate));
            }
          }
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
        await checkInvariants(tenants, before, stepsBefore, restartAt);
      }
    }),
    {
      numRuns: 40,
      // One sequence that surely reaches the steps, whatever the random ones do: a monthly and a
      // trial subscription over 400 days (a trial end and about 25 roll-overs). Random runs reach
      // fewer some of the time (12 and 16 steps were seen against the check below).
      examples: [[[{ op: 'subscribe', tenant: 0, plan: 0 }, { op: 'subscribe', tenant: 1, plan: 1 }, { op: 'clock', ms: 400 * 24 * HOUR }]]],
    },
  );
  // The sequences did reach the clock's steps (trial ends, roll-overs, resumes, cancels), each
  // checked on the way: a property whose runs never stepped the clock would prove little.
  assert.ok(totalSteps > 20, `only ${totalSteps} clock steps`);
});

async function checkInvariants(tenants: string[], before: Map<string, SubscriptionRecord>, stepsBefore: Map<string, number>, restartAt: Date | null) {
  const now = t.clock.now();
  for (const tenant of tenants) {
    const subs = await tenantSubscriptions(t.db, scope, tenant);
    assert.ok(subs.filter((s) => LIVE_STATUSES.includes(s.status)).length <= 1, `${tenant} holds two live subscriptions`);
    for (const s of subs) {
      assert.ok(SUBSCRIPTION_STATUSES.includes(s.status), s.status);
      assert.ok(s.currentPeriodStart.getTime() < s.currentPeriodEnd.getTime(), 'an empty period');
      const prev = before.get(s.id);
      // The clock steps this op took (a subscription's steps are recorded in time order).
      const fresh = (await clockEvents(t.db, scope, s.id)).slice(stepsBefore.get(s.id) ?? 0);
      // Every status on the way is a legal step from the one before.
      const chain = [prev?.status ?? s.status, ...fresh.map((e) => e.status as SubscriptionStatus), s.status];
      for (let i = 1; i < chain.length; i++) assert.ok(isLegalTransition(chain[i - 1], chain[i]), `${chain[i - 1]} → ${chain[i]}`);
      // Periods follow each other with no gap or overlap (a change to another billing period starts one now).
      if (prev) {
        let start = prev.currentPeriodStart.getTime();
        for (const e of fresh.filter((e) => e.type === 'period_advanced')) {
          assert.equal(e.periodStart!.getTime(), start, 'a rolled period does not start where the last ended');
          start = e.periodEnd!.getTime();
        }
        const restarted = restartAt !== null && s.currentPeriodStart.getTime() === restartAt.getTime();
        if (!restarted) assert.equal(s.currentPeriodStart.getTime(), start, 'the current period does not follow the last');
      }
      // The row wakes exactly when the rules next have work, and nothing due is left undone.
      const plan = await getPlanById(t.db, scope, s.planId);
      const [{ next_due_at }] = await t.db.query<{ next_due_at: Date | null }>(`SELECT next_due_at FROM billing_subscriptions WHERE org_id = $1 AND id = $2`, [scope.orgId, s.id]);
      assert.equal(next_due_at?.getTime() ?? null, nextDueAt(s, plan)?.getTime() ?? null);
      if (next_due_at) assert.ok(next_due_at.getTime() > now.getTime(), 'a due step was left undone');
      totalSteps += fresh.length;
    }
  }
}
