import type { Queryable } from '../platform/db.ts';
import { notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LedgyDeps } from './deps.ts';
import type { LedgyUser } from './users.ts';

/**
 * User categories and category groups. Both belong to one user; anything else (another
 * user's, deleted) is not found. Deletes are soft:
 *   - a category: the user's transactions that carry it lose their categoryId (updated_at
 *     moves, so `updatedSince` sync sees the change); nothing else changes. Budgets keep
 *     their categoryId (a category budget does not silently become an all-spending one).
 *   - a category group: its child categories survive with categoryGroupId cleared.
 * A categoryGroupId that is not one of the user's live groups is 404 (like every other
 * reference to a missing resource in this API).
 */
export interface LedgyCategory {
  id: string;
  userId: string;
  name: string;
  type: 'income' | 'expense';
  order: number;
  isPinned: boolean;
  categoryGroupId: string | null;
  icon: string | null;
  color: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CategoryInput {
  name: string;
  type: 'income' | 'expense';
  order: number;
  isPinned: boolean;
  categoryGroupId?: string | null;
  icon?: string | null;
  color?: string | null;
}

export interface LedgyCategoryGroup {
  id: string;
  userId: string;
  name: string;
  order: number;
  icon: string | null;
  color: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CategoryGroupInput {
  name: string;
  order: number;
  icon?: string | null;
  color?: string | null;
}

const toCategory = (r: any): LedgyCategory => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  type: r.type,
  order: r.sort_order,
  isPinned: r.is_pinned,
  categoryGroupId: r.category_group_id,
  icon: r.icon,
  color: r.color,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toGroup = (r: any): LedgyCategoryGroup => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  order: r.sort_order,
  icon: r.icon,
  color: r.color,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// ---- categories ----

export async function listCategories(db: Queryable, user: LedgyUser): Promise<LedgyCategory[]> {
  const rows = await db.query(
    'SELECT * FROM ledgy_categories WHERE org_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY sort_order, created_at, id',
    [user.orgId, user.id],
  );
  return rows.map(toCategory);
}

export async function getCategory(db: Queryable, user: LedgyUser, id: string, lock = false): Promise<LedgyCategory> {
  const [row] = await db.query(
    `SELECT * FROM ledgy_categories WHERE org_id = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
    [user.orgId, user.id, id],
  );
  if (!row) throw notFound('category');
  return toCategory(row);
}

/** The group a category points at must be one of the user's live groups; it is locked so a concurrent delete waits. */
async function checkGroupRef(tx: Queryable, user: LedgyUser, groupId: string | null | undefined) {
  if (!groupId) return;
  const found = await tx.query('SELECT 1 FROM ledgy_category_groups WHERE org_id = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL FOR SHARE', [
    user.orgId,
    user.id,
    groupId,
  ]);
  if (found.length === 0) throw notFound('category group', 'categoryGroupId');
}

export async function createCategory(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: CategoryInput): Promise<LedgyCategory> {
  await checkGroupRef(tx, user, input.categoryGroupId);
  const id = newId();
  const now = deps.clock.now();
  await tx.query(
    `INSERT INTO ledgy_categories (org_id, id, user_id, name, type, sort_order, is_pinned, category_group_id, icon, color, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
    [user.orgId, id, user.id, input.name, input.type, input.order, input.isPinned, input.categoryGroupId ?? null, input.icon ?? null, input.color ?? null, now],
  );
  return getCategory(tx, user, id);
}

/** PUT: every field replaced (an omitted optional field becomes null). */
export async function replaceCategory(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: CategoryInput): Promise<LedgyCategory> {
  await getCategory(tx, user, id, true);
  await checkGroupRef(tx, user, input.categoryGroupId);
  await tx.query(
    `UPDATE ledgy_categories SET name = $3, type = $4, sort_order = $5, is_pinned = $6, category_group_id = $7, icon = $8, color = $9, updated_at = $10
      WHERE org_id = $1 AND id = $2`,
    [user.orgId, id, input.name, input.type, input.order, input.isPinned, input.categoryGroupId ?? null, input.icon ?? null, input.color ?? null, deps.clock.now()],
  );
  return getCategory(tx, user, id);
}

/** Soft delete; the user's transactions keep everything but the category. */
export async function deleteCategory(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string): Promise<void> {
  await getCategory(tx, user, id, true);
  const now = deps.clock.now();
  await tx.query(
    'UPDATE ledgy_transactions SET category_id = NULL, updated_at = $4 WHERE org_id = $1 AND user_id = $2 AND category_id = $3',
    [user.orgId, user.id, id, now],
  );
  await tx.query('UPDATE ledgy_categories SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}

// ---- category groups ----

export async function listCategoryGroups(db: Queryable, user: LedgyUser): Promise<LedgyCategoryGroup[]> {
  const rows = await db.query(
    'SELECT * FROM ledgy_category_groups WHERE org_id = $1 AND user_id = $2 AND deleted_at IS NULL ORDER BY sort_order, created_at, id',
    [user.orgId, user.id],
  );
  return rows.map(toGroup);
}

export async function getCategoryGroup(db: Queryable, user: LedgyUser, id: string, lock = false): Promise<LedgyCategoryGroup> {
  const [row] = await db.query(
    `SELECT * FROM ledgy_category_groups WHERE org_id = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
    [user.orgId, user.id, id],
  );
  if (!row) throw notFound('category group');
  return toGroup(row);
}

export async function createCategoryGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: CategoryGroupInput): Promise<LedgyCategoryGroup> {
  const id = newId();
  await tx.query(
    `INSERT INTO ledgy_category_groups (org_id, id, user_id, name, sort_order, icon, color, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [user.orgId, id, user.id, input.name, input.order, input.icon ?? null, input.color ?? null, deps.clock.now()],
  );
  return getCategoryGroup(tx, user, id);
}

export async function replaceCategoryGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: CategoryGroupInput): Promise<LedgyCategoryGroup> {
  await getCategoryGroup(tx, user, id, true);
  await tx.query(
    'UPDATE ledgy_category_groups SET name = $3, sort_order = $4, icon = $5, color = $6, updated_at = $7 WHERE org_id = $1 AND id = $2',
    [user.orgId, id, input.name, input.order, input.icon ?? null, input.color ?? null, deps.clock.now()],
  );
  return getCategoryGroup(tx, user, id);
}

/** Soft delete; child categories survive, ungrouped. */
export async function deleteCategoryGroup(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string): Promise<void> {
  await getCategoryGroup(tx, user, id, true);
  const now = deps.clock.now();
  await tx.query(
    'UPDATE ledgy_categories SET category_group_id = NULL, updated_at = $4 WHERE org_id = $1 AND user_id = $2 AND category_group_id = $3',
    [user.orgId, user.id, id, now],
  );
  await tx.query('UPDATE ledgy_category_groups SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}
