import Fastify, { type FastifyInstance } from 'fastify';
import type { Core } from './core.ts';
import { DomainError } from './platform/errors.ts';
import { newUlid } from './platform/ids.ts';
import { DeferredCompiles, moduleCompiles, validatorCompiler } from './platform/http/validation.ts';
import { deferredSerializerFactory } from './platform/http/deferred-serializers.ts';
import { registerInputGuard } from './platform/http/input-guard.ts';
import { SURFACES } from './surfaces.ts';
import { problemJson } from './apis/native/errors.ts';
import { classifyError } from './platform/http/errors.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /** Compiles the validators and serializers no request has used yet (they compile on first use). */
    compilePendingSchemas(): Promise<number>;
  }
}

export interface AppOptions {
  logger?: boolean | object;
}

/** Builds the HTTP server: the shared pipeline, then one plugin per surface. */
export async function buildApp(core: Core, options: AppOptions = {}): Promise<FastifyInstance> {
  const deferred = new DeferredCompiles();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: core.config.bodyLimitBytes,
    // Accept a well-formed X-Request-Id, else make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${newUlid()}`;
    },
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    schemaController: { compilersFactory: { buildSerializer: deferredSerializerFactory(deferred) } },
  });
  app.setValidatorCompiler(validatorCompiler(deferred));
  app.decorate('compilePendingSchemas', async () => (await deferred.compilePending()) + (await moduleCompiles.compilePending()));
  app.decorate('writes', core.writes);
  app.decorate('routeTable', []);
  app.decorateRequest('principal', null);
  app.decorateRequest('idempotency', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Bodies are JSON: Fastify's default text/plain parser would hand a JSON text to the schema
  // as a string ("must be object"); without it, text/plain is 415 like any other type.
  app.removeContentTypeParser('text/plain');
  // Problem documents and other +json types are JSON too.
  app.addContentTypeParser(/^application\/[\w.+-]+\+json(\s*;.*)?$/i, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  registerInputGuard(app);

  for (const surface of SURFACES) await surface.register(app, core);

  // Outside every surface's prefix, errors are the native problem+json.
  app.setErrorHandler((error, request, reply) => {
    const { status, body, contentType } = problemJson(classifyError(error), request.id);
    return reply.code(status).type(contentType!).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body, contentType } = problemJson(
      { kind: 'route_not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
      request.id,
    );
    return reply.code(status).type(contentType!).send(body);
  });

  app.get('/openapi', { schema: { hide: true } }, async () => ({
    documents: [...core.openapi.keys()].map((name) => ({ name, url: `/openapi/${name}.json` })),
  }));
  app.get<{ Params: { name: string } }>('/openapi/:name', { schema: { hide: true } }, async (request, reply) => {
    const document = core.openapi.get(request.params.name.replace(/\.json$/, ''));
    if (!document) throw new DomainError('not_found', `no OpenAPI document named ${request.params.name}`);
    return document();
  });
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  return app;
}
