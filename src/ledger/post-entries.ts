import type { Queryable } from '../platform/db.ts';
import { appendWriteAudit, auditRow, type WriteAuditRow } from '../platform/write-audit.ts';
import { DomainError, invalid } from '../platform/errors.ts';
import { BIGINT_MAX, BIGINT_MIN } from '../platform/money.ts';
import type { Entry, EntryInput, PostResult } from './types.ts';
import { loadEntries } from './queries.ts';
import { createTradingAccounts, lockAccounts, prepareTradingAccounts, type LockedAccount } from './accounts-for-posting.ts';
import { buildEntry, checkLimits, fieldOf } from './entry-rules.ts';
import { findExisting } from './posted-before.ts';
import { writeEntries } from './write-entries.ts';

/** Entries that post together or not at all (one transfer, or one atomic batch). */
export interface PostingUnit {
  orgId: string;
  entries: ValidEntry[];
  /** Prefix for error fields: `` for a single entry, `entries[i].` is added per entry of a batch. */
  batch: boolean;
  /** Ids made by the caller (newId) for the entries, by position; otherwise each gets a new one. */
  entryIds?: readonly string[];
  /**
   * Runs in the transaction that commits this unit, once it has posted: the caller's own
   * rows (an Idempotency-Key's stored answer) commit with the entries or not at all. A unit
   * with a `companion` runs it only when the companion was not written (see there).
   */
  beforeCommit?: (tx: Queryable, results: PostResult[]) => Promise<void>;
  /**
   * The caller's own rows as data, for the one-statement post to write in its statement (one
   * round trip and one commit for a group, where `beforeCommit` costs a transaction and a
   * round trip per unit). Written only when the group is posted that way; otherwise nothing
   * of it is, and `beforeCommit` runs instead: it must write the same rows and make the
   * same checks. Needs `entryIds`, which the rows name.
   */
  companion?: Companion;
  /** The write's audit row, committed with the unit's entries on either path (as data, so the one-statement path can take it too). */
  audit?: UnitAudit;
}

/**
 * Rows of a caller's tables that commit with a unit's entries. The units of a group whose
 * companions share a kind are written by one insert: their columns are concatenated.
 */
export interface Companion {
  kind: CompanionKind;
  /** One array per column of the kind, one value per row. */
  columns: unknown[][];
}

/**
 * The SQL of a kind of companion rows, spliced into the one-statement post. `$1` is the
 * org; the kind's parameters start at `first`, as `params` makes them from the merged columns.
 */
export interface CompanionKind {
  /** Names the kind: statements are prepared per set of kinds. */
  name: string;
  /** CTEs that read and lock before the post decides (`name AS (…)`, comma-separated), or ''. */
  reads(first: number): string;
  /** A condition over those that must hold for anything to be written (false: the full path). */
  holds(first: number): string;
  /** CTEs that write (`name AS (INSERT … WHERE (SELECT ok FROM gate))`, comma-separated). */
  writes(first: number): string;
  /** The parameters, in order, from the merged columns. */
  params(columns: unknown[][]): unknown[];
}

/** A unit's audit row but for its status: `created` when it posted anything new, else `existing` (an external id seen before). */
export interface UnitAudit {
  row: Omit<WriteAuditRow, 'status' | 'at'>;
  status: { created: number; existing: number };
}

/** The audit row of a unit that posted `results`. */
export function auditRowOf(audit: UnitAudit, results: PostResult[], at: Date): WriteAuditRow {
  return auditRow(audit.row, results.some((r) => !r.duplicate) ? audit.status.created : audit.status.existing, at);
}

/** An entry that passed the checks that need no database. */
export interface ValidEntry extends EntryInput {
  effectiveAt: Date;
  reversesId?: string | null;
}

export type UnitOutcome = { ok: true; results: PostResult[] } | { ok: false; error: Error };

/**
 * Posts several independent units in the caller's transaction, set-based: one lock
 * statement, one insert per table, one balance update. A unit that breaks a rule (unknown
 * account, unbalanced, over a limit) fails alone; the others post. Returns one outcome per
 * unit, in order.
 */
export async function applyUnits(tx: Queryable, units: PostingUnit[], now: Date): Promise<UnitOutcome[]> {
  const outcomes = await postUnits(tx, units, now);
  const audited = units.flatMap((unit, i) => {
    const outcome = outcomes[i];
    return outcome.ok && unit.audit ? [auditRowOf(unit.audit, outcome.results, now)] : [];
  });
  await appendWriteAudit(tx, audited);
  await runCommitHooks(tx, units, outcomes);
  return outcomes;
}

/** After every unit has posted, in the same transaction: a hook that fails fails the commit. */
export async function runCommitHooks(tx: Queryable, units: PostingUnit[], outcomes: UnitOutcome[]): Promise<void> {
  for (let i = 0; i < units.length; i++) {
    const outcome = outcomes[i];
    if (outcome.ok && units[i].beforeCommit) await units[i].beforeCommit!(tx, outcome.results);
  }
}

async function postUnits(tx: Queryable, units: PostingUnit[], now: Date): Promise<UnitOutcome[]> {
  const wanted = new Map<string, string>(); // account id → the org of the unit naming it
  for (const unit of units) for (const e of unit.entries) for (const p of e.postings) wanted.set(p.accountId, unit.orgId);
  const accounts = new Map<string, LockedAccount>();
  await lockAccounts(tx, [...wanted.entries()], accounts);
  const trading = await prepareTradingAccounts(tx, units, accounts);
  const tradingIds = trading.ids;
  const toCreate = trading.toCreate;
  const known = await findExisting(tx, units);

  const balances = new Map<string, bigint>();
  for (const [id, account] of accounts) balances.set(id, account.balance);

  const posted: Entry[] = [];
  const outcomes: UnitOutcome[] = [];
  const duplicatesToLoad: { unitIndex: number; entryIndex: number; orgId: string; id: string }[] = [];
  const claimedInGroup = new Map<string, string>();

  for (let unitIndex = 0; unitIndex < units.length; unitIndex++) {
    const unit = units[unitIndex];
    // Balances before this unit, of the accounts it touched: what a refusal puts back, and
    // what a limit compares with. Only the touched ones, so a group of n units costs O(n).
    const before = new Map<string, bigint>();
    const results: (PostResult | null)[] = [];
    const unitEntries: Entry[] = [];
    const claims: string[] = [];
    try {
      for (let entryIndex = 0; entryIndex < unit.entries.length; entryIndex++) {
        const input = unit.entries[entryIndex];
        if (input.externalId) {
          const key = `${unit.orgId}|${input.ledgerId}|${input.externalId}`;
          const existing = known.externalIds.get(key) ?? claimedInGroup.get(key);
          if (existing) {
            duplicatesToLoad.push({ unitIndex, entryIndex, orgId: unit.orgId, id: existing });
            results.push(null);
            continue;
          }
        }
        if (input.reversesId) {
          const key = `${unit.orgId}|${input.reversesId}`;
          if (known.reversed.has(key) || claimedInGroup.has(key)) {
            throw new DomainError('already_reversed', 'entry has already been reversed', fieldOf(unit, entryIndex, 'entry_id'));
          }
        }
        const entry = buildEntry(unit, input, entryIndex, accounts, tradingIds, now);
        for (const posting of entry.postings) {
          const was = balances.get(posting.accountId)!;
          const after = was + posting.amount;
          if (after > BIGINT_MAX || after < BIGINT_MIN) {
            // Named by the field, never by an internal account id.
            throw invalid(fieldOf(unit, entryIndex, 'postings'), 'this entry would overflow the balance of one of its accounts');
          }
          if (!before.has(posting.accountId)) before.set(posting.accountId, was);
          balances.set(posting.accountId, after);
        }
        checkLimits(entry, accounts, balances, before, (rest) => fieldOf(unit, entryIndex, rest));
        unitEntries.push(entry);
        results.push({ entry, duplicate: false });
        if (input.externalId) {
          const key = `${unit.orgId}|${input.ledgerId}|${input.externalId}`;
          claimedInGroup.set(key, entry.id);
          claims.push(key);
        }
        if (input.reversesId) {
          const key = `${unit.orgId}|${input.reversesId}`;
          claimedInGroup.set(key, entry.id);
          claims.push(key);
        }
      }
      for (const entry of unitEntries) posted.push(entry);
      outcomes.push({ ok: true, results: results as PostResult[] });
    } catch (error) {
      for (const [id, value] of before) balances.set(id, value);
      for (const key of claims) claimedInGroup.delete(key);
      if (duplicatesToLoad.some((d) => d.unitIndex === unitIndex)) {
        duplicatesToLoad.splice(0, duplicatesToLoad.length, ...duplicatesToLoad.filter((d) => d.unitIndex !== unitIndex));
      }
      outcomes.push({ ok: false, error: error as Error });
    }
  }

  if (toCreate.size > 0) {
    const used = new Set(posted.flatMap((entry) => entry.postings.map((p) => p.accountId)));
    await createTradingAccounts(tx, [...toCreate.keys()].filter((id) => used.has(id)).map((id) => ({ account: accounts.get(id)!, code: toCreate.get(id)!.code })), now);
  }
  await writeEntries(tx, posted, accounts, now);

  if (duplicatesToLoad.length > 0) {
    const loaded = await loadEntries(
      tx,
      duplicatesToLoad.map((d) => ({ orgId: d.orgId, id: d.id })),
    );
    const fresh = new Map(posted.map((entry) => [entry.id, entry]));
    for (const d of duplicatesToLoad) {
      const outcome = outcomes[d.unitIndex];
      const entry = loaded.get(d.id) ?? fresh.get(d.id);
      if (outcome.ok && entry) outcome.results[d.entryIndex] = { entry, duplicate: true };
    }
  }
  return outcomes;
}
