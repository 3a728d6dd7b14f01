import { Dictionary, prepared, tokenArray, type Queryable } from '../platform/db.ts';
import { BIGINT_MAX, BIGINT_MIN, type Asset } from '../platform/money.ts';
import { newId } from '../platform/ids.ts';
import { auditRow, writeAuditInsert } from '../platform/write-audit.ts';
import type { Entry, Posting } from './types.ts';
import type { CompanionKind, PostingUnit, UnitOutcome } from './post-entries.ts';

/**
 * The common write in one statement outside any explicit transaction, so it costs one round
 * trip and one commit where BEGIN, lock, write and COMMIT cost four: the rows are locked in
 * id order (as the lock statement does), every check that needs them is made in SQL, and
 * the writes happen only if all pass. A group that any check might refuse is left to the
 * full path, which decides unit by unit: the checks here only ever accept what it accepts.
 *
 * The locking CTE is read by the main query, so it runs first and whole; the data-modifying
 * parts run after it, each gated on the same verdict, and read the rows as locked.
 */
const POST_BODY = `WITH locked AS (
     SELECT a.id, a.ledger_id, a.type, a.currency, a.scale, a.min_balance, a.balance, a.open_day, a.open_day_delta
       FROM accounts a WHERE a.org_id = $1 AND a.id = ANY($3::uuid[]) ORDER BY a.id FOR UPDATE OF a
   ), pi AS NOT MATERIALIZED (
     SELECT u.e, u.seq, ($3::uuid[])[u.a] AS account_id, u.amount, ($2::uuid[])[($6::int4[])[u.e]] AS ledger_id
       FROM unnest($10::int4[], $11::int2[], $12::int4[], $13::int8[]) AS u(e, seq, a, amount)
   ), acc AS (
     SELECT ($3::uuid[])[u.n] AS id, u.delta, u.up, u.down, u.day, u.day_delta
       FROM unnest($14::int8[], $15::int8[], $16::int8[], $17::date[], $18::int8[]) WITH ORDINALITY AS u(delta, up, down, day, day_delta, n)
   )__READS__, gate AS (
     -- One pass over the locked rows: all there, none leaves bigint, a limited account stays
     -- within its limit even if every posting that lowers it came first (whatever the order,
     -- each unit then passes), and when they are all of one ledger and one asset so is every
     -- entry; otherwise each entry is checked for its ledger and its one asset.
     SELECT s.n = cardinality($3::uuid[]) AND s.within
            AND CASE WHEN s.one_ledger AND s.one_asset THEN true
                     ELSE NOT EXISTS (SELECT 1 FROM pi LEFT JOIN locked l ON l.id = pi.account_id GROUP BY pi.e
                                       HAVING bool_or(l.id IS NULL OR l.ledger_id <> pi.ledger_id)
                                           OR min(l.currency) <> max(l.currency) OR min(l.scale) <> max(l.scale)) END__HOLDS__ AS ok
       FROM (SELECT count(*) AS n,
                    -- (bigint arithmetic: should a term overflow anyway, the error sends the
                    -- group to the full path)
                    coalesce(bool_and(l.balance <= 9223372036854775807 - d.up
                                      AND l.balance >= -9223372036854775808 - d.down
                                      AND (l.min_balance IS NULL OR CASE WHEN l.type IN ('asset', 'expense')
                                             THEN d.down = 0 OR l.balance + d.down >= l.min_balance
                                             ELSE d.up = 0 OR -(l.balance + d.up) >= l.min_balance END)), true) AS within,
                    cardinality($2::uuid[]) = 1 AND coalesce(bool_and(l.ledger_id = ($2::uuid[])[1]), true) AS one_ledger,
                    min(l.currency) = max(l.currency) AND min(l.scale) = max(l.scale) AS one_asset
               FROM locked l JOIN acc d ON d.id = l.id) AS s
   ), e AS (
     INSERT INTO entries (org_id, id, ledger_id, effective_at, created_at, description, metadata)
     SELECT $1, u.id, ($2::uuid[])[u.l], u.effective_at, $4, u.description, u.metadata
       FROM unnest($5::uuid[], $6::int4[], $7::timestamptz[], $8::text[], $9::jsonb[]) AS u(id, l, effective_at, description, metadata)
      WHERE (SELECT ok FROM gate)
   ), p AS (
     INSERT INTO postings (org_id, entry_id, seq, account_id, amount)
     SELECT $1, ($5::uuid[])[pi.e], pi.seq, pi.account_id, pi.amount FROM pi WHERE (SELECT ok FROM gate)
   ), b AS (
     UPDATE accounts a SET balance = a.balance + d.delta,
            open_day = CASE WHEN a.open_day IS NULL OR d.day > a.open_day THEN d.day ELSE a.open_day END,
            open_day_delta = CASE WHEN a.open_day IS NULL OR d.day > a.open_day THEN d.day_delta
                                  WHEN d.day = a.open_day THEN a.open_day_delta + d.day_delta
                                  ELSE a.open_day_delta END
       FROM acc d
      WHERE a.org_id = $1 AND a.id = ANY($3::uuid[]) AND a.id = d.id AND (SELECT ok FROM gate)
   ), days AS (
     -- As planDayTotals does: a later day closes the open one; an earlier one is a past day.
     INSERT INTO account_days (org_id, account_id, day, delta)
     SELECT $1, t.id, t.day, sum(t.delta)
       FROM (SELECT l.id, CASE WHEN d.day > l.open_day THEN l.open_day ELSE d.day END AS day,
                    CASE WHEN d.day > l.open_day THEN l.open_day_delta ELSE d.day_delta END AS delta
               FROM locked l JOIN acc d ON d.id = l.id WHERE d.day <> l.open_day
             UNION ALL
             SELECT ($3::uuid[])[u.a], u.day, u.delta FROM unnest($19::int4[], $20::date[], $21::int8[]) AS u(a, day, delta)) AS t
      WHERE (SELECT ok FROM gate)
      GROUP BY t.id, t.day
     HAVING sum(t.delta) <> 0
     ON CONFLICT (org_id, account_id, day) DO UPDATE SET delta = account_days.delta + EXCLUDED.delta
   )`;
const POST_ANSWER = `SELECT (SELECT ok FROM gate) AS ok, l.id, l.currency, l.scale FROM locked l`;
/** The statement's parameters end at $21; the audit rows' start at $22. */
const AUDIT_FIRST_PARAM = 22;
const AUDIT_PARAMS = writeAuditInsert([], AUDIT_FIRST_PARAM).params.length;

/**
 * The statement: with the writes' audit rows when `audited` (gated like every other write),
 * and each companion kind's reads before the gate, its condition in it and its writes after.
 */
function postStatement(audited: boolean, kinds: { kind: CompanionKind; first: number }[]): string {
  const body = POST_BODY.replace('__READS__', kinds.map(({ kind, first }) => kind.reads(first)).filter(Boolean).map((r) => `, ${r}`).join(''))
    .replace('__HOLDS__', kinds.map(({ kind, first }) => `\n            AND (${kind.holds(first)})`).join(''));
  const audit = audited ? `, audit AS (${writeAuditInsert([], AUDIT_FIRST_PARAM).sql} WHERE (SELECT ok FROM gate))` : '';
  const writes = kinds.map(({ kind, first }) => `, ${kind.writes(first)}`).join('');
  return `${body}${audit}${writes}\n   ${POST_ANSWER}`;
}

/** Statements by whether audited and the companion kinds they write, made once each. */
const statements = new Map<string, string>();
function statementFor(audited: boolean, kinds: { kind: CompanionKind; first: number }[]): string {
  const key = `${audited}|${kinds.map(({ kind }) => kind.name).join(',')}`;
  let text = statements.get(key);
  if (!text) statements.set(key, (text = prepared(postStatement(audited, kinds))));
  return text;
}

/** Whether SQL is one of the one-statement posts (for counting them). */
export function isOneStatementPost(text: string): boolean {
  for (const t of statements.values()) if (t === text) return true;
  return false;
}

/** The group's companions, merged by kind (in order of first appearance), with their parameters. */
function mergeCompanions(units: PostingUnit[], first: number): { kinds: { kind: CompanionKind; first: number }[]; params: unknown[] } {
  const byKind = new Map<CompanionKind, unknown[][]>();
  for (const unit of units) {
    const companion = unit.companion;
    if (!companion) continue;
    const columns = byKind.get(companion.kind);
    if (!columns) byKind.set(companion.kind, companion.columns.map((c) => [...c]));
    else companion.columns.forEach((c, i) => { for (const v of c) columns[i].push(v); });
  }
  const kinds: { kind: CompanionKind; first: number }[] = [];
  const params: unknown[] = [];
  for (const [kind, columns] of byKind) {
    kinds.push({ kind, first: first + params.length });
    params.push(...kind.params(columns));
  }
  return { kinds, params };
}

/** Per account: net, the sums that raise and lower it, and its latest day in this write. */
interface AccountMove {
  ref: number;
  delta: bigint;
  up: bigint;
  down: bigint;
  day: string;
  dayDelta: bigint;
}

const inBigint = (x: bigint) => x <= BIGINT_MAX && x >= BIGINT_MIN;

/**
 * Thrown instead of answering null where a transaction is open and the statement failed
 * (a value out of range): the transaction cannot go on, the caller starts the full path anew.
 */
export class OneStatementDeclined extends Error {}

/**
 * Posts the units in one statement when they qualify (one org; no external ids, reversals
 * or rates; each entry sums to zero), answering one outcome per unit; null when they do not
 * qualify or a check may refuse one of them (a companion's condition among them), having
 * written nothing. Outside a transaction (`tx` false) units with commit hooks qualify only with
 * a companion, which the statement writes in the hook's stead; inside one, companions are left
 * out and the caller runs the hooks after, and a failed statement throws (OneStatementDeclined,
 * or a deadlock for the transaction to retry) since the transaction cannot continue.
 */
export async function postInOneStatement(db: Queryable, units: PostingUnit[], now: Date, tx = false): Promise<UnitOutcome[] | null> {
  const orgId = units[0].orgId;
  for (const unit of units) {
    // Outside a transaction a before-commit step has nowhere to run, unless a companion stands in for it.
    if (unit.orgId !== orgId || (unit.beforeCommit && !tx && !unit.companion)) return null;
    if (unit.companion && !unit.entryIds) throw new Error('a unit with a companion needs entryIds');
    for (const entry of unit.entries) {
      if (entry.externalId || entry.reversesId || entry.rates) return null;
      let sum = 0n;
      for (const p of entry.postings) sum += p.amount;
      if (sum !== 0n) return null;
    }
  }
  const ledgers = new Dictionary();
  const accounts = new Dictionary();
  const e = { id: [] as string[], ledger: [] as number[], at: [] as string[], description: [] as (string | null)[], metadata: [] as (string | null)[] };
  const p = { entry: [] as number[], seq: [] as number[], account: [] as number[], amount: [] as bigint[] };
  const moves = new Map<string, AccountMove>();
  const otherDays = new Map<string, { ref: number; day: string; delta: bigint }>();
  for (const unit of units) {
    for (let i = 0; i < unit.entries.length; i++) {
      const entry = unit.entries[i];
      e.id.push(unit.entryIds?.[i] ?? newId());
      e.ledger.push(ledgers.ref(entry.ledgerId));
      const at = entry.effectiveAt.toISOString();
      const day = at.slice(0, 10);
      e.at.push(at);
      e.description.push(entry.description ?? null);
      e.metadata.push(entry.metadata ? JSON.stringify(entry.metadata) : null);
      for (let seq = 0; seq < entry.postings.length; seq++) {
        const { accountId, amount } = entry.postings[seq];
        const ref = accounts.ref(accountId);
        p.entry.push(e.id.length);
        p.seq.push(seq);
        p.account.push(ref);
        p.amount.push(amount);
        let move = moves.get(accountId);
        if (!move) moves.set(accountId, (move = { ref, delta: 0n, up: 0n, down: 0n, day, dayDelta: 0n }));
        move.delta += amount;
        if (amount > 0n) move.up += amount;
        else move.down += amount;
        // The latest day of the write stays with the account (as its open day, or compared
        // with it in SQL); earlier ones are past days.
        if (day > move.day) {
          addDay(otherDays, ref, move.day, move.dayDelta);
          move.day = day;
          move.dayDelta = 0n;
        }
        if (day === move.day) move.dayDelta += amount;
        else addDay(otherDays, ref, day, amount);
      }
    }
  }
  const list = [...moves.values()]; // in dictionary order, as the SQL numbers them
  if (list.some((m) => !inBigint(m.up) || !inBigint(m.down) || !inBigint(m.dayDelta))) return null;
  const past = [...otherDays.values()];
  // Every entry here is new (no external ids), so each audited unit has its `created` status.
  const audited = units.flatMap((unit) => (unit.audit ? [auditRow(unit.audit.row, unit.audit.status.created, now)] : []));
  // In a transaction the callers' before-commit steps run after this statement, and write what companions would.
  const companions = tx ? { kinds: [], params: [] } : mergeCompanions(units, AUDIT_FIRST_PARAM + (audited.length > 0 ? AUDIT_PARAMS : 0));
  let rows: { ok: boolean; id: string; currency: string; scale: number }[];
  try {
    rows = await db.query(statementFor(audited.length > 0, companions.kinds), [
      orgId,
      tokenArray(ledgers.values),
      tokenArray(accounts.values),
      now,
      tokenArray(e.id),
      tokenArray(e.ledger),
      tokenArray(e.at),
      e.description.some((d) => d !== null) ? e.description : null,
      e.metadata.some((m) => m !== null) ? e.metadata : null,
      tokenArray(p.entry),
      tokenArray(p.seq),
      tokenArray(p.account),
      tokenArray(p.amount),
      tokenArray(list.map((m) => m.delta)),
      tokenArray(list.map((m) => m.up)),
      tokenArray(list.map((m) => m.down)),
      tokenArray(list.map((m) => m.day)),
      tokenArray(list.map((m) => m.dayDelta)),
      tokenArray(past.map((d) => d.ref)),
      tokenArray(past.map((d) => d.day)),
      tokenArray(past.map((d) => d.delta)),
      ...(audited.length > 0 ? writeAuditInsert(audited, AUDIT_FIRST_PARAM).params : []),
      ...companions.params,
    ]);
  } catch (error: any) {
    // A value out of range (a day's total past bigint) or a deadlock: the full path decides.
    if (tx && error?.code === '22003') throw new OneStatementDeclined('a value out of range', { cause: error });
    if (!tx && (error?.code === '22003' || error?.code === '40P01' || error?.code === '40001')) return null;
    throw error;
  }
  if (rows.length === 0 || !rows[0].ok) return null;
  const assets = new Map<string, Asset>(rows.map((r) => [r.id, { currency: r.currency, scale: Number(r.scale) }]));
  let index = 0;
  return units.map((unit) => ({
    ok: true,
    results: unit.entries.map((input) => {
      const postings: Posting[] = input.postings.map((x) => ({ accountId: x.accountId, amount: x.amount, asset: assets.get(x.accountId)! }));
      const entry: Entry = {
        orgId,
        id: e.id[index++],
        ledgerId: input.ledgerId,
        effectiveAt: input.effectiveAt,
        createdAt: now,
        externalId: null,
        description: input.description ?? null,
        reversesId: null,
        rates: null,
        metadata: input.metadata ?? null,
        postings,
      };
      return { entry, duplicate: false };
    }),
  }));
}

function addDay(days: Map<string, { ref: number; day: string; delta: bigint }>, ref: number, day: string, delta: bigint) {
  const key = `${ref}|${day}`;
  const slot = days.get(key);
  if (slot) slot.delta += delta;
  else days.set(key, { ref, day, delta });
}
