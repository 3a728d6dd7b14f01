import { tokenArray, type Queryable } from '../platform/db.ts';
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

const UNIQUE_VIOLATION = '23505';
export const MAX_INGEST_ROWS = 5000;

/**
 * Ingests rows as balanced ledger entries (effective on their occurred_at) plus a row each
 * for listing, in `tx`. `external_id` dedups per workspace and kind, across calls and within
 * the call, through the rows' unique index: a known id is a duplicate, whatever its amount,
 * and nothing is overwritten. A concurrent ingest of the same ids makes one transaction lose
 * on that index; its work is rolled back to a savepoint and run again, and then sees those
 * rows (committed by the winner) as duplicates.
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
  for (let attempt = 1; ; attempt++) {
    await tx.query('SAVEPOINT ingest');
    try {
      const result = await ingestOnce(deps, tx, orgId, workspaceId, rows, source, field);
      await tx.query('RELEASE SAVEPOINT ingest');
      return result;
    } catch (error: any) {
      if (error?.code !== UNIQUE_VIOLATION || attempt >= 4) throw error;
      // Read committed: the next attempt's statements see the rows that won.
      await tx.query('ROLLBACK TO SAVEPOINT ingest');
    }
  }
}

async function ingestOnce(
  deps: CfoDeps,
  tx: Queryable,
  orgId: string,
  workspaceId: string,
  rows: IngestRow[],
  source: string,
  field: string,
): Promise<IngestResult> {
  // A share lock: ingest runs beside other ingests but not beside the workspace's deletion.
  const [ws] = await tx.query('SELECT ledger_id, currency FROM cfo_workspaces WHERE org_id = $1 AND id = $2 FOR SHARE', [orgId, workspaceId]);
  if (!ws) throw notFound('workspace');
  const accounts = await deps.accounts.of(orgId, ws.ledger_id);
  const ingestId = newId();
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
  // Ids this workspace already holds, one probe per kind on the rows' unique index (which
  // keeps removed rows too: a known id stays a duplicate, and nothing is overwritten).
  const known = new Set<string>();
  for (const kind of ['expense', 'revenue'] as const) {
    const ids = fresh.filter((f) => f.kind === kind && f.row.externalId).map((f) => f.row.externalId!);
    if (ids.length === 0) continue;
    const rows = await tx.query<{ external_id: string }>(
      `SELECT external_id FROM cfo_transactions WHERE org_id = $1 AND workspace_id = $2 AND kind = $3 AND external_id = ANY($4::text[])`,
      [orgId, workspaceId, kind, ids],
    );
    for (const r of rows) known.add(`${kind}:${r.external_id}`);
  }
  const inserted = fresh.filter(({ row, kind }) => !row.externalId || !known.has(`${kind}:${row.externalId}`));
  duplicates += fresh.length - inserted.length;
  const entries: EntryInput[] = inserted.map(({ row, kind }) => {
    const target = accounts.get(ACCOUNT_OF[row.subtype])!;
    const clearing = accounts.get('clearing')!;
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
  const entryIds: string[] = [];
  for (let i = 0; i < entries.length; i += 1000) {
    for (const result of await deps.ledger.postBatch(orgId, entries.slice(i, i + 1000), tx)) entryIds.push(result.entry.id);
  }
  const now = deps.clock.now();
  if (inserted.length > 0) {
    await tx.query(
      `INSERT INTO cfo_transactions (org_id, id, workspace_id, ingest_id, entry_id, kind, subtype, amount_cents, currency,
                                     occurred_at, vendor, description, external_id, source, created_at)
       SELECT $1, t.id, $2, $3, t.entry_id, t.kind, t.subtype, t.amount, $4, t.occurred_at, t.vendor, t.description, t.external_id, $5, $6
         FROM unnest($7::uuid[], $8::uuid[], $9::text[], $10::text[], $11::int8[], $12::timestamptz[], $13::text[], $14::text[], $15::text[])
           AS t(id, entry_id, kind, subtype, amount, occurred_at, vendor, description, external_id)`,
      [
        orgId,
        workspaceId,
        ingestId,
        ws.currency,
        source,
        now,
        tokenArray(inserted.map(() => newId())),
        tokenArray(entryIds),
        tokenArray(inserted.map((x) => x.kind)),
        tokenArray(inserted.map((x) => x.row.subtype)),
        tokenArray(inserted.map((x) => x.row.amountCents)),
        tokenArray(inserted.map((x) => x.row.occurredAt.toISOString())),
        inserted.map((x) => x.row.vendor ?? null),
        inserted.map((x) => x.row.description ?? null),
        inserted.map((x) => x.row.externalId ?? null),
      ],
    );
  }
  await tx.query(
    `INSERT INTO cfo_ingests (org_id, id, workspace_id, source, inserted, duplicates, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [orgId, ingestId, workspaceId, source, inserted.length, duplicates, now],
  );
  return { ingestId, inserted: inserted.length, duplicates };
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
