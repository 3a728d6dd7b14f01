import type { Db } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { applyUnits, runCommitHooks, type PostingUnit, type UnitOutcome } from './post-entries.ts';
import { OneStatementDeclined, postInOneStatement } from './post-in-one-statement.ts';
import type { PostResult } from './types.ts';

interface Waiting {
  unit: PostingUnit;
  /** The accounts its entries name, read once: the queue compares them on every arrival while a group is in flight. */
  accounts: string[];
  resolve: (results: PostResult[]) => void;
  reject: (error: Error) => void;
}

/** The accounts a unit's entries name (uuids: unique across orgs). */
function accountsOf(unit: PostingUnit): string[] {
  const ids: string[] = [];
  for (const entry of unit.entries) for (const posting of entry.postings) ids.push(posting.accountId);
  return ids;
}

/**
 * Shares commits between concurrent writers: units submitted while a commit is in flight
 * are gathered and posted together in the next transaction, each keeping its own result.
 * One commit (and its fsync) is the cost of a write, so this is what lets a hot account take
 * thousands of transfers a second.
 *
 * Two groups run at once only when they post to different accounts: a group that shares an
 * account with one in flight would only wait for that one's row locks, holding a connection
 * and leaving the units that arrive meanwhile to a third, smaller group. It waits in the
 * queue instead, and goes with them once the other commits.
 */
export class CommitQueue {
  private waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;
  /** The groups in flight. */
  private readonly flying = new Set<Waiting[]>();
  /**
   * The accounts of the groups in flight, made when a waiting unit is first compared with
   * them and dropped when one starts or ends: a lone caller's flushes never make it (for a
   * thousand-transfer batch it cost ~1 ms of each call).
   */
  private flyingAccounts: Set<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly maxConcurrent: number,
    private readonly maxGroup = 2000,
  ) {}

  submit(unit: PostingUnit): Promise<PostResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ unit, accounts: accountsOf(unit), resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or in flight (used at shutdown). */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private schedule() {
    if (this.scheduled || this.running >= this.maxConcurrent || this.waiting.length === 0) return;
    if (this.running > 0 && this.sharesAccounts(this.waiting)) return; // the finishing group schedules again
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /**
   * One statement when the group qualifies and nothing in it can be refused, the units'
   * companion rows written by it; else the full path in a transaction of its own, where their
   * before-commit steps write them. Units with commit hooks and no companion take the one
   * statement inside a transaction, their hooks after it: the accounts are locked by the
   * statement itself, so they stay locked for the statement, the hooks and the commit, not
   * for a lock round trip and the full path's work besides (what a group on a hot account
   * waits for).
   */
  private async post(units: PostingUnit[]): Promise<UnitOutcome[]> {
    const now = this.clock.now();
    if (!units.some((unit) => unit.beforeCommit && !unit.companion)) {
      return (await postInOneStatement(this.db, units, now)) ?? (await this.db.transaction((tx) => applyUnits(tx, units, now)));
    }
    try {
      return await this.db.transaction(async (tx) => {
        const outcomes = await postInOneStatement(tx, units, now, true);
        if (!outcomes) return applyUnits(tx, units, now); // nothing written: the full path, same transaction
        await runCommitHooks(tx, units, outcomes);
        return outcomes;
      });
    } catch (error) {
      if (!(error instanceof OneStatementDeclined)) throw error;
      return this.db.transaction((tx) => applyUnits(tx, units, now));
    }
  }

  private sharesAccounts(waiting: readonly Waiting[]): boolean {
    if (this.flying.size === 0) return false;
    if (!this.flyingAccounts) {
      this.flyingAccounts = new Set();
      for (const group of this.flying) for (const w of group) for (const id of w.accounts) this.flyingAccounts.add(id);
    }
    for (let i = 0; i < waiting.length && i < this.maxGroup; i++) {
      for (const id of waiting[i].accounts) if (this.flyingAccounts.has(id)) return true;
    }
    return false;
  }

  private async flush() {
    const group = this.waiting.splice(0, this.maxGroup);
    if (group.length === 0) return;
    this.running++;
    this.flying.add(group);
    this.flyingAccounts = null;
    try {
      let outcomes: UnitOutcome[];
      try {
        outcomes = await this.post(group.map((w) => w.unit));
      } catch (error) {
        if (group.length === 1) {
          outcomes = [{ ok: false, error: error as Error }];
        } else {
          // Something no unit check foresaw (a race on a unique key with another process):
          // post each unit alone so one cannot fail the others.
          outcomes = [];
          for (const w of group) {
            try {
              outcomes.push((await this.db.transaction((tx) => applyUnits(tx, [w.unit], this.clock.now())))[0]);
            } catch (e) {
              outcomes.push({ ok: false, error: e as Error });
            }
          }
        }
      }
      group.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) w.resolve(outcome.results);
        else w.reject(outcome.error);
      });
    } finally {
      this.flying.delete(group);
      this.flyingAccounts = null;
      this.running--;
      this.schedule();
    }
  }
}
