import type { Static, TSchema } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../../platform/db.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { companyIdOf, type ledgerbeeOperations } from './context.ts';
import { errors, IdParams } from './schemas.ts';

/** One operation: its id and summary in the document, its error statuses, and the store's call. */
interface Operation<Run> {
  operationId: string;
  summary: string;
  errors: number[];
  run: Run;
}

/** A LedgerBee resource made, read and changed one at a time: customers, projects. */
export interface Items<Row, Create extends TSchema, Update extends TSchema> {
  /** `/v1/customers`: `POST` makes one, `GET` and the update verb at `/v1/customers/:id`. */
  path: string;
  operations: ReturnType<typeof ledgerbeeOperations>;
  /** One as the API shows it, and how a stored one becomes it. */
  item: TSchema;
  view: (row: Row) => unknown;
  create: Operation<(tx: Queryable, orgId: string, body: Static<Create>) => Promise<Row>> & { body: Create };
  get: Operation<(orgId: string, id: string) => Promise<Row>>;
  /** PATCH (the fields given) or PUT, as the product has it. */
  update: Operation<(tx: Queryable, orgId: string, id: string, body: Static<Update>) => Promise<Row>> & { method: 'patch' | 'put'; body: Update };
}

/** `POST path` (201), `GET path/:id` and the update of `path/:id`, each answering the item. */
export function itemRoutes<Row, Create extends TSchema, Update extends TSchema>(api: SurfaceApp, items: Items<Row, Create, Update>) {
  const { path, operations, item, view, create, get, update } = items;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const doc = (operation: Operation<unknown>) => ({ operationId: operation.operationId, summary: operation.summary });

  api.post(
    path,
    operations.writes({ ...doc(create), body: create.body, response: { 201: item, ...errors(...create.errors) } }),
    write(async (tx, request, reply) => {
      const row = await create.run(tx, companyIdOf(request), request.body as Static<Create>);
      reply.code(201);
      return view(row);
    }),
  );
  api.get(`${path}/:id`, operations.reads({ ...doc(get), params: IdParams, response: { 200: item, ...errors(...get.errors) } }), async (request) =>
    view(await get.run(companyIdOf(request), idOf(request))),
  );
  api[update.method](
    `${path}/:id`,
    operations.writes({ ...doc(update), params: IdParams, body: update.body, response: { 200: item, ...errors(...update.errors) } }),
    write(async (tx, request) => view(await update.run(tx, companyIdOf(request), idOf(request), request.body as Static<Update>))),
  );
}
