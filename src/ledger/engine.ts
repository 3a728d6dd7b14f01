import { tokenArray, type Db, type Queryable } from '../platform/db.ts';
import { ReadBatcher } from '../platform/read-batcher.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError, invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { Asset } from '../platform/money.ts';
import { isDay } from '../platform/dates.ts';
import { CommitQueue } from './commit-queue.ts';
import { applyUnits, type PostingUnit } from './post-entries.ts';
import { validBatch, validEntry } from './entry-rules.ts';
import { ACCOUNT_COLUMNS, loadEntries, toAccount, toEntry, toLedger, type AccountRow } from './queries.ts';
import { balancesByPrefix, ensureAccounts, ensureLedger, type AccountSpec } from './ensure.ts';
import { accountHistory, periodTotals, purgeLedger, rawBalanceAsOf, trialBalance, type HistoryLine, type TrialBalance } from './reports.ts';
import {
  ACCOUNT_TYPES,
  normalSign,
  type Account,
  type AccountType,
  type Entry,
  type EntryInput,
  type Ledger,
  type Page,
  type PostResult,
} from './types.ts';

/** What a caller commits with its entries: its audit row (as data) and its own rows (a hook). */
export type SharedCommitOptions = Pick<PostingUnit, 'beforeCommit' | 'audit' | 'companion' | 'entryIds'>;
export type { Companion, CompanionKind } from './post-entries.ts';

export { MAX_BATCH_ENTRIES, MAX_POSTINGS } from './entry-rules.ts';

export interface NewAccount {
  ledgerId: string;
  code: string;
  name: string;
  type: AccountType;
  asset: Asset;
  minBalance?: bigint | null;
  metadata?: Record<string, unknown> | null;
}

export interface ListOptions {
  limit: number;
  /** The id of the last item of the previous page. */
  after?: string | null;
}

export type { HistoryLine, TrialBalance, TrialBalanceLine } from './reports.ts';

/**
 * The double-entry ledger of every surface. All amounts are bigint units of an asset;
 * posted entries are immutable and corrected by reversals.
 */
export class LedgerEngine {
  private readonly queue: CommitQueue;
  private readonly assetCache = new Map<string, Asset>();
  private readonly ownerCache = new Map<string, string>();
  /** Single-account reads (the hottest read there is) share queries under load. */
  private readonly accountReads: ReadBatcher<{ orgId: string; id: string }, Account>;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    // Two commits in flight: one fsyncs while the next gathers.
    this.queue = new CommitQueue(db, clock, 2);
    this.accountReads = new ReadBatcher(
      async (keys) => {
        const rows =
          keys.length === 1
            ? await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND id = $2`, [keys[0].orgId, keys[0].id])
            : await db.query<AccountRow>(
                `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE (org_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`,
                [tokenArray(keys.map((k) => k.orgId)), tokenArray(keys.map((k) => k.id))],
              );
        return new Map(rows.map((r) => [`${r.org_id}|${r.id}`, toAccount(r)]));
      },
      (key) => `${key.orgId}|${key.id}`,
    );
  }

  async createLedger(orgId: string, input: { name: string; owner: string; metadata?: Record<string, unknown> | null }, tx: Queryable): Promise<Ledger> {
    const rows = await tx.query(
      `INSERT INTO ledgers (org_id, id, owner, name, metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, owner, name) DO NOTHING RETURNING *`,
      [orgId, newId(), input.owner, input.name, input.metadata ? JSON.stringify(input.metadata) : null, this.clock.now()],
    );
    if (rows.length === 0) throw new DomainError('conflict', `a ledger named "${input.name}" already exists`, 'name');
    return toLedger(rows[0]);
  }

  /** A ledger of `owner`; any other (another owner's, another org's, none) is not found. */
  async getLedger(orgId: string, id: string, owner: string): Promise<Ledger> {
    const rows = await this.db.query('SELECT * FROM ledgers WHERE org_id = $1 AND id = $2 AND owner = $3', [orgId, id, owner]);
    if (rows.length === 0) throw notFound('ledger');
    return toLedger(rows[0]);
  }

  /**
   * The owner of each existing ledger, by id (absent: no such ledger in the org). An owner
   * never changes, so answers are kept in memory (bounded); a purged ledger's stale entry
   * only lets a caller reach the "not found" of the query that follows.
   */
  async ledgerOwners(orgId: string, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing = ids.filter((id) => {
      const hit = this.ownerCache.get(`${orgId}|${id}`);
      if (hit) out.set(id, hit);
      return !hit;
    });
    if (missing.length > 0) {
      const rows = await this.db.query<{ id: string; owner: string }>('SELECT id, owner FROM ledgers WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, missing]);
      if (this.ownerCache.size > 100_000) this.ownerCache.clear();
      for (const row of rows) {
        this.ownerCache.set(`${orgId}|${row.id}`, row.owner);
        out.set(row.id, row.owner);
      }
    }
    return out;
  }

  async listLedgers(orgId: string, owner: string, page: ListOptions): Promise<Page<Ledger>> {
    const rows = await this.db.query(
      `SELECT * FROM ledgers WHERE org_id = $1 AND owner = $2 AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
      [orgId, owner, page.after ?? null, page.limit + 1],
    );
    return paginate(rows.map(toLedger), page.limit, (l) => l.id);
  }

  async createAccount(orgId: string, input: NewAccount, tx: Queryable): Promise<Account> {
    if (!ACCOUNT_TYPES.includes(input.type)) throw invalid('type', `type must be one of ${ACCOUNT_TYPES.join(', ')}`);
    if (input.code.startsWith('_')) throw invalid('code', 'codes starting with "_" are reserved for system accounts');
    const ledger = await tx.query('SELECT 1 FROM ledgers WHERE org_id = $1 AND id = $2', [orgId, input.ledgerId]);
    if (ledger.length === 0) throw notFound('ledger', 'ledger_id');
    const rows = await tx.query<AccountRow>(
      `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, min_balance, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (org_id, ledger_id, code) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
      [
        orgId,
        newId(),
        input.ledgerId,
        input.code,
        input.name,
        input.type,
        input.asset.currency,
        input.asset.scale,
        input.minBalance?.toString() ?? null,
        input.metadata ? JSON.stringify(input.metadata) : null,
        this.clock.now(),
      ],
    );
    if (rows.length === 0) throw new DomainError('conflict', `an account with code "${input.code}" already exists in this ledger`, 'code');
    return toAccount(rows[0]);
  }

  /**
   * The account with this code in the ledger, created as described when it is missing;
   * `created` says whether this call made it.
   */
  async ensureAccount(orgId: string, input: NewAccount, tx: Queryable): Promise<{ id: string; created: boolean }> {
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, min_balance, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (org_id, ledger_id, code) DO NOTHING RETURNING id`,
      [orgId, newId(), input.ledgerId, input.code, input.name, input.type, input.asset.currency, input.asset.scale, input.minBalance?.toString() ?? null, this.clock.now()],
    );
    if (inserted.length > 0) return { id: inserted[0].id, created: true };
    const [row] = await tx.query<{ id: string }>('SELECT id FROM accounts WHERE org_id = $1 AND ledger_id = $2 AND code = $3', [orgId, input.ledgerId, input.code]);
    return { id: row.id, created: false };
  }

  /** A ledger of `owner` by name, made when missing (src/ledger/ensure.ts). */
  ensureLedger(orgId: string, input: { name: string; owner: string }, tx: Queryable): Promise<string> {
    return ensureLedger(tx, orgId, input, this.clock.now());
  }

  /** Accounts of a ledger by code, each made when missing, set-based: code → id. */
  ensureAccounts(orgId: string, ledgerId: string, specs: readonly AccountSpec[], tx: Queryable): Promise<Map<string, string>> {
    return ensureAccounts(tx, orgId, ledgerId, specs, this.clock.now());
  }

  /** Normal-side balances of the accounts whose code starts with `prefix`, by code. */
  balancesByPrefix(orgId: string, ledgerId: string, prefix: string, reader: Queryable = this.db): Promise<Map<string, bigint>> {
    return balancesByPrefix(reader, orgId, ledgerId, prefix);
  }

  async getAccount(orgId: string, id: string): Promise<Account> {
    const account = await this.accountReads.load({ orgId, id });
    if (!account) throw notFound('account');
    return account;
  }

  /**
   * The assets of accounts, by id; ids of another org are absent. An account's asset never
   * changes, so answers are kept in memory (bounded) and a hot write path reads no row for
   * them; whether the account still exists is checked again when posting.
   */
  async accountAssets(orgId: string, ids: string[]): Promise<Map<string, Asset>> {
    const out = new Map<string, Asset>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.assetCache.get(`${orgId}|${id}`);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows = await this.db.query<{ id: string; currency: string; scale: number }>(
        'SELECT id, currency, scale FROM accounts WHERE org_id = $1 AND id = ANY($2::uuid[])',
        [orgId, missing],
      );
      if (this.assetCache.size > 100_000) this.assetCache.clear();
      for (const row of rows) {
        const asset = { currency: row.currency, scale: Number(row.scale) };
        this.assetCache.set(`${orgId}|${row.id}`, asset);
        out.set(row.id, asset);
      }
    }
    return out;
  }

  /** Several accounts at once, by id; ids of another org are simply absent. */
  /** Accounts by id; with `reader`, as that transaction sees them (its own postings included). */
  async getAccounts(orgId: string, ids: string[], reader: Queryable = this.db): Promise<Map<string, Account>> {
    if (ids.length === 0) return new Map();
    const rows = await reader.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND id = ANY($2::uuid[])`,
      [orgId, ids],
    );
    return new Map(rows.map((r) => [r.id, toAccount(r)]));
  }

  async listAccounts(orgId: string, ledgerId: string, page: ListOptions): Promise<Page<Account>> {
    const rows = await this.db.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE org_id = $1 AND ledger_id = $2 AND ($3::uuid IS NULL OR id > $3)
        ORDER BY id LIMIT $4`,
      [orgId, ledgerId, page.after ?? null, page.limit + 1],
    );
    return paginate(rows.map(toAccount), page.limit, (a) => a.id);
  }

  /**
   * Posts one balanced entry, sharing a commit with concurrent callers (the commit queue):
   * `options` carries what commits with it (its audit row, its Idempotency-Key's answer).
   */
  async submitEntry(orgId: string, input: EntryInput, options: SharedCommitOptions = {}): Promise<PostResult> {
    const entry = validEntry(input, '', this.clock.now());
    const [result] = await this.queue.submit({ orgId, entries: [entry], batch: false, ...options });
    return result;
  }

  /**
   * Posts every entry or none, inside the caller's transaction (so a surface writes its own
   * rows in the same commit). Entries whose external id already posted are returned as
   * duplicates. `entryIds` (newId, one per input) lets a caller write rows naming the
   * entries before posting them; a duplicate keeps the id it was posted with.
   */
  async postBatch(orgId: string, inputs: EntryInput[], tx: Queryable, entryIds?: readonly string[]): Promise<PostResult[]> {
    if (entryIds && entryIds.length !== inputs.length) throw new Error('postBatch: one entry id per input');
    return this.post({ orgId, entries: validBatch(inputs, this.clock.now()), batch: true, entryIds }, tx);
  }

  /**
   * As postBatch, sharing a commit with other callers (the commit queue): for a write whose
   * only rows are its entries, its audit row and its Idempotency-Key's answer (`options`).
   */
  async submitBatch(orgId: string, inputs: EntryInput[], options: SharedCommitOptions = {}): Promise<PostResult[]> {
    return this.queue.submit({ orgId, entries: validBatch(inputs, this.clock.now()), batch: true, ...options });
  }


  /**
   * Posts each entry on its own terms inside the caller's transaction: one that breaks a rule
   * fails alone (its error in its slot), the others post, all set-based in one pass. For
   * best-effort bulk calls.
   */
  async postEach(orgId: string, inputs: EntryInput[], tx: Queryable): Promise<(PostResult | Error)[]> {
    const out: (PostResult | Error)[] = new Array(inputs.length);
    const units: { index: number; unit: PostingUnit }[] = [];
    const now = this.clock.now();
    inputs.forEach((input, index) => {
      try {
        units.push({ index, unit: { orgId, entries: [validEntry(input, '', now)], batch: false } });
      } catch (error) {
        out[index] = error as Error;
      }
    });
    const outcomes = await applyUnits(tx, units.map((u) => u.unit), now);
    outcomes.forEach((outcome, i) => {
      out[units[i].index] = outcome.ok ? outcome.results[0] : outcome.error;
    });
    return out;
  }

  /** Posts the mirror image of an entry, linked to it. An entry is reversed at most once. */
  async reverseEntry(
    orgId: string,
    entryId: string,
    options: { effectiveAt?: Date; externalId?: string | null; description?: string | null },
    tx: Queryable,
  ): Promise<PostResult> {
    const original = await this.getEntry(orgId, entryId, tx);
    // Trading postings are reversed too, so the reversal balances per asset by itself.
    const entry = validEntry(
      {
        ledgerId: original.ledgerId,
        postings: original.postings.map((p) => ({ accountId: p.accountId, amount: -p.amount })),
        effectiveAt: options.effectiveAt ?? this.clock.now(),
        externalId: options.externalId ?? null,
        description: options.description ?? `Reversal of ${original.description ?? 'entry'}`.slice(0, 1000),
        rates: original.rates,
      },
      '',
      this.clock.now(),
    );
    entry.reversesId = original.id;
    const [result] = await this.post({ orgId, entries: [entry], batch: false }, tx);
    return result;
  }

  /** Directly in the caller's transaction. */
  private async post(unit: PostingUnit, tx: Queryable): Promise<PostResult[]> {
    const [outcome] = await applyUnits(tx, [unit], this.clock.now());
    if (!outcome.ok) throw outcome.error;
    return outcome.results;
  }

  async getEntry(orgId: string, id: string, tx: Queryable = this.db): Promise<Entry> {
    const entry = (await loadEntries(tx, [{ orgId, id }])).get(id);
    if (!entry) throw notFound('entry');
    return entry;
  }

  /** Entries of a ledger, newest first by insertion, optionally within effective dates [from, to). */
  async listEntries(
    orgId: string,
    ledgerId: string,
    options: ListOptions & { effectiveFrom?: Date | null; effectiveTo?: Date | null },
  ): Promise<Page<Entry>> {
    const rows = await this.db.query<any>(
      `SELECT * FROM entries
        WHERE org_id = $1 AND ledger_id = $2 AND ($3::uuid IS NULL OR id < $3)
          AND ($4::timestamptz IS NULL OR effective_at >= $4) AND ($5::timestamptz IS NULL OR effective_at < $5)
        ORDER BY id DESC LIMIT $6`,
      [orgId, ledgerId, options.after ?? null, options.effectiveFrom ?? null, options.effectiveTo ?? null, options.limit + 1],
    );
    const page = paginate(rows.map(toEntry), options.limit, (e) => e.id);
    const loaded = await loadEntries(this.db, page.items.map((e) => ({ orgId, id: e.id })));
    return { items: page.items.map((e) => loaded.get(e.id)!), nextCursor: page.nextCursor };
  }

  /** The postings of one account, newest first by insertion. */
  async accountHistory(orgId: string, accountId: string, page: ListOptions): Promise<Page<HistoryLine>> {
    const account = await this.getAccount(orgId, accountId);
    return paginate(await accountHistory(this.db, account, page), page.limit, (l) => l.entryId);
  }

  /** The account's normal-side balance now, or at the end of an effective day (UTC). */
  async balance(orgId: string, accountId: string, asOf?: string | null): Promise<{ account: Account; balance: bigint }> {
    const account = await this.getAccount(orgId, accountId);
    if (!asOf) return { account, balance: account.balance };
    if (!isDay(asOf)) throw invalid('as_of', 'as_of must be a date like 2026-01-31');
    return { account, balance: (await rawBalanceAsOf(this.db, orgId, accountId, asOf)) * normalSign(account.type) };
  }

  /** Normal-side totals per account code of a ledger over each inclusive day range. */
  periodTotals(orgId: string, ledgerId: string, ranges: { from: string; to: string }[]): Promise<Map<string, bigint[]>> {
    return periodTotals(this.db, orgId, ledgerId, ranges);
  }

  async trialBalance(orgId: string, ledgerId: string, asOf?: string | null): Promise<TrialBalance> {
    const found = await this.db.query('SELECT 1 FROM ledgers WHERE org_id = $1 AND id = $2', [orgId, ledgerId]);
    if (found.length === 0) throw notFound('ledger');
    if (asOf && !isDay(asOf)) throw invalid('as_of', 'as_of must be a date like 2026-01-31');
    return trialBalance(this.db, orgId, ledgerId, asOf ?? null);
  }

  /** Deletes a ledger and everything in it in one transaction, and logs that it did. */
  async purgeLedger(orgId: string, ledgerId: string, actor: string, tx: Queryable): Promise<{ entries: number; accounts: number }> {
    const run = (q: Queryable) => purgeLedger(q, orgId, ledgerId, actor, this.clock.now());
    const counts = await run(tx);
    this.ownerCache.delete(`${orgId}|${ledgerId}`);
    return counts;
  }

  /** Waits for queued commits (shutdown). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

}

function paginate<T>(rows: T[], limit: number, idOf: (row: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? idOf(items[items.length - 1]) : null };
}
