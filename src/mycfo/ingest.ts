import { prepared, textArray, tokenArray, type Queryable } from '../platform/db.ts';
import { invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { EntryInput } from '../ledger/types.ts';
import { WORKSPACE_ACCOUNTS, currencyMismatch, getWorkspace, type CfoDeps } from './workspaces.ts';

export type TransactionKind = 'expense' | 'revenue';
/** Expense subtypes, manual revenue subtypes, and the ones Stripe ingest adds. */
export type Subtype = 'recurring_expense' | 'one_time_expense' | 'recurring' | 'one_time' | 'subscription_invoice' | 'charge' | 'refund';

/** The workspace account (WORKSPACE_ACCOUNTS) each subtype posts to. */
const ACCOUNT_OF: Record<Subtype, string> = {
  recurring_expense: 'expense_recurring',
  one_time_expense: 'expense_one_time',
  recurring: 'revenue_recurring',
  subscription_invoice: 'revenue_recurring',
  one_time: 'revenue_one_time',
  charge: 'revenue_one_time',
  refund: 'refunds',
};

/** An expense account's rows are expenses; an income account's (refunds too), revenue: which side of the clearing account they post to. */
const kindOf = (subtype: Subtype): TransactionKind => (WORKSPACE_ACCOUNTS[ACCOUNT_OF[subtype]].type === 'expense' ? 'expense' : 'revenue');

export interface IngestRow {
  subtype: Subtype;
  /** Cents: positive, except refunds, which are negative. */
  amountCents: bigint;
  currency: string;
  occurredAt: Date;
  vendor?: string | null;
  description?: string | null;
  externalId?: string | null;
}

export interface IngestResult {
  ingestId: string;
  inserted: number;
  duplicates: number;
}

export interface CfoTransaction {
  id: string;
  workspaceId: string;
  ingestId: string;
  entryId: string;
  kind: TransactionKind;
  subtype: Subtype;
  amountCents: bigint;
  currency: string;
  occurredAt: Date;
  vendor: string | null;
  description: string | null;
  externalId: string | null;
  source: string;
  createdAt: Date;
}

export const MAX_INGEST_ROWS = 5000;

/**
 * The rows of one call, each naming the entry it is about to get, with the call's own row in
 * `cfo_ingests`. The rows' unique index decides what is a duplicate (ON CONFLICT): no probe
 * first, whose plan hangs on statistics (an `external_id = ANY(…)` probe, planned on a table
 * that had just grown, filtered every row of the workspace on each call). Answers the
 * positions (1-based) of the rows it did not take.
 */
const INSERT_ROWS = prepared(
  `WITH t AS (
     INSERT INTO cfo_transactions (org_id, id, workspace_id, ingest_id, entry_id, kind, subtype, amount_cents, currency,
                                   occurred_at, vendor, description, external_id, source, created_at)
     SELECT $1, t.id, $2, $3, t.entry_id, t.kind, t.subtype, t.amount, $4, t.occurred_at, t.vendor, t.description, t.external_id, $5, $6
       FROM unnest($8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::int8[], $13::timestamptz[], $14::text[], $15::text[], $16::text[])
         AS t(id, entry_id, kind, subtype, amount, occurred_at, vendor, description, external_id)
     ON CONFLICT (org_id, workspace_id, kind, external_id) WHERE external_id IS NOT NULL DO NOTHING
     RETURNING id
   ), i AS (
     INSERT INTO cfo_ingests (org_id, id, workspace_id, source, inserted, duplicates, created_at)
     SELECT $1, $3, $2, $5, n, $7 + cardinality($8::uuid[]) - n, $6 FROM (SELECT count(*)::int AS n FROM t) AS c
   )
   SELECT x.n FROM unnest($8::uuid[]) WITH ORDINALITY AS x(id, n) WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.id = x.id)`,
);

/**
 * Ingests rows as balanced ledger entries (effective on their occurred_at) plus a row each
 * for listing, in `tx`. `external_id` dedups per workspace and kind, across calls and within
 * the call, through the rows' unique index: a known id is a duplicate, whatever its amount,
 * and nothing is overwritten; only the rows taken get entries. A concurrent ingest of the
 * same ids waits on that index for the other to commit, and then counts them as duplicates.
 */
export async function ingestRows(
  tx: Queryable,
  deps: CfoDeps,
  orgId: string,
  workspaceId: string,
  rows: IngestRow[],
  source: string,
  /** How the caller names the row list in errors (`expenses`, `revenue`). */
  field = 'rows',
): Promise<IngestResult> {
  if (rows.length > MAX_INGEST_ROWS) throw invalid(field, `at most ${MAX_INGEST_ROWS} rows per call`);
  // A share lock: ingest runs beside other ingests but not beside the workspace's deletion.
  const [ws] = await tx.query('SELECT ledger_id, currency FROM cfo_workspaces WHERE org_id = $1 AND id = $2 FOR SHARE', [orgId, workspaceId]);
  if (!ws) throw notFound('workspace');
  const accounts = await deps.accounts.of(orgId, ws.ledger_id);
  const seen = new Set<string>();
  const fresh: { row: IngestRow; kind: TransactionKind }[] = [];
  let duplicates = 0;
  rows.forEach((row, i) => {
    if (row.currency !== ws.currency) throw currencyMismatch(`${field}[${i}].currency`, ws.currency);
    const kind = kindOf(row.subtype);
    if (row.externalId) {
      const key = `${kind}:${row.externalId}`;
      if (seen.has(key)) {
        duplicates++;
        return;
      }
      seen.add(key);
    }
    fresh.push({ row, kind });
  });
  const ingestId = newId();
  const now = deps.clock.now();
  const entryIds = fresh.map(() => newId());
  const refused = await tx.query<{ n: bigint }>(INSERT_ROWS, [
    orgId,
    workspaceId,
    ingestId,
    ws.currency,
    source,
    now,
    duplicates,
    tokenArray(fresh.map(() => newId())),
    tokenArray(entryIds),
    tokenArray(fresh.map((x) => x.kind)),
    tokenArray(fresh.map((x) => x.row.subtype)),
    tokenArray(fresh.map((x) => x.row.amountCents)),
    tokenArray(fresh.map((x) => x.row.occurredAt.toISOString())),
    textArray(fresh.map((x) => x.row.vendor ?? null)),
    textArray(fresh.map((x) => x.row.description ?? null)),
    textArray(fresh.map((x) => x.row.externalId ?? null)),
  ]);
  const dropped = new Set(refused.map((r) => Number(r.n) - 1));
  const kept = dropped.size === 0 ? fresh : fresh.filter((_, i) => !dropped.has(i));
  const keptIds = dropped.size === 0 ? entryIds : entryIds.filter((_, i) => !dropped.has(i));
  const clearing = accounts.get('clearing')!;
  const entries: EntryInput[] = kept.map(({ row, kind }) => {
    const target = accounts.get(ACCOUNT_OF[row.subtype])!;
    // Revenue: debit clearing, credit revenue (a refund is a negative revenue row and flips
    // both). Expense: debit the expense, credit clearing.
    const [debit, credit] = kind === 'revenue' ? [clearing, target] : [target, clearing];
    return {
      ledgerId: ws.ledger_id,
      effectiveAt: row.occurredAt,
      description: row.description ?? row.vendor ?? null,
      postings: [
        { accountId: debit, amount: row.amountCents },
        { accountId: credit, amount: -row.amountCents },
      ],
    };
  });
  for (let i = 0; i < entries.length; i += 1000) {
    await deps.ledger.postBatch(orgId, entries.slice(i, i + 1000), tx, keptIds.slice(i, i + 1000));
  }
  return { ingestId, inserted: kept.length, duplicates: duplicates + dropped.size };
}

const toTransaction = (r: any): CfoTransaction => ({
  id: r.id,
  workspaceId: r.workspace_id,
  ingestId: r.ingest_id,
  entryId: r.entry_id,
  kind: r.kind,
  subtype: r.subtype,
  amountCents: r.amount_cents,
  currency: r.currency,
  occurredAt: r.occurred_at,
  vendor: r.vendor,
  description: r.description,
  externalId: r.external_id,
  source: r.source,
  createdAt: r.created_at,
});

export interface TransactionFilter {
  kind?: TransactionKind;
  subtype?: Subtype;
  /** Inclusive day range on occurred_at (UTC). */
  from?: string;
  to?: string;
  limit: number;
  after: string | null;
}

/** Ingested rows still in force, newest first. */
export async function listTransactions(db: Queryable, orgId: string, workspaceId: string, f: TransactionFilter) {
  await getWorkspace(db, orgId, workspaceId);
  const rows = await db.query(
    `SELECT * FROM cfo_transactions
      WHERE org_id = $1 AND workspace_id = $2 AND deleted_at IS NULL
        AND ($3::uuid IS NULL OR id < $3) AND ($4::text IS NULL OR kind = $4) AND ($5::text IS NULL OR subtype = $5)
        AND ($6::date IS NULL OR occurred_at >= $6::date) AND ($7::date IS NULL OR occurred_at < $7::date + 1)
      ORDER BY id DESC LIMIT $8`,
    [orgId, workspaceId, f.after, f.kind ?? null, f.subtype ?? null, f.from ?? null, f.to ?? null, f.limit + 1],
  );
  const items = rows.slice(0, f.limit).map(toTransaction);
  return { items, nextCursor: rows.length > f.limit ? items[items.length - 1].id : null };
}

/** Removes a row by reversing its ledger entry on the same effective date; history stays. */
export async function deleteTransaction(tx: Queryable, deps: Pick<CfoDeps, 'clock' | 'ledger'>, orgId: string, workspaceId: string, id: string): Promise<void> {
  const [row] = await tx.query(
    `SELECT entry_id, occurred_at FROM cfo_transactions
      WHERE org_id = $1 AND workspace_id = $2 AND id = $3 AND deleted_at IS NULL FOR UPDATE`,
    [orgId, workspaceId, id],
  );
  if (!row) throw notFound('transaction');
  await deps.ledger.reverseEntry(orgId, row.entry_id, { effectiveAt: row.occurred_at, description: 'Transaction removed' }, tx);
  await tx.query('UPDATE cfo_transactions SET deleted_at = $3 WHERE org_id = $1 AND id = $2', [orgId, id, deps.clock.now()]);
}
