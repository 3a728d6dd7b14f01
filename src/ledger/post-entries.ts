import { Dictionary, tokenArray, type Queryable } from '../platform/db.ts';
import { DomainError, invalid } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { assetCode, BIGINT_MAX, BIGINT_MIN, parseRate, type Asset } from '../platform/money.ts';
import { normalSign, type AccountType, type Entry, type EntryInput, type PostResult } from './types.ts';
import { loadEntries } from './queries.ts';

/** Entries that post together or not at all (one transfer, or one atomic batch). */
export interface PostingUnit {
  orgId: string;
  entries: ValidEntry[];
  /** Prefix for error fields: `` for a single entry, `entries[i].` is added per entry of a batch. */
  batch: boolean;
  /**
   * Runs in the transaction that commits this unit, once it has posted: the caller's own
   * rows (an Idempotency-Key's stored answer) commit with the entries or not at all.
   */
  beforeCommit?: (tx: Queryable, results: PostResult[]) => Promise<void>;
}

/** An entry that passed the checks that need no database. */
export interface ValidEntry extends EntryInput {
  effectiveAt: Date;
  reversesId?: string | null;
}

export type UnitOutcome = { ok: true; results: PostResult[] } | { ok: false; error: Error };

interface LockedAccount {
  org_id: string;
  id: string;
  ledger_id: string;
  type: AccountType;
  currency: string;
  scale: number;
  min_balance: bigint | null;
  balance: bigint;
}

const fieldOf = (unit: PostingUnit, index: number, rest: string) => (unit.batch ? `entries[${index}].${rest}` : rest);

/**
 * Posts several independent units in the caller's transaction, set-based: one lock
 * statement, one insert per table, one balance update. A unit that breaks a rule (unknown
 * account, unbalanced, over a limit) fails alone; the others post. Returns one outcome per
 * unit, in order.
 */
export async function applyUnits(tx: Queryable, units: PostingUnit[], now: Date): Promise<UnitOutcome[]> {
  const outcomes = await postUnits(tx, units, now);
  // After every unit has posted, in the same transaction: a hook that fails fails the commit.
  for (let i = 0; i < units.length; i++) {
    const outcome = outcomes[i];
    if (outcome.ok && units[i].beforeCommit) await units[i].beforeCommit!(tx, outcome.results);
  }
  return outcomes;
}

async function postUnits(tx: Queryable, units: PostingUnit[], now: Date): Promise<UnitOutcome[]> {
  const wanted = new Map<string, string>(); // account id → the org of the unit naming it
  for (const unit of units) for (const e of unit.entries) for (const p of e.postings) wanted.set(p.accountId, unit.orgId);

  // Row locks in one fixed order, as a statement of its own, so concurrent writers queue
  // instead of deadlocking and limits are checked against the committed balance. Keyed by
  // (org_id, id), the primary key: an account named by another org's unit is not found.
  const accounts = new Map<string, LockedAccount>();
  const lock = async (pairs: [string, string][]) => {
    if (pairs.length === 0) return;
    const rows = await tx.query<LockedAccount>(
      `SELECT a.org_id, a.id, a.ledger_id, a.type, a.currency, a.scale, a.min_balance, a.balance
         FROM accounts a JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON a.org_id = k.org_id AND a.id = k.id
        ORDER BY a.id FOR UPDATE OF a`,
      [pairs.map(([, org]) => org), pairs.map(([id]) => id)],
    );
    for (const row of rows) accounts.set(row.id, row);
  };
  await lock([...wanted.entries()]);

  // Entries in two currencies balance through the ledger's trading accounts for the pair.
  const tradingNeeds = new Map<string, { orgId: string; ledgerId: string; pair: string; asset: Asset }>();
  for (const unit of units) {
    for (const entry of unit.entries) {
      const assets = entryAssets(unit.orgId, entry, accounts);
      if (assets && assets.size === 2) {
        const [a, b] = [...assets.values()].map((x) => x.asset);
        const pair = [assetCode(a), assetCode(b)].sort().join(':');
        for (const asset of [a, b]) {
          tradingNeeds.set(`${unit.orgId}|${entry.ledgerId}|${tradingCode(pair, asset)}`, {
            orgId: unit.orgId,
            ledgerId: entry.ledgerId,
            pair,
            asset,
          });
        }
      }
    }
  }
  // Trading accounts that exist are locked like the others; missing ones are made in memory
  // and inserted only if an entry that posts is using them, so a refused entry writes nothing.
  const tradingIds = new Map<string, string>();
  const toCreate = new Map<string, { key: string; code: string }>();
  if (tradingNeeds.size > 0) {
    const needs = [...tradingNeeds.values()];
    const rows = await tx.query<{ org_id: string; ledger_id: string; code: string; id: string }>(
      `SELECT a.org_id, a.ledger_id, a.code, a.id FROM accounts a
         JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(org_id, ledger_id, code)
           ON a.org_id = t.org_id AND a.ledger_id = t.ledger_id AND a.code = t.code`,
      [needs.map((n) => n.orgId), needs.map((n) => n.ledgerId), needs.map((n) => tradingCode(n.pair, n.asset))],
    );
    for (const row of rows) tradingIds.set(`${row.org_id}|${row.ledger_id}|${row.code}`, row.id);
    await lock(rows.map((r) => [r.id, r.org_id] as [string, string]));
    for (const [key, need] of tradingNeeds) {
      if (tradingIds.has(key)) continue;
      const id = newId();
      tradingIds.set(key, id);
      toCreate.set(id, { key, code: tradingCode(need.pair, need.asset) });
      accounts.set(id, {
        org_id: need.orgId,
        id,
        ledger_id: need.ledgerId,
        type: 'equity',
        currency: need.asset.currency,
        scale: need.asset.scale,
        min_balance: null,
        balance: 0n,
      });
    }
  }

  // External ids and reversals already posted, so a retry posts nothing twice.
  const known = await findExisting(tx, units);

  const balances = new Map<string, bigint>();
  for (const [id, account] of accounts) balances.set(id, account.balance);

  const entryRows: { orgId: string; entry: Entry }[] = [];
  const outcomes: UnitOutcome[] = [];
  const duplicatesToLoad: { unitIndex: number; entryIndex: number; orgId: string; id: string }[] = [];
  const claimedInGroup = new Map<string, string>();

  units.forEach((unit, unitIndex) => {
    const snapshot = new Map(balances);
    const results: (PostResult | null)[] = [];
    const unitEntries: Entry[] = [];
    const claims: string[] = [];
    try {
      unit.entries.forEach((input, entryIndex) => {
        const field = (rest: string) => fieldOf(unit, entryIndex, rest);
        if (input.externalId) {
          const key = `${unit.orgId}|${input.ledgerId}|${input.externalId}`;
          const existing = known.externalIds.get(key) ?? claimedInGroup.get(key);
          if (existing) {
            duplicatesToLoad.push({ unitIndex, entryIndex, orgId: unit.orgId, id: existing });
            results.push(null);
            return;
          }
        }
        if (input.reversesId) {
          const key = `${unit.orgId}|${input.reversesId}`;
          if (known.reversed.has(key) || claimedInGroup.has(key)) {
            throw new DomainError('already_reversed', 'entry has already been reversed', field('entry_id'));
          }
        }
        const entry = buildEntry(unit, input, entryIndex, accounts, tradingIds, now);
        for (const posting of entry.postings) {
          const before = balances.get(posting.accountId)!;
          const after = before + posting.amount;
          if (after > BIGINT_MAX || after < BIGINT_MIN) {
            // Named by the field, never by an internal account id.
            throw invalid(field('postings'), 'this entry would overflow the balance of one of its accounts');
          }
          balances.set(posting.accountId, after);
        }
        checkLimits(entry, accounts, balances, snapshot, field);
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
      });
      for (const entry of unitEntries) entryRows.push({ orgId: unit.orgId, entry });
      outcomes.push({ ok: true, results: results as PostResult[] });
    } catch (error) {
      for (const [id, value] of snapshot) balances.set(id, value);
      for (const key of claims) claimedInGroup.delete(key);
      duplicatesToLoad.splice(0, duplicatesToLoad.length, ...duplicatesToLoad.filter((d) => d.unitIndex !== unitIndex));
      outcomes.push({ ok: false, error: error as Error });
    }
  });

  const used = new Set(entryRows.flatMap((r) => r.entry.postings.map((p) => p.accountId)));
  await createTradingAccounts(tx, [...toCreate.keys()].filter((id) => used.has(id)).map((id) => ({ account: accounts.get(id)!, code: toCreate.get(id)!.code })), now);
  await writeEntries(tx, entryRows.map((r) => r.entry), accounts, now);

  if (duplicatesToLoad.length > 0) {
    const loaded = await loadEntries(
      tx,
      duplicatesToLoad.map((d) => ({ orgId: d.orgId, id: d.id })),
    );
    const fresh = new Map(entryRows.map((r) => [r.entry.id, r.entry]));
    for (const d of duplicatesToLoad) {
      const outcome = outcomes[d.unitIndex];
      const entry = loaded.get(d.id) ?? fresh.get(d.id);
      if (outcome.ok && entry) outcome.results[d.entryIndex] = { entry, duplicate: true };
    }
  }
  return outcomes;
}

/**
 * Inserts the trading accounts first used by this transaction. Another transaction may have
 * made one in the meantime; then this one is retried (as a serialisation failure), and the
 * retry finds and locks the existing account.
 */
async function createTradingAccounts(tx: Queryable, list: { account: LockedAccount; code: string }[], now: Date) {
  if (list.length === 0) return;
  const inserted = await tx.query(
    `INSERT INTO accounts (org_id, id, ledger_id, code, name, type, currency, scale, created_at)
     SELECT t.org_id, t.id, t.ledger_id, t.code, 'Currency trading ' || t.code, 'equity', t.currency, t.scale, $7
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[]) AS t(org_id, id, ledger_id, code, currency, scale)
     ON CONFLICT (org_id, ledger_id, code) DO NOTHING RETURNING id`,
    [
      list.map((x) => x.account.org_id),
      list.map((x) => x.account.id),
      list.map((x) => x.account.ledger_id),
      list.map((x) => x.code),
      list.map((x) => x.account.currency),
      list.map((x) => x.account.scale),
      now,
    ],
  );
  if (inserted.length !== list.length) {
    throw Object.assign(new Error('a trading account was created concurrently; retrying'), { code: '40001' });
  }
}

function tradingCode(pair: string, asset: Asset): string {
  return `_trading:${pair}:${assetCode(asset)}`;
}

/** The distinct assets an entry posts in, or null when one of its accounts is unknown. */
function entryAssets(orgId: string, entry: ValidEntry, accounts: Map<string, LockedAccount>) {
  const assets = new Map<string, { asset: Asset; sum: bigint }>();
  for (const p of entry.postings) {
    const account = accounts.get(p.accountId);
    if (!account || account.org_id !== orgId || account.ledger_id !== entry.ledgerId) return null;
    const asset = { currency: account.currency, scale: account.scale };
    const code = assetCode(asset);
    const slot = assets.get(code) ?? { asset, sum: 0n };
    slot.sum += p.amount;
    assets.set(code, slot);
  }
  return assets;
}

function buildEntry(
  unit: PostingUnit,
  input: ValidEntry,
  index: number,
  accounts: Map<string, LockedAccount>,
  tradingIds: Map<string, string>,
  now: Date,
): Entry {
  const field = (rest: string) => fieldOf(unit, index, rest);
  input.postings.forEach((p, i) => {
    const account = accounts.get(p.accountId);
    // Another org's account, or one of another ledger, is simply not there.
    if (!account || account.org_id !== unit.orgId || account.ledger_id !== input.ledgerId) {
      throw new DomainError('not_found', 'account not found in this ledger', field(`postings[${i}].account_id`));
    }
  });
  const assets = entryAssets(unit.orgId, input, accounts)!;
  const postings = input.postings.map((p) => {
    const a = accounts.get(p.accountId)!;
    return { accountId: p.accountId, amount: p.amount, asset: { currency: a.currency, scale: a.scale } };
  });
  const unbalanced = [...assets.values()].filter((a) => a.sum !== 0n);
  let rates: Record<string, string> | null = null;
  if (unbalanced.length > 0) {
    const sums = Object.fromEntries(unbalanced.map((a) => [assetCode(a.asset), a.sum.toString()]));
    if (unbalanced.length !== 2 || assets.size !== 2) {
      throw new DomainError('unbalanced', 'postings must sum to zero in each asset', field('postings'), { sums });
    }
    const [x, y] = unbalanced;
    const found = findRate(input.rates ?? null, x.asset, y.asset);
    if (!found) {
      throw new DomainError(
        'unbalanced',
        `postings in ${x.asset.currency} and ${y.asset.currency} need a rate "${x.asset.currency}/${y.asset.currency}"`,
        field('rates'),
        { sums },
      );
    }
    const [base, quote] = found.inverse ? [y, x] : [x, y];
    const { num, den } = parseRate(found.text, field(`rates.${found.key}`));
    // quote_units must equal -base_units × rate, rescaled between the two scales, within one unit.
    const lhs = quote.sum * den * 10n ** BigInt(base.asset.scale);
    const rhs = -base.sum * num * 10n ** BigInt(quote.asset.scale);
    const diff = lhs - rhs < 0n ? rhs - lhs : lhs - rhs;
    if ((base.sum > 0n) === (quote.sum > 0n) || diff > den * 10n ** BigInt(base.asset.scale)) {
      throw new DomainError('unbalanced', `postings do not match the rate ${found.key} = ${found.text}`, field('rates'), {
        sums,
      });
    }
    const pair = [assetCode(x.asset), assetCode(y.asset)].sort().join(':');
    for (const side of [x, y]) {
      const id = tradingIds.get(`${unit.orgId}|${input.ledgerId}|${tradingCode(pair, side.asset)}`)!;
      postings.push({ accountId: id, amount: -side.sum, asset: side.asset });
    }
    rates = { [found.key]: found.text };
  }
  return {
    orgId: unit.orgId,
    id: newId(),
    ledgerId: input.ledgerId,
    effectiveAt: input.effectiveAt,
    createdAt: now,
    externalId: input.externalId ?? null,
    description: input.description ?? null,
    reversesId: input.reversesId ?? null,
    rates,
    metadata: input.metadata ?? null,
    postings,
  };
}

function findRate(rates: Record<string, string> | null, a: Asset, b: Asset) {
  if (!rates) return null;
  for (const [key, text] of Object.entries(rates)) {
    if (key === `${a.currency}/${b.currency}`) return { key, text, inverse: false };
    if (key === `${b.currency}/${a.currency}`) return { key, text, inverse: true };
  }
  return null;
}

/** An entry may not take an account below its limit; one that moves it up is always allowed. */
function checkLimits(
  entry: Entry,
  accounts: Map<string, LockedAccount>,
  balances: Map<string, bigint>,
  before: Map<string, bigint>,
  field: (rest: string) => string,
) {
  const touched = new Set(entry.postings.map((p) => p.accountId));
  for (const id of touched) {
    const account = accounts.get(id)!;
    if (account.min_balance === null) continue;
    const sign = normalSign(account.type);
    const after = balances.get(id)! * sign;
    const was = before.get(id)! * sign;
    if (after < account.min_balance && after < was) {
      const index = entry.postings.findIndex((p) => p.accountId === id);
      throw new DomainError('insufficient_funds', 'the entry would take the account below its limit', field(`postings[${index}]`), {
        account_id: id,
      });
    }
  }
}

async function findExisting(tx: Queryable, units: PostingUnit[]) {
  const ext = { org: [] as string[], ledger: [] as string[], id: [] as string[] };
  const rev = { org: [] as string[], id: [] as string[] };
  for (const unit of units) {
    for (const e of unit.entries) {
      if (e.externalId) {
        ext.org.push(unit.orgId);
        ext.ledger.push(e.ledgerId);
        ext.id.push(e.externalId);
      }
      if (e.reversesId) {
        rev.org.push(unit.orgId);
        rev.id.push(e.reversesId);
      }
    }
  }
  const externalIds = new Map<string, string>();
  const reversed = new Set<string>();
  // One index probe per ledger (usually one for the whole group): = ANY on the unique index
  // beats joining an unnest, which the planner may answer with a scan of the ledger.
  const byLedger = new Map<string, { org: string; ledger: string; ids: string[] }>();
  ext.id.forEach((externalId, i) => {
    const key = `${ext.org[i]}|${ext.ledger[i]}`;
    const slot = byLedger.get(key) ?? { org: ext.org[i], ledger: ext.ledger[i], ids: [] };
    slot.ids.push(externalId);
    byLedger.set(key, slot);
  });
  for (const { org, ledger, ids } of byLedger.values()) {
    const rows = await tx.query<{ external_id: string; id: string }>(
      `SELECT external_id, id FROM entries WHERE org_id = $1 AND ledger_id = $2 AND external_id = ANY($3::text[])`,
      [org, ledger, ids],
    );
    for (const r of rows) externalIds.set(`${org}|${ledger}|${r.external_id}`, r.id);
  }
  if (rev.id.length > 0) {
    const rows = await tx.query<{ org_id: string; reverses_id: string }>(
      `SELECT e.org_id, e.reverses_id FROM entries e
         JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON e.org_id = k.org_id AND e.reverses_id = k.id`,
      [rev.org, rev.id],
    );
    for (const r of rows) reversed.add(`${r.org_id}|${r.reverses_id}`);
  }
  return { externalIds, reversed };
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Inserts entries and postings and moves balances, one statement per table. */
/**
 * Two writers may post the same external id (or reverse the same entry) at once without any
 * row lock between them; the loser's insert then breaks a unique index. It is retried as a
 * serialisation failure, and the retry sees the winner's entry as a duplicate.
 */
async function insertEntries(tx: Queryable, text: string, params: unknown[]): Promise<void> {
  try {
    await tx.query(text, params);
  } catch (error: any) {
    if (error?.code === '23505' && (error.constraint === 'entries_external_id' || error.constraint === 'entries_reverses')) {
      throw Object.assign(new Error('an entry with this external id was posted concurrently; retrying'), { code: '40001', cause: error });
    }
    throw error;
  }
}

/**
 * Inserts entries and postings, moves balances and per-day totals: one statement (four
 * data-modifying parts) so a commit costs one round trip for all of it. Orgs, ledgers,
 * accounts and entry ids go once each; rows refer to them by position.
 */
async function writeEntries(tx: Queryable, entries: Entry[], accounts: Map<string, LockedAccount>, now: Date) {
  if (entries.length === 0) return;
  const orgs = new Dictionary();
  const ledgers = new Dictionary();
  const accountRefs = new Dictionary();
  const e = { org: [] as number[], ledger: [] as number[] };
  const p = { org: [] as number[], entry: [] as number[], seq: [] as number[], account: [] as number[], amount: [] as bigint[] };
  const deltas = new Map<string, bigint>();
  const days = new Map<string, { account: string; day: string; delta: bigint }>();
  entries.forEach((entry, index) => {
    const org = orgs.ref(entry.orgId);
    e.org.push(org);
    e.ledger.push(ledgers.ref(entry.ledgerId));
    const day = dayOf(entry.effectiveAt);
    entry.postings.forEach((posting, seq) => {
      p.org.push(org);
      p.entry.push(index + 1);
      p.seq.push(seq);
      p.account.push(accountRefs.ref(posting.accountId));
      p.amount.push(posting.amount);
      deltas.set(posting.accountId, (deltas.get(posting.accountId) ?? 0n) + posting.amount);
      const key = `${posting.accountId}|${day}`;
      const slot = days.get(key) ?? { account: posting.accountId, day, delta: 0n };
      slot.delta += posting.amount;
      days.set(key, slot);
    });
  });
  const ids = [...deltas.keys()];
  const dayRows = [...days.values()];
  // Every account and org below is already in its dictionary (named by a posting).
  const orgOf = (accountId: string) => orgs.ref(accounts.get(accountId)!.org_id);
  const balanceRows = { org: ids.map(orgOf), account: ids.map((id) => accountRefs.ref(id)) };
  const dayRefs = { org: dayRows.map((d) => orgOf(d.account)), account: dayRows.map((d) => accountRefs.ref(d.account)) };
  await insertEntries(
    tx,
    `WITH e AS (
       INSERT INTO entries (org_id, id, ledger_id, effective_at, created_at, external_id, description, reverses_id, rates, metadata)
       SELECT ($1::uuid[])[u.o], u.id, ($2::uuid[])[u.l], u.effective_at, $4, u.external_id, u.description, u.reverses_id, u.rates, u.metadata
         FROM unnest($5::int4[], $6::uuid[], $7::int4[], $8::timestamptz[], $9::text[], $10::text[], $11::uuid[], $12::jsonb[], $13::jsonb[])
           AS u(o, id, l, effective_at, external_id, description, reverses_id, rates, metadata)
     ), p AS (
       INSERT INTO postings (org_id, entry_id, seq, account_id, amount)
       SELECT ($1::uuid[])[u.o], ($6::uuid[])[u.e], u.seq, ($3::uuid[])[u.a], u.amount
         FROM unnest($14::int4[], $15::int4[], $16::int2[], $17::int4[], $18::int8[]) AS u(o, e, seq, a, amount)
     ), b AS (
       UPDATE accounts a SET balance = a.balance + d.delta
         FROM (SELECT ($1::uuid[])[u.o] AS org_id, ($3::uuid[])[u.a] AS id, u.delta
                 FROM unnest($19::int4[], $20::int4[], $21::int8[]) AS u(o, a, delta)) AS d
        WHERE a.org_id = d.org_id AND a.id = d.id
     )
     INSERT INTO account_days (org_id, account_id, day, delta)
     SELECT ($1::uuid[])[u.o], ($3::uuid[])[u.a], u.day, u.delta
       FROM unnest($22::int4[], $23::int4[], $24::date[], $25::int8[]) AS u(o, a, day, delta)
     ON CONFLICT (org_id, account_id, day) DO UPDATE SET delta = account_days.delta + EXCLUDED.delta`,
    [
      tokenArray(orgs.values),
      tokenArray(ledgers.values),
      tokenArray(accountRefs.values),
      now,
      tokenArray(e.org),
      tokenArray(entries.map((x) => x.id)),
      tokenArray(e.ledger),
      tokenArray(entries.map((x) => x.effectiveAt.toISOString())),
      entries.map((x) => x.externalId),
      entries.map((x) => x.description),
      tokenArray(entries.map((x) => x.reversesId)),
      entries.map((x) => (x.rates ? JSON.stringify(x.rates) : null)),
      entries.map((x) => (x.metadata ? JSON.stringify(x.metadata) : null)),
      tokenArray(p.org),
      tokenArray(p.entry),
      tokenArray(p.seq),
      tokenArray(p.account),
      tokenArray(p.amount),
      tokenArray(balanceRows.org),
      tokenArray(balanceRows.account),
      tokenArray(ids.map((id) => deltas.get(id)!)),
      tokenArray(dayRefs.org),
      tokenArray(dayRefs.account),
      tokenArray(dayRows.map((d) => d.day)),
      tokenArray(dayRows.map((d) => d.delta)),
    ],
  );
}
