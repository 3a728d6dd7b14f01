import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
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
import { ledgyUser } from './context.ts';
import * as S from './schemas.ts';
import { categoryGroupView, categoryView, id, uuidOf } from './views.ts';
import { NAME } from '../../platform/http/validation.ts';

const Icon = Type.String({ maxLength: 50 });
const Color = Type.String({ maxLength: 20 });
const Order = Type.Integer({ minimum: -2147483648, maximum: 2147483647 });
const CategoryType = Type.Union([Type.Literal('income'), Type.Literal('expense')]);

const SystemCategory = Type.Object({ id: Type.String(), name: Type.String(), type: Type.String(), icon: Type.String(), color: Type.String(), order: Type.Integer() });

const Category = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  order: Type.Integer(),
  isPinned: Type.Boolean(),
  categoryGroupId: S.Nullable(Type.String()),
  icon: S.Nullable(Type.String()),
  color: S.Nullable(Type.String()),
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const CategoryBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  type: CategoryType,
  order: Order,
  isPinned: Type.Boolean(),
  categoryGroupId: Type.Optional(S.Nullable(S.Id)),
  icon: Type.Optional(S.Nullable(Icon)),
  color: Type.Optional(S.Nullable(Color)),
});

const CategoryGroup = Type.Object({
  id: Type.String(),
  name: Type.String(),
  order: Type.Integer(),
  icon: S.Nullable(Type.String()),
  color: S.Nullable(Type.String()),
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const CategoryGroupBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  order: Order,
  icon: Type.Optional(S.Nullable(Icon)),
  color: Type.Optional(S.Nullable(Color)),
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
  const read = { scope: 'categories:read' };
  const writes = { scope: 'categories:write' };
  const tags = ['categories'];

  api.get(
    '/v1/categories/system-categories',
    {
      config: read,
      schema: {
        operationId: 'listSystemCategories',
        tags,
        summary: "Ledgy's curated, read-only categories; versioned, safe to cache by version.",
        response: { 200: Type.Object({ version: Type.String(), items: Type.Array(SystemCategory), totalCount: Type.Integer() }), ...S.errors(401, 403) },
      },
    },
    async () => ({ version: SYSTEM_CATEGORIES_VERSION, items: SYSTEM_CATEGORIES, totalCount: SYSTEM_CATEGORIES.length }),
  );

  // ---- category groups ----

  api.get('/v1/categories/groups', { config: read, schema: { operationId: 'listCategoryGroups', summary: 'Your category groups.', tags, response: { 200: S.ListOf(CategoryGroup), ...S.errors(401, 403) } } }, async (request) => {
    const groups = await listCategoryGroups(deps.db, ledgyUser(request));
    return { items: groups.map(categoryGroupView), totalCount: groups.length };
  });

  api.get(
    '/v1/categories/groups/:id',
    { config: read, schema: { operationId: 'getCategoryGroup', summary: 'One category group.', tags, params: S.IdParams, response: { 200: CategoryGroup, ...S.errors(401, 403, 404) } } },
    async (request) => categoryGroupView(await getCategoryGroup(deps.db, ledgyUser(request), uuidOf('categoryGroup', request.params.id))),
  );

  api.post(
    '/v1/categories/groups',
    { config: writes, schema: { operationId: 'createCategoryGroup', summary: 'Create a category group.', tags, body: CategoryGroupBody, response: { 201: CategoryGroup, ...S.errors(400, 401, 403) } } },
    write(async (tx, request, reply) => {
      const group = await createCategoryGroup(deps, tx, ledgyUser(request), toGroupInput(request.body));
      reply.code(201).header('location', `/api/v1/categories/groups/${id('categoryGroup', group.id)}`);
      return categoryGroupView(group);
    }),
  );

  api.put(
    '/v1/categories/groups/:id',
    {
      config: writes,
      schema: { operationId: 'replaceCategoryGroup', tags, summary: 'Replace a category group; body as for create.', params: S.IdParams, body: CategoryGroupBody, response: { 200: CategoryGroup, ...S.errors(400, 401, 403, 404) } },
    },
    write(async (tx, request) =>
      categoryGroupView(await replaceCategoryGroup(deps, tx, ledgyUser(request), uuidOf('categoryGroup', request.params.id), toGroupInput(request.body)))),
  );

  api.delete(
    '/v1/categories/groups/:id',
    {
      config: writes,
      schema: { operationId: 'deleteCategoryGroup', tags, summary: 'Soft-delete a category group; its categories survive with categoryGroupId cleared.', params: S.IdParams, response: { 204: Type.Null(), ...S.errors(401, 403, 404) } },
    },
    write(async (tx, request, reply) => {
      await deleteCategoryGroup(deps, tx, ledgyUser(request), uuidOf('categoryGroup', request.params.id));
      reply.code(204);
    }),
  );

  // ---- user categories ----

  api.get('/v1/categories', { config: read, schema: { operationId: 'listCategories', summary: 'Your categories.', tags, response: { 200: S.ListOf(Category), ...S.errors(401, 403) } } }, async (request) => {
    const categories = await listCategories(deps.db, ledgyUser(request));
    return { items: categories.map(categoryView), totalCount: categories.length };
  });

  api.get(
    '/v1/categories/:id',
    { config: read, schema: { operationId: 'getCategory', summary: 'One of your categories.', tags, params: S.IdParams, response: { 200: Category, ...S.errors(401, 403, 404) } } },
    async (request) => categoryView(await getCategory(deps.db, ledgyUser(request), uuidOf('category', request.params.id))),
  );

  api.post(
    '/v1/categories',
    { config: writes, schema: { operationId: 'createCategory', summary: 'Create a category.', tags, body: CategoryBody, response: { 201: Category, ...S.errors(400, 401, 403, 404) } } },
    write(async (tx, request, reply) => {
      const category = await createCategory(deps, tx, ledgyUser(request), toCategoryInput(request.body));
      reply.code(201).header('location', `/api/v1/categories/${id('category', category.id)}`);
      return categoryView(category);
    }),
  );

  api.put(
    '/v1/categories/:id',
    {
      config: writes,
      schema: { operationId: 'replaceCategory', tags, summary: 'Replace a user category; body as for create.', params: S.IdParams, body: CategoryBody, response: { 200: Category, ...S.errors(400, 401, 403, 404) } },
    },
    write(async (tx, request) => categoryView(await replaceCategory(deps, tx, ledgyUser(request), uuidOf('category', request.params.id), toCategoryInput(request.body)))),
  );

  api.delete(
    '/v1/categories/:id',
    {
      config: writes,
      schema: { operationId: 'deleteCategory', tags, summary: 'Soft-delete a user category; its transactions survive with categoryId cleared.', params: S.IdParams, response: { 204: Type.Null(), ...S.errors(401, 403, 404) } },
    },
    write(async (tx, request, reply) => {
      await deleteCategory(deps, tx, ledgyUser(request), uuidOf('category', request.params.id));
      reply.code(204);
    }),
  );
}
