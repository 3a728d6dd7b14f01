import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';

/** A dimension category and its values (a tree through parentId). */
export interface DimensionValue {
  id: string;
  categoryId: string;
  parentId: string | null;
  name: string;
}
export interface Dimension {
  id: string;
  name: string;
  isUnique: boolean;
  values: DimensionValue[];
  createdAt: Date;
}

const notFound = (what: 'dimension' | 'dimension value', property: string) =>
  new DomainError('not_found', `${what} not found`, property, { code: what === 'dimension' ? 'DIMENSION_NOT_FOUND' : 'DIMENSION_VALUE_NOT_FOUND', property });
const nameTaken = () => new DomainError('conflict', 'a dimension with this name already exists', 'name', { code: 'DIMENSION_NAME_ALREADY_EXISTS' });

/** The company's dimensions (by name) with their values, or the one with `id`. */
export async function listDimensions(db: Queryable, orgId: string, id: string | null = null): Promise<Dimension[]> {
  const categories = await db.query('SELECT * FROM ledgerbee_dimension_categories WHERE org_id = $1 AND ($2::uuid IS NULL OR id = $2) ORDER BY lower(name), id', [orgId, id]);
  const values = await db.query('SELECT * FROM ledgerbee_dimension_values WHERE org_id = $1 AND ($2::uuid IS NULL OR category_id = $2) ORDER BY lower(name), id', [orgId, id]);
  return categories.map((c) => ({
    id: c.id,
    name: c.name,
    isUnique: c.is_unique,
    createdAt: c.created_at,
    values: values.filter((v) => v.category_id === c.id).map((v) => ({ id: v.id, categoryId: v.category_id, parentId: v.parent_id, name: v.name })),
  }));
}

export async function getDimension(db: Queryable, orgId: string, id: string): Promise<Dimension> {
  const [found] = await listDimensions(db, orgId, id);
  if (!found) throw notFound('dimension', 'id');
  return found;
}

export async function createDimension(tx: Queryable, orgId: string, input: { name: string; isUnique: boolean }, now: Date): Promise<Dimension> {
  const rows = await tx.query(
    `INSERT INTO ledgerbee_dimension_categories (org_id, id, name, is_unique, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
    [orgId, newId(), input.name, input.isUnique, now],
  );
  if (rows.length === 0) throw nameTaken();
  return getDimension(tx, orgId, rows[0].id);
}

export async function updateDimension(tx: Queryable, orgId: string, id: string, input: { name: string; isUnique: boolean }): Promise<Dimension> {
  await refuseTakenName(tx, orgId, input.name, id);
  const rows = await tx.query('UPDATE ledgerbee_dimension_categories SET name = $3, is_unique = $4 WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, id, input.name, input.isUnique]);
  if (rows.length === 0) throw notFound('dimension', 'id');
  return getDimension(tx, orgId, id);
}

/** Names are unique per company, case-insensitive: another category's name is 409. */
async function refuseTakenName(tx: Queryable, orgId: string, name: string, self: string): Promise<void> {
  const clash = await tx.query('SELECT 1 FROM ledgerbee_dimension_categories WHERE org_id = $1 AND lower(name) = lower($2) AND id <> $3', [orgId, name, self]);
  if (clash.length > 0) throw nameTaken();
}

/** Renames a category, keeping whether it is unique (a project renamed renames its dimension). */
export async function renameDimension(tx: Queryable, orgId: string, id: string, name: string): Promise<void> {
  await refuseTakenName(tx, orgId, name, id);
  const rows = await tx.query('UPDATE ledgerbee_dimension_categories SET name = $3 WHERE org_id = $1 AND id = $2 RETURNING id', [orgId, id, name]);
  if (rows.length === 0) throw notFound('dimension', 'id');
}

/** Renames a value, keeping its place in the tree. */
export async function renameDimensionValue(tx: Queryable, orgId: string, categoryId: string, id: string, name: string): Promise<void> {
  const rows = await tx.query('UPDATE ledgerbee_dimension_values SET name = $4 WHERE org_id = $1 AND category_id = $2 AND id = $3 RETURNING id', [orgId, categoryId, id, name]);
  if (rows.length === 0) throw notFound('dimension value', 'valueId');
}

/** Whether posted lines carry any of these values (they then stay, as the entries do). */
async function inUse(tx: Queryable, orgId: string, valueIds: string[]): Promise<boolean> {
  if (valueIds.length === 0) return false;
  const rows = await tx.query('SELECT 1 FROM ledgerbee_line_dimensions WHERE org_id = $1 AND dimension_value_id = ANY($2::uuid[]) LIMIT 1', [orgId, valueIds]);
  return rows.length > 0;
}

export async function deleteDimension(tx: Queryable, orgId: string, id: string): Promise<void> {
  const dimension = await getDimension(tx, orgId, id);
  if (await inUse(tx, orgId, dimension.values.map((v) => v.id))) {
    throw new DomainError('conflict', 'posted journal entries carry values of this dimension', 'id', { code: 'DIMENSION_IN_USE' });
  }
  await tx.query('DELETE FROM ledgerbee_dimension_categories WHERE org_id = $1 AND id = $2', [orgId, id]);
}

/** A parent must be a value of the same dimension, and never the value itself or one below it. */
async function checkParent(tx: Queryable, orgId: string, categoryId: string, parentId: string | null, self: string | null) {
  if (!parentId) return;
  const values = (await getDimension(tx, orgId, categoryId)).values;
  if (!values.some((v) => v.id === parentId)) throw notFound('dimension value', 'parentId');
  for (let at: string | null = parentId; at; at = values.find((v) => v.id === at)!.parentId) {
    if (at === self) throw new DomainError('validation', 'parentId would make the value its own ancestor', 'parentId');
  }
}

export async function createDimensionValue(tx: Queryable, orgId: string, categoryId: string, input: { name: string; parentId: string | null }, now: Date): Promise<DimensionValue> {
  await getDimension(tx, orgId, categoryId);
  await checkParent(tx, orgId, categoryId, input.parentId, null);
  const id = newId();
  await tx.query('INSERT INTO ledgerbee_dimension_values (org_id, id, category_id, parent_id, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [orgId, id, categoryId, input.parentId, input.name, now]);
  return { id, categoryId, parentId: input.parentId, name: input.name };
}

export async function updateDimensionValue(tx: Queryable, orgId: string, categoryId: string, id: string, input: { name: string; parentId: string | null }): Promise<DimensionValue> {
  await checkParent(tx, orgId, categoryId, input.parentId, id);
  const rows = await tx.query('UPDATE ledgerbee_dimension_values SET name = $4, parent_id = $5 WHERE org_id = $1 AND category_id = $2 AND id = $3 RETURNING id', [orgId, categoryId, id, input.name, input.parentId]);
  if (rows.length === 0) throw notFound('dimension value', 'valueId');
  return { id, categoryId, parentId: input.parentId, name: input.name };
}

/** Deletes a value and the values below it, unless posted lines carry any of them. */
export async function deleteDimensionValue(tx: Queryable, orgId: string, categoryId: string, id: string): Promise<void> {
  const values = (await getDimension(tx, orgId, categoryId).catch(() => ({ values: [] as DimensionValue[] }))).values;
  if (!values.some((v) => v.id === id)) throw notFound('dimension value', 'valueId');
  const doomed = new Set([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of values) if (v.parentId && doomed.has(v.parentId) && !doomed.has(v.id)) (doomed.add(v.id), (grew = true));
  }
  if (await inUse(tx, orgId, [...doomed])) throw new DomainError('conflict', 'posted journal entries carry this value', 'valueId', { code: 'DIMENSION_VALUE_IN_USE' });
  await tx.query('DELETE FROM ledgerbee_dimension_values WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, [...doomed]]);
}
