import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db.ts';
import type { Entitlement } from './entitlements.ts';
import { allEntitlements, checkFeatures, entitledAt, loadEntitlementFacts, noMeteredUse, type EntitlementFacts, type MeteredUse, type TenantEntitlements } from './entitlement-reads.ts';
import { ENTITLEMENT_CHANNEL, parseNotice } from './entitlement-notices.ts';
import type { BillingScope } from './scope.ts';
import { sandboxOffsetMs } from './test-clocks.ts';

/** An app's world (app and mode) as this server last read it. */
interface World {
  /** The sandbox's offset from real time; null until read (always 0 for live). */
  offsetMs: number | null;
  tenants: Map<string, EntitlementFacts>;
}

/** Beyond this many cached tenants the cache starts again empty (a bound, not an LRU: checks refill it). */
const MAX_TENANTS = 200_000;

/**
 * The entitlement checks of one server instance, answered from its memory: each tenant's plan
 * and subscription facts, and each sandbox's time. Facts are dropped
 * - on a NOTIFY from any server's committed change (src/billing/entitlement-notices.ts: a
 *   subscription, a plan, a test clock), so several servers answer alike;
 * - here at once, by `invalidate`, when this server's own write has committed (before its
 *   answer is sent), so a check right after the write never sees the old facts;
 * - when the clock reaches the facts' `validUntil` (a trial ends, a period rolls).
 * A read that started before a drop does not store what it read (`epoch`). After a lost
 * listening connection everything is dropped. Metered use is `meteredUse`'s: the server's
 * src/billing/entitlement-usage.ts keeps it in memory, current with every committed event.
 */
export class EntitlementCache {
  private readonly worlds = new Map<string, World>();
  private size = 0;
  private epoch = 0;
  /**
   * Facts being read, per world and tenant, with the epoch their read began in: a check
   * arriving meanwhile, with no drop since (same epoch), waits for that read instead of
   * starting another (at the start, or when facts lapse, under a check a millisecond).
   */
  private loading = new Map<string, { epoch: number; facts: Promise<EntitlementFacts> }>();
  private listener: { close(): Promise<void> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly meteredUse: MeteredUse = noMeteredUse,
    /** What else drops with these facts (the metered-use cache: `invalidate` is how an app says its data was corrected). */
    private readonly alongside: { drop(scope: BillingScope, tenantId: string | null): void; clear(): void } | null = null,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.db.listen(ENTITLEMENT_CHANNEL, (payload) => this.onNotice(payload), () => this.clear());
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
    this.clear();
  }

  /** Drops a tenant's facts, or (tenant null) everything of the app's world. */
  invalidate(scope: BillingScope, tenantId: string | null): void {
    this.epoch++;
    this.alongside?.drop(scope, tenantId);
    const world = this.worlds.get(worldKey(scope));
    if (!world) return;
    if (tenantId === null) {
      this.size -= world.tenants.size;
      this.worlds.delete(worldKey(scope));
    } else if (world.tenants.delete(tenantId)) this.size--;
  }

  clear(): void {
    this.epoch++;
    this.alongside?.clear();
    this.worlds.clear();
    this.size = 0;
  }

  /** The world's time and the tenant's entitled subscription (403 `no_active_subscription` when none). */
  async entitled(scope: BillingScope, tenantId: string): Promise<{ now: Date; found: TenantEntitlements }> {
    const epoch = this.epoch;
    let world = this.worlds.get(worldKey(scope));
    const offsetMs = world?.offsetMs ?? (scope.mode === 'sandbox' ? await sandboxOffsetMs(this.db, scope.orgId) : 0);
    const now = new Date(this.clock.now().getTime() + offsetMs);
    let facts = world?.tenants.get(tenantId);
    if (!facts || now.getTime() >= facts.validUntil) {
      facts = await this.load(scope, tenantId, this.epoch);
      // Only what was read after the last drop is kept; an expired read is used once.
      if (epoch === this.epoch && now.getTime() < facts.validUntil) {
        if (this.size >= MAX_TENANTS) this.clear();
        world = this.worlds.get(worldKey(scope));
        if (!world) this.worlds.set(worldKey(scope), (world = { offsetMs, tenants: new Map() }));
        if (!world.tenants.has(tenantId)) this.size++;
        world.tenants.set(tenantId, facts);
      }
    }
    return { now, found: entitledAt(facts, now) };
  }

  /** The tenant's facts from a read begun in `epoch`, the current one: this call's, or one already running since the last drop. */
  private load(scope: BillingScope, tenantId: string, epoch: number): Promise<EntitlementFacts> {
    const key = `${worldKey(scope)}|${tenantId}`;
    const running = this.loading.get(key);
    if (running && running.epoch === epoch) return running.facts;
    const facts = loadEntitlementFacts(this.db, scope, tenantId);
    const entry = { epoch, facts };
    this.loading.set(key, entry);
    const done = () => void (this.loading.get(key) === entry && this.loading.delete(key));
    facts.then(done, done);
    return facts;
  }

  async check(scope: BillingScope, tenantId: string, featureKeys: string[]): Promise<Entitlement[]> {
    const { now, found } = await this.entitled(scope, tenantId);
    return checkFeatures(this.db, scope, found, featureKeys, now, this.meteredUse);
  }

  async all(scope: BillingScope, tenantId: string): Promise<TenantEntitlements & { entitlements: Entitlement[] }> {
    const { now, found } = await this.entitled(scope, tenantId);
    return { ...found, entitlements: await allEntitlements(this.db, scope, found, now, this.meteredUse) };
  }

  private onNotice(payload: string): void {
    const notice = parseNotice(payload);
    if (notice) this.invalidate({ orgId: notice.orgId, mode: notice.mode as BillingScope['mode'] }, notice.tenantId);
  }
}

const worldKey = (scope: BillingScope) => `${scope.orgId}|${scope.mode}`;
