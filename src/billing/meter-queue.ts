import type { Db, Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { billingError } from './errors.ts';
import type { EventOutcome } from './meter-events.ts';
import { KEY_HELD, storeUsageEvents, type StoreMode, type StoredGroup, type UsageEventBatch } from './meter-store.ts';
import { violates } from './scope.ts';

/** One request's events and audit row (written by the group's statement): stored together, or not at all. */
export interface MeterUnit extends UsageEventBatch {
  /**
   * Only for a request holding an Idempotency-Key: runs in the transaction that stores the
   * events, once every unit of the group is written, with what became of each event, to store
   * the request's answer with its events. A throw fails the commit. A group without such a
   * step is one statement outside any transaction (one round trip, one commit).
   */
  beforeCommit?: (tx: Queryable, outcomes: EventOutcome[]) => Promise<void>;
}

/** Told of each group (the metered-use cache of entitlement checks, src/billing/entitlement-usage.ts). */
export interface CommitObserver {
  /** NOTIFY payloads the group's statement sends on `channel` (delivered when it commits). */
  notices(batches: readonly UsageEventBatch[]): { channel: string; payloads: string[] };
  /** After the commit, before any of the group's requests is answered. Must not throw. */
  record(batches: readonly UsageEventBatch[], group: StoredGroup): void;
}

export interface MeterQueueOptions {
  /** Events accepted but not yet committed, at most: past it, `meter_buffer_full` (429). */
  capacity: number;
  /** How long the first event of a group waits for others before the group commits. */
  lingerMs: number;
  /** Group commits in flight at once. */
  maxConcurrent: number;
  /** Events in one group commit, at most (one request's events are never split). */
  maxGroupEvents: number;
}

/** After a group found a key already held: how many groups check every key before trying "all new" again. */
const CHECKED_AFTER_HELD_KEY = 20;

interface Waiting {
  unit: MeterUnit;
  resolve: (outcomes: EventOutcome[]) => void;
  reject: (error: Error) => void;
}

/**
 * Usage events committed in shared groups (the ledger's commit queue, for metering): events
 * of every request that arrives within a few milliseconds, or while a commit is in flight,
 * are written in one transaction, so one commit and its fsync carry thousands of events. A
 * request is answered only after its group committed: an acknowledged event survives a
 * `kill -9`. What waits is bounded, in events; past the bound a request is refused at once,
 * never queued.
 */
export class MeterQueue {
  private waiting: Waiting[] = [];
  private waitingEvents = 0;
  /** Events accepted and not yet committed or refused (waiting and in flight). */
  private pendingEvents = 0;
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining = false;
  private observer: CommitObserver | null = null;
  /** Groups still to write with every key checked, after one found a key already held. */
  private checkedGroupsLeft = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: MeterQueueOptions,
  ) {}

  /** Tells `observer` of every group this queue commits (one observer). */
  observe(observer: CommitObserver): void {
    this.observer = observer;
  }

  /** Queues a request's events; resolves with each event's outcome once their group committed. */
  submit(unit: MeterUnit): Promise<EventOutcome[]> {
    const n = unit.events.length;
    if (this.pendingEvents + n > this.options.capacity) {
      return Promise.reject(billingError('meter_buffer_full', 'the meter buffer is full; try again later'));
    }
    this.pendingEvents += n;
    return new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve, reject });
      this.waitingEvents += n;
      this.schedule();
    });
  }

  /** Resolves once nothing waits or is in flight (at shutdown: SIGTERM drains the buffer). */
  async drain(): Promise<void> {
    this.draining = true;
    this.schedule();
    while (this.running > 0 || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 2));
  }

  /** `waited`: the events waiting have already waited out a commit in flight; no need to linger. */
  private schedule(waited = false) {
    if (this.waiting.length === 0 || this.running >= this.options.maxConcurrent) return;
    const full = this.waitingEvents >= this.options.maxGroupEvents;
    if (full || waited || this.draining || this.options.lingerMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      setImmediate(() => void this.flush());
      this.running++; // reserved for that flush, so no second one starts for the same events
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.running >= this.options.maxConcurrent) return; // a finishing flush schedules again
      this.running++;
      void this.flush();
    }, this.options.lingerMs);
  }

  /** Takes whole units up to the group size (at least one). */
  private takeGroup(): Waiting[] {
    let events = 0;
    let count = 0;
    while (count < this.waiting.length && (count === 0 || events + this.waiting[count].unit.events.length <= this.options.maxGroupEvents)) {
      events += this.waiting[count].unit.events.length;
      count++;
    }
    this.waitingEvents -= events;
    return this.waiting.splice(0, count);
  }

  /** Runs with `running` already counted for it. */
  private async flush() {
    const group = this.takeGroup();
    try {
      if (group.length === 0) return;
      let outcomes: (EventOutcome[] | Error)[];
      try {
        outcomes = await this.commit(group.map((w) => w.unit));
      } catch (error) {
        if (group.length === 1) outcomes = [error as Error];
        else {
          // Something no check foresaw (a failing before-commit step, a deadlock): each unit alone, so one cannot fail the others.
          outcomes = [];
          for (const w of group) {
            try {
              outcomes.push((await this.commit([w.unit]))[0]);
            } catch (e) {
              outcomes.push(e as Error);
            }
          }
        }
      }
      group.forEach((w, i) => {
        this.pendingEvents -= w.unit.events.length;
        const outcome = outcomes[i];
        if (outcome instanceof Error) w.reject(outcome);
        else w.resolve(outcome);
      });
    } finally {
      this.running--;
      this.schedule(true);
    }
  }

  /**
   * Writes the units (one statement, in a transaction only when some unit stores an answer);
   * tells the observers once committed. Keys are rarely sent twice, so a group is first
   * written as all new; when a key turns out to be held (a retried request), nothing of that
   * attempt stays, and it and the next groups are written checking each key.
   */
  private async commit(units: MeterUnit[]): Promise<EventOutcome[][]> {
    if (this.checkedGroupsLeft > 0) {
      this.checkedGroupsLeft--;
      return this.commitAs(units, 'checked');
    }
    try {
      return await this.commitAs(units, 'new');
    } catch (error) {
      if (!violates(error, KEY_HELD)) throw error;
      this.checkedGroupsLeft = CHECKED_AFTER_HELD_KEY;
      return this.commitAs(units, 'checked');
    }
  }

  private async commitAs(units: MeterUnit[], mode: StoreMode): Promise<EventOutcome[][]> {
    const now = this.clock.now();
    const outcomesOf = (group: StoredGroup) =>
      units.map((u) => u.events.map((event): EventOutcome => (group.refused.has(event.id) ? { stored: false, event, code: 'duplicate_event' } : { stored: true, event })));
    const notices = this.observer?.notices(units) ?? null;
    let group: StoredGroup;
    let outcomes: EventOutcome[][];
    if (units.every((u) => !u.beforeCommit)) {
      group = await storeUsageEvents(this.db, units, now, notices, mode);
      outcomes = outcomesOf(group);
    } else {
      [group, outcomes] = await this.db.transaction(async (tx) => {
        const stored = await storeUsageEvents(tx, units, now, notices, mode);
        const outcomes = outcomesOf(stored);
        for (let i = 0; i < units.length; i++) await units[i].beforeCommit?.(tx, outcomes[i]);
        return [stored, outcomes] as const;
      });
    }
    this.observer?.record(units, group);
    return outcomes;
  }
}
