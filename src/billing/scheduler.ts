import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db.ts';
import type { WriteRunner } from '../platform/write-runner.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { dueWorlds, runDueSteps, type StepsRun } from './clock-steps.ts';
import { settleDueInvoices } from './invoice-run.ts';
import { invoiceWorlds } from './invoice-due-store.ts';
import { collectDue } from './collection.ts';
import type { ProviderEndpoints } from './providers/accounts.ts';

/** Subscriptions one transaction steps: large enough to be quick, small enough to hold few locks for long. */
const BATCH = 500;

/**
 * The one scheduler of billing's clock: runs the due work stored in the database
 * (`next_due_at`), so nothing is lost across restarts, and each step once with several
 * servers on one PostgreSQL (rows locked `FOR UPDATE SKIP LOCKED`: a second server takes the
 * rows the first does not hold). Each batch is one write-runner transaction with its audit
 * row (surface `billing`, principal `scheduler`). Tests call `runDue(now)` instead of waiting.
 */
export class BillingScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Db,
    private readonly writes: WriteRunner,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => {},
    /**
     * The books the period-end invoices post to. Without it (tests of the clock alone) the
     * clock still makes each ended period's draft, and leaves it for a person to finalise.
     */
    private readonly ledger: LedgerEngine | null = null,
    /** Where the providers are: with it (and the ledger), due invoices are collected (collection.ts) after each run. */
    private readonly endpoints: ProviderEndpoints | null = null,
  ) {}

  /**
   * Runs everything due by `now` (real time; each sandbox at its own time) that no other
   * server holds: rows another server has locked are its to run, so a pass that could take
   * nothing ends the run.
   */
  async runDue(now: Date = this.clock.now()): Promise<StepsRun> {
    const total: StepsRun = { subscriptions: 0, events: 0 };
    for (;;) {
      const before = total.subscriptions;
      for (const world of await dueWorlds(this.db, now)) {
        const scope = { orgId: world.orgId, mode: world.mode };
        const context = { orgId: world.orgId, principalId: 'scheduler', surface: 'billing', operation: 'runDueClockSteps', requestId: null };
        for (;;) {
          const run = await this.writes.execute(context, (tx) => runDueSteps(tx, scope, world.now, { skipLocked: true, limit: BATCH }));
          total.subscriptions += run.subscriptions;
          total.events += run.events;
          if (run.subscriptions < BATCH) break;
        }
      }
      const settled = await this.settleInvoices(now);
      if (total.subscriptions === before && settled === 0) break;
    }
    // Charges run between transactions (the provider is called outside them), after the invoices they collect are final.
    if (this.ledger && this.endpoints) await collectDue({ db: this.db, writes: this.writes, ledger: this.ledger, endpoints: this.endpoints }, now, this.onError);
    return total;
  }

  /**
   * Finalises the drafts the clock made and recognises deferred revenue whose period ended, in
   * every world with such work, in batches of one transaction each. Returns the rows taken.
   */
  private async settleInvoices(now: Date): Promise<number> {
    const ledger = this.ledger;
    if (!ledger) return 0;
    let taken = 0;
    for (const world of await invoiceWorlds(this.db, now)) {
      const scope = { orgId: world.orgId, mode: world.mode };
      const context = { orgId: world.orgId, principalId: 'scheduler', surface: 'billing', operation: 'settleDueInvoices', requestId: null };
      for (;;) {
        const run = await this.writes.execute(context, (tx) => settleDueInvoices(tx, scope, world.now, ledger, BATCH));
        taken += run.taken;
        if (run.taken < BATCH) break;
      }
    }
    return taken;
  }

  /** Runs due work every `intervalMs` (real time) until `stop`; one run at a time. */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.runDue()
        .catch(this.onError)
        .finally(() => (this.running = null));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress to commit. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
