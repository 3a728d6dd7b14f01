import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { NAME } from '../../platform/http/validation.ts';
import {
  createDimension,
  createDimensionValue,
  deleteDimension,
  deleteDimensionValue,
  getDimension,
  listDimensions,
  updateDimension,
  updateDimensionValue,
  type Dimension,
  type DimensionValue,
} from '../../ledgerbee/dimensions-store.ts';
import { companyIdOf } from './context.ts';
import { BodyDto, Dto, IdParams, Nullable, Timestamp, Uuid, errors } from './schemas.ts';

const DimensionValueDto = Dto('DimensionValueDto', {
  id: Uuid,
  name: Type.String(),
  parentId: Nullable(Uuid),
  children: Type.Array(Type.Unknown(), { description: 'The values below this one, each a DimensionValueDto.' }),
});
const DimensionDto = Dto('DimensionDto', {
  id: Uuid,
  name: Type.String(),
  isUnique: Type.Boolean({ description: 'At most one value of this dimension per journal entry.' }),
  values: Type.Array(DimensionValueDto, { description: 'The top values; their children below them.' }),
  createdAt: Timestamp,
});
const DimensionBody = BodyDto('CreateDimensionDto', { name: Type.String({ ...NAME, minLength: 2, maxLength: 100 }), isUnique: Type.Optional(Type.Boolean({ default: false })) });
const UpdateDimensionBody = BodyDto('UpdateDimensionDto', { name: Type.String({ ...NAME, minLength: 2, maxLength: 100 }), isUnique: Type.Boolean() });
const ValueBody = BodyDto('DimensionValueRequestDto', { name: Type.String({ ...NAME, maxLength: 100 }), parentId: Type.Optional(Nullable(Uuid)) });
const ValueParams = Type.Object({ id: Uuid, valueId: Uuid });

type Node = { id: string; name: string; parentId: string | null; children: Node[] };
function tree(values: DimensionValue[]): Node[] {
  const nodes = new Map<string, Node>(values.map((v) => [v.id, { id: v.id, name: v.name, parentId: v.parentId, children: [] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) (node.parentId && nodes.has(node.parentId) ? nodes.get(node.parentId)!.children : roots).push(node);
  return roots;
}
const dimensionView = (d: Dimension) => ({ id: d.id, name: d.name, isUnique: d.isUnique, values: tree(d.values), createdAt: d.createdAt.toISOString() });
const valueView = (v: DimensionValue) => ({ id: v.id, name: v.name, parentId: v.parentId, children: [] });

/** Dimensions: categories with value trees; create, update, delete. */
export function dimensionRoutes(api: SurfaceApp, core: Core) {
  const tags = ['Dimensions'];
  const READ = { scope: 'dimensions-read' };
  const WRITE = { scope: 'dimensions-write' };
  const lower = (id: string) => id.toLowerCase();

  api.get('/v1/dimensions', { config: READ, schema: { operationId: 'listDimensions', summary: 'List all dimensions with their value trees (a full list).', tags, response: { 200: Type.Array(DimensionDto), ...errors(401, 403) } } }, async (request) =>
    (await listDimensions(core.db, companyIdOf(request))).map(dimensionView),
  );
  api.post(
    '/v1/dimensions',
    { config: WRITE, schema: { operationId: 'createDimension', summary: 'Create a new dimension category (name 2–100 characters, unique).', tags, body: DimensionBody, response: { 201: DimensionDto, ...errors(400, 401, 403, 409) } } },
    write(async (tx, request, reply) => {
      reply.code(201);
      return dimensionView(await createDimension(tx, companyIdOf(request), { name: request.body.name.trim(), isUnique: request.body.isUnique ?? false }, core.clock.now()));
    }),
  );
  api.get('/v1/dimensions/:id', { config: READ, schema: { operationId: 'getDimension', summary: 'Get a single dimension by ID.', tags, params: IdParams, response: { 200: DimensionDto, ...errors(400, 401, 403, 404) } } }, async (request) =>
    dimensionView(await getDimension(core.db, companyIdOf(request), lower(request.params.id))),
  );
  api.put(
    '/v1/dimensions/:id',
    { config: WRITE, schema: { operationId: 'updateDimension', summary: 'Update a dimension category.', tags, params: IdParams, body: UpdateDimensionBody, response: { 200: DimensionDto, ...errors(400, 401, 403, 404, 409) } } },
    write(async (tx, request) => dimensionView(await updateDimension(tx, companyIdOf(request), lower(request.params.id), { name: request.body.name.trim(), isUnique: request.body.isUnique }))),
  );
  api.delete(
    '/v1/dimensions/:id',
    { config: WRITE, schema: { operationId: 'deleteDimension', summary: 'Delete a dimension category and its values (409 DIMENSION_IN_USE when posted entries carry them).', tags, params: IdParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) } } },
    write(async (tx, request, reply) => {
      await deleteDimension(tx, companyIdOf(request), lower(request.params.id));
      reply.code(204);
    }),
  );
  api.post(
    '/v1/dimensions/:id/values',
    { config: WRITE, schema: { operationId: 'createDimensionValue', summary: 'Create a new dimension value, optionally below another (parentId).', tags, params: IdParams, body: ValueBody, response: { 201: DimensionValueDto, ...errors(400, 401, 403, 404) } } },
    write(async (tx, request, reply) => {
      reply.code(201);
      return valueView(await createDimensionValue(tx, companyIdOf(request), lower(request.params.id), { name: request.body.name.trim(), parentId: request.body.parentId?.toLowerCase() ?? null }, core.clock.now()));
    }),
  );
  api.put(
    '/v1/dimensions/:id/values/:valueId',
    { config: WRITE, schema: { operationId: 'updateDimensionValue', summary: 'Update a dimension value (its name and parent).', tags, params: ValueParams, body: ValueBody, response: { 200: DimensionValueDto, ...errors(400, 401, 403, 404) } } },
    write(async (tx, request) =>
      valueView(await updateDimensionValue(tx, companyIdOf(request), lower(request.params.id), lower(request.params.valueId), { name: request.body.name.trim(), parentId: request.body.parentId?.toLowerCase() ?? null })),
    ),
  );
  api.delete(
    '/v1/dimensions/:id/values/:valueId',
    { config: WRITE, schema: { operationId: 'deleteDimensionValue', summary: 'Delete a dimension value and the values below it (409 DIMENSION_VALUE_IN_USE when posted entries carry them).', tags, params: ValueParams, response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) } } },
    write(async (tx, request, reply) => {
      await deleteDimensionValue(tx, companyIdOf(request), lower(request.params.id), lower(request.params.valueId));
      reply.code(204);
    }),
  );
}
