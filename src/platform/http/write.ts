import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify';
import type { Queryable } from '../db.ts';
import type { StoredResponse } from '../idempotency.ts';
import { auditOf, type WriteContext, type WriteRunner } from '../write-runner.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The write runner every mutating route goes through (`write(...)`). */
    writes: WriteRunner;
    /** The name of the surface whose plugin this is. */
    surfaceName: string;
  }
}

const WRITE_HANDLER = Symbol('kontor.write-handler');
const JSON_TYPE = 'application/json; charset=utf-8';
/** Headers that describe one delivery rather than the answer: never stored, never replayed. */
const DELIVERY_HEADERS = new Set(['x-request-id', 'content-length', 'date', 'connection', 'retry-after', 'ratelimit', 'ratelimit-policy', 'keep-alive', 'transfer-encoding']);

/** The headers of `reply` that belong to the answer (what a replay repeats). */
export function answerHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined || DELIVERY_HEADERS.has(name) || name.startsWith('x-ratelimit')) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/** Who is writing, through which operation, for the runner's audit row and stored answer. */
export function writeContext(request: FastifyRequest): WriteContext {
  const claim = request.idempotency && !request.idempotency.replayed ? request.idempotency.scope : null;
  const operation = (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId ?? `${request.method} ${request.routeOptions.url}`;
  return {
    orgId: request.principal?.orgId ?? null,
    principalId: request.principal?.id ?? 'anonymous',
    surface: request.server.surfaceName,
    operation,
    requestId: request.id,
    claim,
    secretAnswer: request.routeOptions.config?.secretAnswer === true,
  };
}

/** The answer as it will be sent: the handler's value serialised by the route's response schema. */
function answerOf(reply: FastifyReply, value: unknown): StoredResponse {
  if (value === undefined || value === null || reply.statusCode === 204) return { status: reply.statusCode, headers: answerHeaders(reply), body: '' };
  if (!reply.hasHeader('content-type')) reply.type(JSON_TYPE);
  const body = typeof value === 'string' ? value : (reply.serialize(value) as string);
  return { status: reply.statusCode, headers: answerHeaders(reply), body };
}

function sendStored(request: FastifyRequest, reply: FastifyReply, response: StoredResponse) {
  if (request.idempotency && !request.idempotency.replayed) request.idempotency.storedInTransaction = response;
  reply.code(response.status).headers(response.headers);
  return reply.send(response.body === '' ? undefined : response.body);
}

/**
 * A mutating route's handler. `handler` runs inside the write runner's transaction with its
 * handle, sets the status and headers on `reply` and returns the payload (not `reply.send`);
 * the payload is serialised there, stored with the Idempotency-Key and audit row in the same
 * transaction, and exactly that text is sent.
 */
export function write<RouteGeneric extends RouteGenericInterface, ContextConfig, SchemaCompiler extends FastifySchema, TypeProvider extends FastifyTypeProvider, Payload>(
  handler: (
    tx: Queryable,
    request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider, ContextConfig>,
    reply: FastifyReply<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, ContextConfig, SchemaCompiler, TypeProvider>,
  ) => Promise<Payload>,
): RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, RouteGeneric, ContextConfig, SchemaCompiler, TypeProvider> {
  const route = async function (this: FastifyInstance, request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider, ContextConfig>, reply: FastifyReply<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, ContextConfig, SchemaCompiler, TypeProvider>) {
    const { response } = await request.server.writes.run(
      writeContext(request as FastifyRequest),
      (tx) => handler(tx, request, reply),
      (value) => answerOf(reply as FastifyReply, value),
    );
    return sendStored(request as FastifyRequest, reply as FastifyReply, response);
  };
  return Object.assign(route, { [WRITE_HANDLER]: true }) as any;
}

/**
 * What a write committed by the ledger's commit queue hands it: its audit row as data (the
 * queue's one-statement post can then commit it too) and, when it holds an Idempotency-Key,
 * a before-commit step that stores its answer there. `answer` makes the answer from what
 * posted; `status` gives the audit row's status when something new posted or when it all
 * had been posted before (a known external id).
 */
export interface SharedCommit {
  /** For a queue that runs a before-commit step for every request: the audit row and the stored answer, in its transaction. */
  seal(tx: Queryable, response: StoredResponse): Promise<void>;
  /** For the ledger's commit queue, which takes the audit row as data (see above). */
  options<R>(
    answer: (results: R) => StoredResponse,
    status: { created: number; existing: number },
  ): { audit: { row: ReturnType<typeof auditOf>; status: { created: number; existing: number } }; beforeCommit?: (tx: Queryable, results: R) => Promise<void> };
}

/**
 * A mutating route whose work the ledger's commit queue commits (shared with other requests'
 * work): `handler` passes `commit.options(...)` to the queue and returns its answer, which is
 * the one stored with the key when it holds one.
 */
export function writeShared<RouteGeneric extends RouteGenericInterface, ContextConfig, SchemaCompiler extends FastifySchema, TypeProvider extends FastifyTypeProvider>(
  handler: (
    commit: SharedCommit,
    request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider, ContextConfig>,
  ) => Promise<StoredResponse>,
): RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, RouteGeneric, ContextConfig, SchemaCompiler, TypeProvider> {
  const route = async function (this: FastifyInstance, request: FastifyRequest<RouteGeneric, RawServerDefault, RawRequestDefaultExpression, SchemaCompiler, TypeProvider, ContextConfig>, reply: FastifyReply) {
    const context = writeContext(request as FastifyRequest);
    let stored: StoredResponse | null = null;
    const commit: SharedCommit = {
      seal: (tx, response) => {
        stored = response;
        return request.server.writes.seal(tx, context, response);
      },
      options: (answer, status) => ({
        audit: { row: auditOf(context), status },
        beforeCommit: context.claim
          ? async (tx, results) => {
              stored = answer(results);
              await request.server.writes.storeAnswer(tx, context, stored);
            }
          : undefined,
      }),
    };
    const response = await handler(commit, request);
    return sendStored(request as FastifyRequest, reply, stored ?? response);
  };
  return Object.assign(route, { [WRITE_HANDLER]: true }) as any;
}

/** Whether a route handler goes through the write runner (checked for every mutating route). */
export function isWriteHandler(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as any)[WRITE_HANDLER] === true;
}
