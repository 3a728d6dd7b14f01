import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ProjectDimensions } from './project-store.ts';

/**
 * The project ↔ dimension link: a project's category is not unique (one entry may split its
 * lines over several subprojects, say wages over two phases). Each function is the one call the project store makes; they follow the
 * dimension API's rules (names unique per company, case-insensitive: 409
 * DIMENSION_NAME_ALREADY_EXISTS; a value posted lines carry stays: 409 DIMENSION_VALUE_IN_USE).
 */
const nameTaken = () => new DomainError('conflict', 'a dimension with this name already exists', 'name', { code: 'DIMENSION_NAME_ALREADY_EXISTS' });

export const projectDimensions: ProjectDimensions = {
  async createCategory(tx, orgId, name, now) {
    const rows = await tx.query(
      `INSERT INTO ledgerbee_dimension_categories (org_id, id, name, is_unique, created_at) VALUES ($1, $2, $3, false, $4) ON CONFLICT DO NOTHING RETURNING id`,
      [orgId, newId(), name, now],
    );
    if (rows.length === 0) throw nameTaken();
    return rows[0].id;
  },
  async renameCategory(tx, orgId, categoryId, name) {
    const clash = await tx.query('SELECT 1 FROM ledgerbee_dimension_categories WHERE org_id = $1 AND lower(name) = lower($2) AND id <> $3', [orgId, name, categoryId]);
    if (clash.length > 0) throw nameTaken();
    await tx.query('UPDATE ledgerbee_dimension_categories SET name = $3 WHERE org_id = $1 AND id = $2', [orgId, categoryId, name]);
  },
  async createValue(tx, orgId, categoryId, name, now) {
    const id = newId();
    await tx.query('INSERT INTO ledgerbee_dimension_values (org_id, id, category_id, parent_id, name, created_at) VALUES ($1, $2, $3, NULL, $4, $5)', [orgId, id, categoryId, name, now]);
    return id;
  },
  async renameValue(tx, orgId, categoryId, valueId, name) {
    await tx.query('UPDATE ledgerbee_dimension_values SET name = $4 WHERE org_id = $1 AND category_id = $2 AND id = $3', [orgId, categoryId, valueId, name]);
  },
  async deleteValue(tx, orgId, categoryId, valueId) {
    const used = await tx.query('SELECT 1 FROM ledgerbee_line_dimensions WHERE org_id = $1 AND dimension_value_id = $2 LIMIT 1', [orgId, valueId]);
    if (used.length > 0) throw new DomainError('conflict', 'posted journal entries carry this subproject', 'subprojectId', { code: 'DIMENSION_VALUE_IN_USE' });
    await tx.query('DELETE FROM ledgerbee_dimension_values WHERE org_id = $1 AND category_id = $2 AND id = $3', [orgId, categoryId, valueId]);
  },
};
