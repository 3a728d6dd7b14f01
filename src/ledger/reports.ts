import { appendAuditLog } from '../platform/audit.ts';
import { prepared, type Queryable } from '../platform/db.ts';
import { notFound } from '../platform/errors.ts';
import { assetCode, type Asset } from '../platform/money.ts';
import { ACCOUNT_COLUMNS, toAccount, type AccountRow } from './queries.ts';
import { normalSign, type Account, type AccountType } from './types.ts';

export interface HistoryLine {
  entryId: string;
  effectiveAt: Date;
  createdAt: Date;
  description: string | null;
  /** Signed on the account's normal side: positive raises its balance. */
  amount: bigint;
}

/** Up to `page.limit + 1` postings of one account, newest first by insertion (the extra one tells a next page). */
export async function accountHistory(db: Queryable, account: Account, page: { limit: number; after?: string | null }): Promise<HistoryLine[]> {
  const rows = await db.query<any>(
    `SELECT p.entry_id, p.amount, e.effective_at, e.created_at, e.description
       FROM postings p JOIN entries e ON e.org_id = p.org_id AND e.id = p.entry_id
      WHERE p.org_id = $1 AND p.account_id = $2 AND ($3::uuid IS NULL OR p.entry_id < $3)
      ORDER BY p.entry_id DESC LIMIT $4`,
    [account.orgId, account.id, page.after ?? null, page.limit + 1],
  );
  const sign = normalSign(account.type);
  return rows.map((r) => ({
    entryId: r.entry_id,
    effectiveAt: r.effective_at,
    createdAt: r.created_at,
    description: r.description,
    amount: r.amount * sign,
  }));
}

export interface TrialBalanceLine {
  account: Account;
  debit: bigint;
  credit: bigint;
}

export interface TrialBalance {
  asOf: string | null;
  lines: TrialBalanceLine[];
  totals: { asset: Asset; debit: bigint; credit: bigint }[];
}

/**
 * The raw (debit-positive) balance of account `a` at the end of day `$3`: its days in
 * account_days plus its open day, kept on the row (migration 0012). Reads cost one row per
 * day with postings, never one per entry.
 */
const RAW_AS_OF = `(coalesce((SELECT sum(d.delta) FROM account_days d
                               WHERE d.org_id = a.org_id AND d.account_id = a.id AND d.day <= $3), 0)
                    + CASE WHEN a.open_day <= $3 THEN a.open_day_delta ELSE 0 END)::int8`;

/** The raw balance of one account at the end of an effective day (UTC); 0 when it does not exist. */
export async function rawBalanceAsOf(db: Queryable, orgId: string, accountId: string, asOf: string): Promise<bigint> {
  const [row] = await db.query<{ total: bigint }>(`SELECT ${RAW_AS_OF} AS total FROM accounts a WHERE a.org_id = $1 AND a.id = $2`, [orgId, accountId, asOf]);
  return row?.total ?? 0n;
}

/**
 * Prepared: the metrics routes run it on every request, where parsing and planning it cost
 * as much as running it (0.3-0.6 ms each on the 2-core machine).
 */
const PERIOD_TOTALS = prepared(
  `WITH days AS (
     SELECT a.code, a.type, d.day, d.delta
       FROM accounts a JOIN account_days d ON d.org_id = a.org_id AND d.account_id = a.id
      WHERE a.org_id = $1 AND a.ledger_id = $2
     UNION ALL
     SELECT a.code, a.type, a.open_day, a.open_day_delta
       FROM accounts a WHERE a.org_id = $1 AND a.ledger_id = $2 AND a.open_day IS NOT NULL
   )
   SELECT d.code, d.type, r.idx, sum(d.delta)::int8 AS total
     FROM days d
     JOIN unnest($3::int[], $4::date[], $5::date[]) AS r(idx, from_day, to_day) ON d.day BETWEEN r.from_day AND r.to_day
    GROUP BY d.code, d.type, r.idx`,
);

/**
 * Normal-side totals per account code of a ledger over each inclusive day range, read from
 * the per-day totals: the cost does not grow with the number of entries.
 */
export async function periodTotals(db: Queryable, orgId: string, ledgerId: string, ranges: { from: string; to: string }[]): Promise<Map<string, bigint[]>> {
  const rows = await db.query<{ code: string; type: AccountType; idx: number; total: bigint }>(
    PERIOD_TOTALS,
    [orgId, ledgerId, ranges.map((_, i) => i), ranges.map((r) => r.from), ranges.map((r) => r.to)],
  );
  const totals = new Map<string, bigint[]>();
  for (const row of rows) {
    const list = totals.get(row.code) ?? ranges.map(() => 0n);
    list[Number(row.idx)] = row.total * normalSign(row.type);
    totals.set(row.code, list);
  }
  return totals;
}

/** Every account of a ledger with its raw balance now or at the end of `asOf`, by code. */
export async function trialBalance(db: Queryable, orgId: string, ledgerId: string, asOf: string | null): Promise<TrialBalance> {
  const rows = await db.query<AccountRow & { raw: bigint }>(
    asOf
      ? `SELECT ${ACCOUNT_COLUMNS.split(', ').map((c) => 'a.' + c).join(', ')}, ${RAW_AS_OF} AS raw
           FROM accounts a WHERE a.org_id = $1 AND a.ledger_id = $2 ORDER BY a.code`
      : `SELECT ${ACCOUNT_COLUMNS}, balance AS raw FROM accounts WHERE org_id = $1 AND ledger_id = $2 ORDER BY code`,
    asOf ? [orgId, ledgerId, asOf] : [orgId, ledgerId],
  );
  const totals = new Map<string, { asset: Asset; debit: bigint; credit: bigint }>();
  const lines = rows.map((row) => {
    const account = toAccount({ ...row, balance: row.raw });
    const line = { account, debit: row.raw > 0n ? row.raw : 0n, credit: row.raw < 0n ? -row.raw : 0n };
    const code = assetCode(account.asset);
    const total = totals.get(code) ?? { asset: account.asset, debit: 0n, credit: 0n };
    total.debit += line.debit;
    total.credit += line.credit;
    totals.set(code, total);
    return line;
  });
  return { asOf, lines, totals: [...totals.values()] };
}

/** Deletes a ledger and everything in it, and logs that it did, in the caller's transaction. */
export async function purgeLedger(q: Queryable, orgId: string, ledgerId: string, actor: string, now: Date): Promise<{ entries: number; accounts: number }> {
  const found = await q.query('SELECT name FROM ledgers WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, ledgerId]);
  if (found.length === 0) throw notFound('ledger');
  await q.query(
    `DELETE FROM account_days d USING accounts a
      WHERE a.org_id = $1 AND a.ledger_id = $2 AND d.org_id = a.org_id AND d.account_id = a.id`,
    [orgId, ledgerId],
  );
  await q.query(
    `DELETE FROM postings p USING entries e
      WHERE e.org_id = $1 AND e.ledger_id = $2 AND p.org_id = e.org_id AND p.entry_id = e.id`,
    [orgId, ledgerId],
  );
  const entries = await q.query('DELETE FROM entries WHERE org_id = $1 AND ledger_id = $2 RETURNING 1', [orgId, ledgerId]);
  const accounts = await q.query('DELETE FROM accounts WHERE org_id = $1 AND ledger_id = $2 RETURNING 1', [orgId, ledgerId]);
  await q.query('DELETE FROM ledgers WHERE org_id = $1 AND id = $2', [orgId, ledgerId]);
  const counts = { entries: entries.length, accounts: accounts.length };
  await appendAuditLog(q, { orgId, action: 'ledger.purged', subject: ledgerId, actor, details: { name: found[0].name, ...counts }, at: now });
  return counts;
}
