import { Type, type Static, type TSchema } from 'typebox';
import type { Queryable } from '../../platform/db.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import {
  createCategory,
  createCategoryGroup,
  deleteCategory,
  deleteCategoryGroup,
  getCategory,
  getCategoryGroup,
  listCategories,
  listCategoryGroups,
  replaceCategory,
  replaceCategoryGroup,
  type CategoryGroupInput,
  type CategoryInput,
} from '../../ledgy/categories.ts';
import { SYSTEM_CATEGORIES, SYSTEM_CATEGORIES_VERSION } from '../../ledgy/catalogue.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyOperations, resourceRoutes, type Resource } from './resource.ts';
import * as S from './schemas.ts';
import { categoryGroupView, categoryView, uuidOf } from './views.ts';
import { NAME } from '../../platform/http/validation.ts';

const Icon = Type.String({ maxLength: 50 });
const Color = Type.String({ maxLength: 20 });
const Order = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });
const CategoryType = Type.Union([Type.Literal('income'), Type.Literal('expense')]);

/** How a category or a category group shows in the app: the same icon and colour fields on both. */
const appearance = {
  icon: S.Nullable(Type.String()),
  color: S.Nullable(Type.String()),
};
const appearanceInput = {
  icon: Type.Optional(S.Nullable(Icon)),
  color: Type.Optional(S.Nullable(Color)),
};

const SystemCategory = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), icon: Type.String(), color: Type.String(), order: Type.Integer() });

const Category = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  order: Type.Integer(),
  isPinned: Type.Boolean(),
  categoryGroupId: S.Nullable(Type.String()),
  ...appearance,
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const CategoryBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  type: CategoryType,
  order: Order,
  isPinned: Type.Boolean(),
  categoryGroupId: Type.Optional(S.Nullable(S.Id)),
  ...appearanceInput,
});

const CategoryGroup = Type.Object({
  id: Type.String(),
  name: Type.String(),
  order: Type.Integer(),
  ...appearance,
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const CategoryGroupBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  order: Order,
  ...appearanceInput,
});

const toCategoryInput = (b: Static<typeof CategoryBody>): CategoryInput => ({
  name: b.name,
  type: b.type,
  order: b.order,
  isPinned: b.isPinned,
  categoryGroupId: b.categoryGroupId ? uuidOf('categoryGroup', b.categoryGroupId, 'categoryGroupId') : null,
  icon: b.icon ?? null,
  color: b.color ?? null,
});

const toGroupInput = (b: Static<typeof CategoryGroupBody>): CategoryGroupInput => ({ name: b.name, order: b.order, icon: b.icon ?? null, color: b.color ?? null });

/**
 * System categories, user categories and category groups. The static paths
 * (`/v1/categories/system-categories`, `/v1/categories/groups`) win over `/v1/categories/:id`
 * in Fastify's router whatever the registration order. A categoryGroupId that is not one of
 * the user's live groups is 404, like every reference to something the caller cannot see.
 */
export function categoryRoutes(api: SurfaceApp, deps: LedgyDeps) {
  const { reads } = ledgyOperations('categories');

  api.get(
    '/v1/categories/system-categories',
    reads({
      operationId: 'listSystemCategories',
      summary: "Ledgy's curated, read-only categories; versioned, safe to cache by version.",
      response: { 200: Type.Object({ version: Type.String(), items: Type.Array(SystemCategory), totalCount: Type.Integer() }), ...S.errors(401, 403) },
    }),
    async () => ({ version: SYSTEM_CATEGORIES_VERSION, items: SYSTEM_CATEGORIES, totalCount: SYSTEM_CATEGORIES.length }),
  );

  // Both collections are under the categories scope, and read with the database alone.
  const categoryResource = <Row extends { id: string }, Body extends TSchema, Input>(resource: Omit<Resource<Row, Body, Input, Queryable>, 'scope' | 'reader'>) =>
    resourceRoutes(api, deps, { ...resource, scope: 'categories', reader: deps.db });

  categoryResource({
    path: '/v1/categories/groups', kind: 'categoryGroup', item: CategoryGroup, view: categoryGroupView, body: CategoryGroupBody, input: toGroupInput,
    list: { operationId: 'listCategoryGroups', summary: 'Your category groups.', run: listCategoryGroups },
    get: { operationId: 'getCategoryGroup', summary: 'One category group.', run: getCategoryGroup },
    create: { operationId: 'createCategoryGroup', summary: 'Create a category group.', run: createCategoryGroup },
    replace: { operationId: 'replaceCategoryGroup', summary: 'Replace a category group; body as for create.', run: replaceCategoryGroup },
    delete: { operationId: 'deleteCategoryGroup', summary: 'Soft-delete a category group; its categories survive with categoryGroupId cleared.', run: deleteCategoryGroup },
  });

  categoryResource({
    path: '/v1/categories', kind: 'category', item: Category, view: categoryView, body: CategoryBody, input: toCategoryInput,
    list: { operationId: 'listCategories', summary: 'Your categories.', run: listCategories },
    get: { operationId: 'getCategory', summary: 'One of your categories.', run: getCategory },
    create: { operationId: 'createCategory', summary: 'Create a category.', errors: [400, 401, 403, 404], run: createCategory },
    replace: { operationId: 'replaceCategory', summary: 'Replace a user category; body as for create.', run: replaceCategory },
    delete: { operationId: 'deleteCategory', summary: 'Soft-delete a user category; its transactions survive with categoryId cleared.', run: deleteCategory },
  });
}
