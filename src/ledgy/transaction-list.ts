import type { Queryable } from '../platform/db.ts';
import { notFound } from '../platform/errors.ts';
import type { LedgyUser } from './users.ts';
import { memberGroupIds, toTransaction, type LedgyTransaction, type TransactionType } from './transactions.ts';

/* Reading transactions: one row, and the filtered, keyset-paged list (REST and MCP). */

/** Visible to the user: their own rows and those of groups they belong to. */
export async function getTransaction(db: Queryable, user: LedgyUser, id: string): Promise<LedgyTransaction> {
  const [row] = await db.query(
    `SELECT * FROM ledgy_transactions t WHERE t.org_id = $1 AND t.id = $2 AND t.deleted_at IS NULL
        AND (t.user_id = $3 OR t.group_id IN (SELECT group_id FROM ledgy_group_members WHERE org_id = $1 AND user_id = $3))`,
    [user.orgId, id, user.id],
  );
  if (!row) throw notFound('transaction');
  return toTransaction(row);
}

export interface ListFilter {
  limit: number;
  cursor: { date: Date; createdAt: Date; id: string; total: number } | null;
  type?: TransactionType;
  dateFrom?: Date;
  /** Exclusive upper bound (the surface turns an inclusive date into the next midnight). */
  dateTo?: Date;
  categoryId?: string;
  accountId?: string;
  groupId?: string;
  updatedSince?: Date;
  /** Text search over payee and note (MCP). */
  search?: string;
}

/**
 * Newest `date` first, then creation, then id: a keyset walk, so rows present for a whole walk
 * appear exactly once. `totalCount` is counted on the first page and carried in the cursor.
 */
export async function listTransactions(db: Queryable, user: LedgyUser, f: ListFilter) {
  const groups = await memberGroupIds(db, user);
  const params: unknown[] = [user.orgId];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.updatedSince) where.push(`updated_at >= ${p(f.updatedSince)}`);
  else where.push('deleted_at IS NULL');
  if (f.type) where.push(`type = ${p(f.type)}`);
  if (f.dateFrom) where.push(`date >= ${p(f.dateFrom)}`);
  if (f.dateTo) where.push(`date < ${p(f.dateTo)}`);
  if (f.categoryId) where.push(`category_id = ${p(f.categoryId)}`);
  if (f.accountId) {
    const a = p(f.accountId);
    where.push(`(account_id = ${a} OR to_account_id = ${a})`);
  }
  if (f.groupId) where.push(`group_id = ${p(f.groupId)}`);
  if (f.search) {
    const s = p(`%${f.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
    where.push(`(payee ILIKE ${s} OR note ILIKE ${s})`);
  }
  const filters = where.join(' AND ');
  const mine = `user_id = ${p(user.id)}`;
  const inGroups = groups.length > 0 ? `group_id = ANY(${p(groups)}::uuid[])` : null;
  const keyset = f.cursor ? ` AND (date, created_at, id) < (${p(f.cursor.date)}, ${p(f.cursor.createdAt)}, ${p(f.cursor.id)})` : '';
  const limit = p(f.limit + 1);
  const branch = (who: string) => `(SELECT * FROM ledgy_transactions WHERE org_id = $1 AND ${who} AND ${filters}${keyset} ORDER BY date DESC, created_at DESC, id DESC LIMIT ${limit})`;
  // One index walk per branch (own rows, group rows), merged: no scan of everything visible.
  const sql = inGroups
    ? `SELECT * FROM (${branch(mine)} UNION ${branch(inGroups)}) x ORDER BY date DESC, created_at DESC, id DESC LIMIT ${limit}`
    : `${branch(mine)}`;
  const rows = await db.query(sql, params);
  let total = f.cursor?.total;
  if (total === undefined) {
    const countParams = params.slice(0, params.length - (f.cursor ? 4 : 1));
    const who = inGroups ? `(${mine} OR ${inGroups})` : mine;
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledgy_transactions WHERE org_id = $1 AND ${who} AND ${filters}`, countParams);
    total = n;
  }
  const items = rows.slice(0, f.limit).map(toTransaction);
  const last = items[items.length - 1];
  return {
    items,
    totalCount: total,
    next: rows.length > f.limit ? { date: last.date, createdAt: last.createdAt, id: last.id, total } : null,
  };
}

