import { Dictionary, prepared, textArrayOrNull, tokenArray, tokenArrayOrNull, type Queryable } from '../platform/db.ts';
import type { Entry } from './types.ts';
import type { LockedAccount } from './accounts-for-posting.ts';

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

/** What a write does to one account: its net change, split by effective day. */
interface AccountChange {
  account: LockedAccount;
  delta: bigint;
  /** The first day seen and its net: nearly every write has one day per account. */
  day: string;
  dayDelta: bigint;
  otherDays: Map<string, bigint> | null;
}

/** The new state of an account's row and the per-day rows (`account_days`) a write adds to. */
export interface DayTotalsPlan {
  accounts: { account: LockedAccount; delta: bigint; openDay: string; openDayDelta: bigint }[];
  pastDays: { account: LockedAccount; day: string; delta: bigint }[];
}

/**
 * The total of an account's latest effective day (its open day) is kept on the account row,
 * which the write updates anyway for the balance; `account_days` gets a row only when a later
 * day opens (the closed day moves there) or an entry is dated before the open day. Balances
 * as of a date add both. The rows are locked, so their open day is read as committed.
 */
export function planDayTotals(changes: Iterable<AccountChange>): DayTotalsPlan {
  const plan: DayTotalsPlan = { accounts: [], pastDays: [] };
  const past = new Map<string, { account: LockedAccount; day: string; delta: bigint }>();
  const addPast = (account: LockedAccount, day: string, delta: bigint) => {
    if (delta === 0n) return;
    const key = `${account.id}|${day}`;
    const slot = past.get(key);
    if (slot) slot.delta += delta;
    else past.set(key, { account, day, delta });
  };
  for (const change of changes) {
    const { account } = change;
    let latest = change.day;
    if (change.otherDays) for (const day of change.otherDays.keys()) if (day > latest) latest = day;
    let openDay = account.open_day;
    let openDayDelta = account.open_day_delta;
    if (openDay === null || latest > openDay) {
      if (openDay !== null) addPast(account, openDay, openDayDelta);
      openDay = latest;
      openDayDelta = 0n;
    }
    const add = (day: string, delta: bigint) => {
      if (day === openDay) openDayDelta += delta;
      else addPast(account, day, delta);
    };
    add(change.day, change.dayDelta);
    if (change.otherDays) for (const [day, delta] of change.otherDays) add(day, delta);
    plan.accounts.push({ account, delta: change.delta, openDay, openDayDelta });
  }
  plan.pastDays = [...past.values()];
  return plan;
}

const WRITE = prepared(
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
     UPDATE accounts a SET balance = a.balance + d.delta, open_day = d.open_day, open_day_delta = d.open_day_delta
       FROM (SELECT ($1::uuid[])[u.o] AS org_id, ($3::uuid[])[u.a] AS id, u.delta, u.open_day, u.open_day_delta
               FROM unnest($19::int4[], $20::int4[], $21::int8[], $22::date[], $23::int8[]) AS u(o, a, delta, open_day, open_day_delta)) AS d
      WHERE a.org_id = ANY($1::uuid[]) AND a.id = ANY($3::uuid[]) AND a.org_id = d.org_id AND a.id = d.id
   )
   INSERT INTO account_days (org_id, account_id, day, delta)
   SELECT ($1::uuid[])[u.o], ($3::uuid[])[u.a], u.day, u.delta
     FROM unnest($24::int4[], $25::int4[], $26::date[], $27::int8[]) AS u(o, a, day, delta)
   ON CONFLICT (org_id, account_id, day) DO UPDATE SET delta = account_days.delta + EXCLUDED.delta`,
);

/**
 * Inserts entries and postings, moves balances and per-day totals: one statement (four
 * data-modifying parts) so a commit costs one round trip for all of it. Orgs, ledgers,
 * accounts and entry ids go once each; rows refer to them by position.
 */
export async function writeEntries(tx: Queryable, entries: Entry[], accounts: Map<string, LockedAccount>, now: Date) {
  if (entries.length === 0) return;
  const orgs = new Dictionary();
  const ledgers = new Dictionary();
  const accountRefs = new Dictionary();
  const n = entries.length;
  const e = { org: new Array<number>(n), ledger: new Array<number>(n), id: new Array<string>(n), at: new Array<string>(n) };
  const p = { org: [] as number[], entry: [] as number[], seq: [] as number[], account: [] as number[], amount: [] as bigint[] };
  const changes = new Map<string, AccountChange>();
  for (let index = 0; index < n; index++) {
    const entry = entries[index];
    const org = orgs.ref(entry.orgId);
    e.org[index] = org;
    e.ledger[index] = ledgers.ref(entry.ledgerId);
    e.id[index] = entry.id;
    const at = entry.effectiveAt.toISOString();
    e.at[index] = at;
    const day = at.slice(0, 10);
    const postings = entry.postings;
    for (let seq = 0; seq < postings.length; seq++) {
      const { accountId, amount } = postings[seq];
      p.org.push(org);
      p.entry.push(index + 1);
      p.seq.push(seq);
      p.account.push(accountRefs.ref(accountId));
      p.amount.push(amount);
      const change = changes.get(accountId);
      if (!change) changes.set(accountId, { account: accounts.get(accountId)!, delta: amount, day, dayDelta: amount, otherDays: null });
      else {
        change.delta += amount;
        if (change.day === day) change.dayDelta += amount;
        else {
          change.otherDays ??= new Map();
          change.otherDays.set(day, (change.otherDays.get(day) ?? 0n) + amount);
        }
      }
    }
  }
  const plan = planDayTotals(changes.values());
  // Every account and org below is already in its dictionary (named by a posting). The
  // update names its rows by `= ANY` too, so they are probed through the primary key rather
  // than found by hashing the whole accounts table.
  const a = plan.accounts;
  const d = plan.pastDays;
  await insertEntries(
    tx,
    WRITE,
    [
      tokenArray(orgs.values),
      tokenArray(ledgers.values),
      tokenArray(accountRefs.values),
      now,
      tokenArray(e.org),
      tokenArray(e.id),
      tokenArray(e.ledger),
      tokenArray(e.at),
      textArrayOrNull(entries.map((x) => x.externalId)),
      textArrayOrNull(entries.map((x) => x.description)),
      tokenArrayOrNull(entries.map((x) => x.reversesId)),
      textArrayOrNull(entries.map((x) => (x.rates ? JSON.stringify(x.rates) : null))),
      textArrayOrNull(entries.map((x) => (x.metadata ? JSON.stringify(x.metadata) : null))),
      tokenArray(p.org),
      tokenArray(p.entry),
      tokenArray(p.seq),
      tokenArray(p.account),
      tokenArray(p.amount),
      tokenArray(a.map((x) => orgs.ref(x.account.org_id))),
      tokenArray(a.map((x) => accountRefs.ref(x.account.id))),
      tokenArray(a.map((x) => x.delta)),
      tokenArray(a.map((x) => x.openDay)),
      tokenArray(a.map((x) => x.openDayDelta)),
      tokenArray(d.map((x) => orgs.ref(x.account.org_id))),
      tokenArray(d.map((x) => accountRefs.ref(x.account.id))),
      tokenArray(d.map((x) => x.day)),
      tokenArray(d.map((x) => x.delta)),
    ],
  );
}
