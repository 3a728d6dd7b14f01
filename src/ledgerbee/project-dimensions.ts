import { DomainError } from '../platform/errors.ts';
import { createDimension, createDimensionValue, deleteDimensionValue, renameDimension, renameDimensionValue } from './dimensions-store.ts';
import type { ProjectDimensions } from './project-store.ts';

/**
 * The project ↔ dimension link, through the dimension store's functions (its rules hold:
 * names unique per company, case-insensitive, 409 DIMENSION_NAME_ALREADY_EXISTS; a value
 * posted lines carry stays, 409 DIMENSION_VALUE_IN_USE). A project's category is not unique:
 * one entry may split its lines over several subprojects, say wages over two phases.
 * Subprojects are values at the top of the tree.
 */
export const projectDimensions: ProjectDimensions = {
  async createCategory(tx, orgId, name, now) {
    return (await createDimension(tx, orgId, { name, isUnique: false }, now)).id;
  },
  renameCategory: (tx, orgId, categoryId, name) => renameDimension(tx, orgId, categoryId, name),
  async createValue(tx, orgId, categoryId, name, now) {
    return (await createDimensionValue(tx, orgId, categoryId, { name, parentId: null }, now)).id;
  },
  renameValue: (tx, orgId, categoryId, valueId, name) => renameDimensionValue(tx, orgId, categoryId, valueId, name),
  async deleteValue(tx, orgId, categoryId, valueId) {
    await deleteDimensionValue(tx, orgId, categoryId, valueId).catch((error) => {
      // The project API names the subproject, not the dimension value.
      if (error instanceof DomainError && error.details?.code === 'DIMENSION_VALUE_IN_USE') throw new DomainError('conflict', 'posted journal entries carry this subproject', 'subprojectId', error.details);
      throw error;
    });
  },
};
