import type { Queryable } from '../platform/db.ts';
import { SYSTEM_CATEGORIES } from './catalogue.ts';
import type { LedgyUser } from './users.ts';

export interface SpendingRow {
  /** As stored: a user category's uuid text, a system category id (`cat_food_drinks`), or null. */
  categoryId: string | null;
  /** The category's name (system or user category), or null when uncategorised or unknown. */
  categoryName: string | null;
  currencyCode: string;
  /** Units of 1/10,000, summed exactly in the database. */
  total: bigint;
  count: number;
}

export interface SpendingFilter {
  /** Inclusive lower bound. */
  from: Date;
  /** Exclusive upper bound (the surface turns an inclusive date into the next midnight). */
  to: Date;
  currency?: string | null;
}

const SYSTEM_NAMES = new Map(SYSTEM_CATEGORIES.map((c) => [c.id, c.name]));

/**
 * Live expense transactions visible to the user (their own and those of groups they belong
 * to) in [from, to), summed per category and currency: one grouped query, no rows fetched.
 * Amounts are never converted between currencies.
 */
export async function spendingByCategory(db: Queryable, user: LedgyUser, f: SpendingFilter): Promise<SpendingRow[]> {
  const rows = await db.query<{ category_id: string | null; currency_code: string; total: string; n: number; category_name: string | null }>(
    `WITH spent AS (
       SELECT t.category_id, t.currency_code, sum(t.amount) AS total, count(*)::int AS n
         FROM ledgy_transactions t
        WHERE t.org_id = $1 AND t.deleted_at IS NULL AND t.type = 'expense'
          AND t.date >= $3 AND t.date < $4
          AND ($5::text IS NULL OR t.currency_code = $5)
          AND (t.user_id = $2 OR t.group_id IN (SELECT group_id FROM ledgy_group_members WHERE org_id = $1 AND user_id = $2))
        GROUP BY t.category_id, t.currency_code
     )
     SELECT s.category_id, s.currency_code, s.total::text AS total, s.n, c.name AS category_name
       FROM spent s
       LEFT JOIN ledgy_categories c ON c.org_id = $1 AND c.id::text = s.category_id
      ORDER BY s.currency_code, s.total DESC, s.category_id NULLS LAST`,
    [user.orgId, user.id, f.from, f.to, f.currency ?? null],
  );
  return rows.map((r) => ({
    categoryId: r.category_id,
    categoryName: r.category_name ?? (r.category_id ? (SYSTEM_NAMES.get(r.category_id) ?? null) : null),
    currencyCode: r.currency_code,
    total: BigInt(r.total),
    count: r.n,
  }));
}
