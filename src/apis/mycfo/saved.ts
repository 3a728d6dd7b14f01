import { Type, type Static, type TSchema } from 'typebox';
import type { FastifyRequest, FastifySchema } from 'fastify';
import type { Queryable } from '../../platform/db.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import * as S from './schemas.ts';
import { idFrom, listView, pageRequest } from './views.ts';

interface Operation<Run> {
  operationId: string;
  summary: string;
  run: Run;
}

/** How one is made: the request body, and the domain's create given the body (the `run` of an operation). */
interface Create<Row, Body extends TSchema> extends Operation<(tx: Queryable, orgId: string, workspaceId: string, body: Static<Body>) => Promise<Row>> {
  body: Body;
}

/** What a workspace saves (forecasts, scenarios): the routes that make, read and remove it. */
export interface Saved<Row, Summary, Body extends TSchema> {
  /** `forecast`: the routes are `/workspaces/:id/forecasts` and `/workspaces/:id/forecasts/:forecast_id`. */
  kind: 'forecast' | 'scenario';
  operations: ReturnType<typeof S.mycfoOperations>;
  /** One in full, and how a row becomes it. */
  item: TSchema;
  view: (row: Row) => unknown;
  /** One in a list, and how a listed row becomes it. */
  summary: TSchema;
  summaryView: (row: Summary) => unknown;
  create: Create<Row, Body>;
  list: Operation<(db: Queryable, orgId: string, workspaceId: string, page: { limit: number; after: string | null }) => Promise<{ items: Summary[]; nextCursor: string | null }>>;
  get: Operation<(db: Queryable, orgId: string, workspaceId: string, id: string) => Promise<Row>>;
  delete: Operation<(tx: Queryable, orgId: string, workspaceId: string, id: string) => Promise<void>>;
}

/**
 * Making one (201), a page of what a workspace saved (newest first, without the heavy parts), one
 * of them in full, and its removal (204). Unknown or foreign workspaces and ids are 404.
 */
export function savedRoutes<Row, Summary, Body extends TSchema>(api: SurfaceApp, db: Queryable, saved: Saved<Row, Summary, Body>) {
  const { kind, operations, create, list, get } = saved;
  const path = `${kind}s`;
  const param = `${kind}_id`;
  const WsParams = Type.Object({ id: Type.String() });
  const ItemParams = Type.Object({ id: Type.String(), [param]: Type.String() });
  const ids = (request: FastifyRequest) => {
    const params = request.params as Record<string, string>;
    return [principalOf(request).orgId, idFrom('workspace', params.id), idFrom(kind, params[param])] as const;
  };
  const schema = (operation: Operation<unknown>, rest: object): FastifySchema => ({ operationId: operation.operationId, summary: operation.summary, ...rest });
  const workspaceOf = (request: FastifyRequest) => idFrom('workspace', (request.params as { id: string }).id);

  api.post(
    `/workspaces/:id/${path}`,
    operations.writes(schema(create, { params: WsParams, body: create.body, response: { 201: saved.item, ...S.errors(400, 401, 404, 409, 422) } })),
    write(async (tx, request, reply) => {
      const row = await create.run(tx, principalOf(request).orgId, workspaceOf(request), request.body as Static<Body>);
      reply.code(201);
      return saved.view(row);
    }),
  );

  api.get(
    `/workspaces/:id/${path}`,
    operations.reads(schema(list, { params: WsParams, querystring: Type.Object(S.PageQuery), response: { 200: S.ListOf(saved.summary), ...S.errors(401, 404, 422) } })),
    async (request) => {
      const query = request.query as { limit?: number; starting_after?: string };
      const page = await list.run(db, principalOf(request).orgId, workspaceOf(request), pageRequest(kind, query));
      return listView(page, saved.summaryView);
    },
  );
  api.get(`/workspaces/:id/${path}/:${param}`, operations.reads(schema(get, { params: ItemParams, response: { 200: saved.item, ...S.errors(401, 404) } })), async (request) =>
    saved.view(await get.run(db, ...ids(request))),
  );
  api.delete(
    `/workspaces/:id/${path}/:${param}`,
    operations.writes(schema(saved.delete, { params: ItemParams, response: { 204: Type.Null(), ...S.errors(401, 404) } })),
    write(async (tx, request, reply) => {
      await saved.delete.run(tx, ...ids(request));
      reply.code(204);
      return null;
    }),
  );
}
