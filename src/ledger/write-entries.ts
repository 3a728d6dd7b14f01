import { Dictionary, tokenArray, type Queryable } from '../platform/db.ts';
import type { Entry } from './types.ts';
import type { LockedAccount } from './accounts-for-posting.ts';

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
export async function writeEntries(tx: Queryable, entries: Entry[], accounts: Map<string, LockedAccount>, now: Date) {
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
