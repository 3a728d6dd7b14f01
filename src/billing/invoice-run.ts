import type { Queryable } from '../platform/db.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { dueDrafts, dueRecognitions, markRecognised } from './invoice-due-store.ts';
import { finalizeInvoices, recogniseDeferred, type PeriodToBill } from './invoicing.ts';
import type { Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import type { SubscriptionRecord } from './subscription-store.ts';
import type { SubscriptionChange } from './subscriptions.ts';

/**
 * The invoice side of billing's clock (decision 0019). When a period ends (the clock's
 * roll-over, or a command that first caught the subscription up), its invoice is made as a
 * draft in that same transaction, marked to finalise at once; the scheduler (and a test
 * clock's advance) then finalises due drafts and recognises deferred revenue of periods that
 * have ended, in batches, each its own transaction.
 */

/**
 * The periods a change ended, each owed an invoice on the plan the subscription was on: the
 * periods rolled, and the last period of a subscription whose scheduled cancel ended it on
 * its period end (it never rolls). An immediate cancel bills nothing more.
 */
export function periodsToBill(record: SubscriptionRecord, plan: Plan, change: SubscriptionChange): PeriodToBill[] {
  const periods = [...change.endedPeriods];
  const s = change.subscription;
  const endedByCancel = change.events.some((e) => e.type === 'canceled' && e.at.getTime() === s.currentPeriodEnd.getTime());
  if (endedByCancel && s.currentPeriodEnd.getTime() > s.currentPeriodStart.getTime()) periods.push({ start: s.currentPeriodStart, end: s.currentPeriodEnd });
  const cut = change.cutPeriod;
  return periods
    .filter((p) => p.end.getTime() > p.start.getTime())
    .map((period) => ({ subscription: record, plan, period, ...(cut && cut.start.getTime() === period.start.getTime() && cut.end.getTime() === period.end.getTime() ? { cut: true } : {}) }));
}

export interface InvoiceRun {
  finalized: number;
  recognized: number;
}

/**
 * One batch of due invoice work in one world: up to `limit` drafts the clock made are
 * finalised (numbered, credit applied, posted), and up to `limit` invoices' deferred base
 * fees whose period has ended are recognised. Rows another transaction holds are skipped.
 */
export async function settleDueInvoices(tx: Queryable, scope: BillingScope, now: Date, ledger: LedgerEngine, limit: number): Promise<InvoiceRun & { taken: number }> {
  const drafts = await dueDrafts(tx, scope, now, limit);
  const finalized = await finalizeInvoices(tx, scope, drafts, now, ledger, false);
  const deferred = await dueRecognitions(tx, scope, now, limit);
  await recogniseDeferred(tx, scope, deferred, now, ledger);
  await markRecognised(tx, scope, deferred.map((d) => d.id), now);
  return { finalized: finalized.length, recognized: deferred.length, taken: drafts.length + deferred.length };
}

/** Everything due in one world, batch after batch (a test clock's advance). */
export async function settleAllDueInvoices(tx: Queryable, scope: BillingScope, now: Date, ledger: LedgerEngine): Promise<InvoiceRun> {
  const total: InvoiceRun = { finalized: 0, recognized: 0 };
  for (;;) {
    const run = await settleDueInvoices(tx, scope, now, ledger, 500);
    total.finalized += run.finalized;
    total.recognized += run.recognized;
    if (run.taken === 0) return total;
  }
}
