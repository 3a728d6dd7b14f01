import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../platform/db.ts';
import { currentPeriod, type MeteredUse } from './entitlement-reads.ts';
import type { CommitObserver } from './meter-queue.ts';
import { usageWithSnapshot, type StoredGroup, type UsageEventBatch } from './meter-store.ts';
import type { BillingScope } from './scope.ts';

/**
 * Metered use for entitlement checks, kept in memory and current with every committed event,
 * so a cached check touches no database (decision 0018):
 * - a tenant's SUM per feature over its subscription's current period is read once, with the
 *   snapshot the read saw (`pg_current_snapshot()`, the same statement);
 * - this server's meter queue adds each committed group to the sums before any of its requests
 *   is answered (`record`), unless the read had already seen the group's transaction; a group
 *   that commits while a read is running is held and added after it, by the same rule. So an
 *   event acknowledged here is counted by the next check here, exactly once;
 * - other servers' groups arrive as NOTIFYs naming the tenants (`USAGE_CHANNEL`, sent by the
 *   group's own statement); they drop those tenants' sums, which the next check reads again.
 *   Across servers an acknowledged event is therefore counted from the moment its notice
 *   reached this server (the time of a NOTIFY on one database, well under a millisecond).
 * A lost listening connection drops everything (notices may have been missed).
 */
export const USAGE_CHANNEL = 'kontor_billing_usage';

/** Beyond this many cached tenants the cache starts again empty (a bound, not an LRU: checks refill it). */
const MAX_TENANTS = 200_000;

/** `xmin:xmax:xip,…` of `pg_current_snapshot()`, parsed: what a statement saw. */
interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  running: Set<bigint>;
}

const parseSnapshot = (text: string): Snapshot => {
  const [xmin, xmax, running] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), running: new Set(running ? running.split(',').map(BigInt) : []) };
};

/** Whether a transaction's effects were visible to the snapshot (`pg_visible_in_snapshot`, for committed ones). */
const saw = (s: Snapshot, xid: bigint) => xid < s.xmin || (xid < s.xmax && !s.running.has(xid));

interface Use {
  /** The period the sums cover, ms: [start, end). */
  start: number;
  end: number;
  /** Per feature; a feature absent has no events in the period. Null while the first read runs. */
  sums: Map<string, bigint> | null;
  /** What the read saw; groups it saw are not added again. */
  snapshot: Snapshot | null;
  /** Groups committed while the read ran: added once it is known whether it saw them. */
  held: { xid: bigint; events: { feature: string; at: number; quantity: bigint }[] }[];
  /** The first read, while it runs: checks arriving meanwhile wait for it rather than read again. */
  reading: Promise<unknown> | null;
}

export class MeteredUseCache implements CommitObserver {
  private readonly uses = new Map<string, Use>();
  /** This server's name in its notices, so it does not drop what it has just added itself. */
  readonly origin = randomBytes(6).toString('hex');
  private listener: { close(): Promise<void> } | null = null;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    this.listener = await this.db.listen(USAGE_CHANNEL, (payload) => this.onNotice(payload), () => this.uses.clear());
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
    this.uses.clear();
  }

  /** The `MeteredUse` of entitlement checks: from memory once a tenant's period was read. */
  readonly meteredUse: MeteredUse = async (db, scope, found, featureKeys, now) => {
    const period = currentPeriod(found, now);
    const key = useKey(scope, found.subscription.tenantId);
    const use = this.uses.get(key);
    if (use && use.start === period.start.getTime() && use.end === period.end.getTime()) {
      if (use.sums) return pick(use.sums, featureKeys);
      // The same sums are being read: a check arriving now waits for that read instead of starting
      // another (which would replace it, so at a check a millisecond none would ever be kept). Once
      // stored they include every group committed meanwhile (held, then added), so an event
      // acknowledged before this check began is counted. Not stored (dropped meanwhile, or failed): read anew.
      await use.reading?.catch(() => {});
      if (use.sums && this.uses.get(key) === use) return pick(use.sums, featureKeys);
    }
    return pick(await this.read(db, key, scope, found.subscription.tenantId, period.start, period.end), featureKeys);
  };

  /** The notices a group's statement sends: per world, the tenants it wrote (several notices when many). */
  notices(batches: readonly UsageEventBatch[]): { channel: string; payloads: string[] } {
    const worlds = new Map<string, Set<string>>();
    for (const b of batches) {
      const world = `${b.scope.orgId}|${b.scope.mode}`;
      let tenants = worlds.get(world);
      if (!tenants) worlds.set(world, (tenants = new Set()));
      tenants.add(b.tenantId);
    }
    const payloads: string[] = [];
    for (const [world, tenants] of worlds) {
      const head = `${this.origin}|${world}|`;
      let list = '';
      for (const t of tenants) {
        // NOTIFY payloads stop short of 8,000 bytes; tenant ids are at most 255 ASCII characters.
        if (list !== '' && head.length + list.length + t.length >= 7_500) {
          payloads.push(head + list);
          list = '';
        }
        list = list === '' ? t : `${list}\t${t}`;
      }
      payloads.push(head + list);
    }
    return { channel: USAGE_CHANNEL, payloads };
  }

  /**
   * A group this server's meter queue committed (called before its requests are answered):
   * its events are added to the sums of the tenants this server holds.
   */
  record(batches: readonly UsageEventBatch[], group: StoredGroup): void {
    const xid = BigInt(group.xid);
    for (const b of batches) {
      const use = this.uses.get(useKey(b.scope, b.tenantId));
      if (!use) continue;
      const events = [];
      for (const e of b.events) if (!group.refused.has(e.id)) events.push({ feature: e.featureKey, at: e.at.getTime(), quantity: e.quantity });
      if (use.sums === null) use.held.push({ xid, events });
      else if (!saw(use.snapshot!, xid)) add(use, events);
    }
  }

  /** Reads a tenant's sums over [start, end) with the snapshot that saw them; keeps them unless dropped meanwhile. */
  private async read(db: Queryable, key: string, scope: BillingScope, tenantId: string, start: Date, end: Date): Promise<Map<string, bigint>> {
    const use: Use = { start: start.getTime(), end: end.getTime(), sums: null, snapshot: null, held: [], reading: null };
    if (this.uses.size >= MAX_TENANTS) this.uses.clear();
    this.uses.set(key, use);
    let read: Map<string, bigint>;
    let snapshot: string;
    try {
      const reading = usageWithSnapshot(db, scope, tenantId, start, end);
      use.reading = reading;
      ({ sums: read, snapshot } = await reading);
    } catch (error) {
      if (this.uses.get(key) === use) this.uses.delete(key);
      throw error;
    } finally {
      use.reading = null;
    }
    // Dropped or replaced while reading (another server's events, a lost connection): answer with what was read, keep nothing.
    if (this.uses.get(key) !== use) return read;
    use.snapshot = parseSnapshot(snapshot);
    use.sums = new Map(read);
    for (const h of use.held) if (!saw(use.snapshot, h.xid)) add(use, h.events);
    use.held = [];
    // This check's answer is what the read saw: every event acknowledged before the check began committed before it.
    return read;
  }

  /** Drops a tenant's sums, or (tenant null) the whole world's (a NOTIFY of the entitlement cache: a data correction). */
  drop(scope: BillingScope, tenantId: string | null): void {
    if (tenantId !== null) return void this.uses.delete(useKey(scope, tenantId));
    const prefix = `${scope.orgId}|${scope.mode}|`;
    for (const key of this.uses.keys()) if (key.startsWith(prefix)) this.uses.delete(key);
  }

  clear(): void {
    this.uses.clear();
  }

  private onNotice(payload: string): void {
    const notice = parseUsageNotice(payload);
    if (!notice || notice.origin === this.origin) return;
    for (const tenant of notice.tenants) this.uses.delete(`${notice.world}|${tenant}`);
  }
}

const useKey = (scope: BillingScope, tenantId: string) => `${scope.orgId}|${scope.mode}|${tenantId}`;

function add(use: Use, events: { feature: string; at: number; quantity: bigint }[]) {
  for (const e of events) if (e.at >= use.start && e.at < use.end) use.sums!.set(e.feature, (use.sums!.get(e.feature) ?? 0n) + e.quantity);
}

function pick(sums: ReadonlyMap<string, bigint>, featureKeys: readonly string[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const k of featureKeys) out.set(k, sums.get(k) ?? 0n);
  return out;
}

/**
 * A usage notice: `origin|org|mode|tenant\ttenant…` (tenants are visible ASCII, so a tab
 * separates them). The group's statement sends one per world it wrote, in its own transaction.
 */
export function parseUsageNotice(payload: string): { origin: string; world: string; tenants: string[] } | null {
  const first = payload.indexOf('|');
  const third = payload.indexOf('|', payload.indexOf('|', first + 1) + 1);
  if (first < 0 || third < 0) return null;
  return { origin: payload.slice(0, first), world: payload.slice(first + 1, third), tenants: payload.slice(third + 1).split('\t') };
}
