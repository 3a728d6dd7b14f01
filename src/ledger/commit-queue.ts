import type { Db } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { applyUnits, type PostingUnit, type UnitOutcome } from './post-entries.ts';
import { postInOneStatement } from './post-in-one-statement.ts';
import type { PostResult } from './types.ts';

interface Waiting {
  unit: PostingUnit;
  resolve: (results: PostResult[]) => void;
  reject: (error: Error) => void;
}

/**
 * Shares commits between concurrent writers: units submitted while a commit is in flight
 * are gathered and posted together in the next transaction, each keeping its own result.
 * One commit (and its fsync) is the cost of a write, so this is what lets a hot account take
 * thousands of transfers a second.
 */
export class CommitQueue {
  private waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly maxConcurrent: number,
    private readonly maxGroup = 2000,
  ) {}

  submit(unit: PostingUnit): Promise<PostResult[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or in flight (used at shutdown). */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private schedule() {
    if (this.scheduled || this.running >= this.maxConcurrent || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush() {
    const group = this.waiting.splice(0, this.maxGroup);
    if (group.length === 0) return;
    this.running++;
    try {
      let outcomes: UnitOutcome[];
      try {
        const units = group.map((w) => w.unit);
        // One statement when the group qualifies and nothing in it can be refused; else the
        // full path in a transaction of its own.
        outcomes = (await postInOneStatement(this.db, units, this.clock.now())) ?? (await this.db.transaction((tx) => applyUnits(tx, units, this.clock.now())));
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
      this.running--;
      this.schedule();
    }
  }
}
