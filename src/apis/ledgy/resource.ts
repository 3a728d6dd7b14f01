import { Type, type Static, type TSchema } from 'typebox';
import type { FastifyRequest, FastifySchema } from 'fastify';
import type { Queryable } from '../../platform/db.ts';
import { operations } from '../../platform/http/operations.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import type { LedgyUser } from '../../ledgy/users.ts';
import { ledgyUser } from './context.ts';
import { exactBody } from './json.ts';
import * as S from './schemas.ts';
import { id, uuidOf, type PREFIX } from './views.ts';

/**
 * The route options of one Ledgy scope's operations: `<scope>:read` to read, `<scope>:write`
 * to write, tagged with the scope's name (Ledgy's tags are its scopes).
 */
export const ledgyOperations = (scope: string) => operations({ read: `${scope}:read`, write: `${scope}:write`, tags: [scope] });

/** One operation of a resource: its id and summary in the document, and its error statuses when they are not the usual ones. */
interface Operation<Run> {
  operationId: string;
  summary: string;
  errors?: number[];
  run: Run;
}

/**
 * A Ledgy resource: a collection at `path` of items of kind `kind`, with the operations it has.
 * Its operations are the domain's own functions: a write takes deps, tx and user first, a read
 * the resource's reader and user.
 */
export interface Resource<Row extends { id: string }, Body extends TSchema, Input, Reader> {
  /** The collection's path under the surface's prefix (`/v1/budgets`). */
  path: string;
  kind: keyof typeof PREFIX;
  /** The scope (and tag) of its operations. */
  scope: string;
  /** An item as the API shows it, and how a row becomes one. */
  item: TSchema;
  view: (row: Row) => unknown;
  /** The body of create and replace, and the domain input made from it and its exact twin (numbers as text). */
  body?: Body;
  input?: (body: Static<Body>, exact: any) => Input;
  /** What the reads are handed first: the database, or the deps when they need more (balances, the clock). */
  reader: Reader;
  list?: Operation<(reader: Reader, user: LedgyUser) => Promise<Row[]>>;
  get?: Operation<(reader: Reader, user: LedgyUser, id: string) => Promise<Row>>;
  create?: Operation<(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: Input) => Promise<Row>>;
  replace?: Operation<(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: Input) => Promise<Row>>;
  delete?: Operation<(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string) => Promise<void>>;
}

/**
 * Declares a resource's routes, in the order the reference lists them: `GET path` (every item,
 * `{ items, totalCount }`), `GET path/:id`, `POST path` (201 with its location), `PUT path/:id`
 * (every field, as for create) and `DELETE path/:id` (204). Ids that are not ours are 404.
 */
export function resourceRoutes<Row extends { id: string }, Body extends TSchema, Input, Reader>(api: SurfaceApp, deps: LedgyDeps, resource: Resource<Row, Body, Input, Reader>) {
  const { path, kind, item, view, body, reader, list, get, create, replace } = resource;
  const { reads, writes } = ledgyOperations(resource.scope);
  const itemPath = `${path}/:id`;
  const idOf = (request: FastifyRequest) => uuidOf(kind, (request.params as { id: string }).id);
  const inputOf = (request: FastifyRequest) => resource.input!(request.body as Static<Body>, exactBody(request));
  const schema = (operation: Operation<unknown>, statuses: number[], rest: object): FastifySchema => ({
    operationId: operation.operationId,
    summary: operation.summary,
    ...rest,
    response: { ...(rest as { response?: object }).response, ...S.errors(...(operation.errors ?? statuses)) },
  });

  if (list) {
    api.get(path, reads(schema(list, [401, 403], { response: { 200: S.ListOf(item) } })), async (request) => {
      const rows = await list.run(reader, ledgyUser(request));
      return { items: rows.map(view), totalCount: rows.length };
    });
  }
  if (get) {
    api.get(itemPath, reads(schema(get, [401, 403, 404], { params: S.IdParams, response: { 200: item } })), async (request) => view(await get.run(reader, ledgyUser(request), idOf(request))));
  }
  if (create) {
    api.post(
      path,
      writes(schema(create, [400, 401, 403], { body, response: { 201: item } })),
      write(async (tx, request, reply) => {
        const row = await create.run(deps, tx, ledgyUser(request), inputOf(request));
        reply.code(201).header('location', `/api${path}/${id(kind, row.id)}`);
        return view(row);
      }),
    );
  }
  if (replace) {
    api.put(
      itemPath,
      writes(schema(replace, [400, 401, 403, 404], { params: S.IdParams, body, response: { 200: item } })),
      write(async (tx, request) => view(await replace.run(deps, tx, ledgyUser(request), idOf(request), inputOf(request)))),
    );
  }
  if (resource.delete) {
    const remove = resource.delete;
    api.delete(
      itemPath,
      writes(schema(remove, [401, 403, 404], { params: S.IdParams, response: { 204: Type.Null() } })),
      write(async (tx, request, reply) => {
        await remove.run(deps, tx, ledgyUser(request), idOf(request));
        reply.code(204);
      }),
    );
  }
}
