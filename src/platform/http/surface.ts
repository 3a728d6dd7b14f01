import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createHash } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { Config } from '../config.ts';
import type { IdempotencyStore } from '../idempotency.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { DomainError } from '../errors.ts';
import type { Principal } from '../identity/api-keys.ts';
import { fingerprint, keptAnswer, type IdempotencyScope, type StoredResponse } from '../idempotency.ts';
import { rateLimitHeaders } from '../rate-limit.ts';
import { classifyError, type ClassifiedError } from './errors.ts';
import { bearerToken } from './bearer.ts';
import { answerHeaders } from './write.ts';
import { routeEntry, type RouteEntry } from './route-table.ts';
import { swaggerOptions } from './openapi.ts';

/** What the shared pipeline of every surface needs from the core. */
export interface PipelineServices {
  config: Config;
  idempotency: IdempotencyStore;
  rateLimiter: RateLimiter;
  deriveKey(purpose: string): Buffer;
  openapi: Map<string, () => object>;
}

/** A surface's routes are declared on this: request types come from the route schemas. */
export type SurfaceApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** How a surface shows an error: its status codes and its envelope. */
export type ErrorStyle = (error: ClassifiedError, requestId: string, request?: FastifyRequest) => {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
};

export interface SurfaceOptions {
  /** The surface name: `kontor`, `mycfo`, `ledgy`, … (its OpenAPI document is `/openapi/<name>.json`). */
  name: string;
  prefix: string;
  title: string;
  version: string;
  description?: string;
  errors: ErrorStyle;
  /**
   * Whether unknown routes under the prefix get this surface's 404 (default true). False for
   * a surface that shares its prefix with another one (LedgerBee's `/api` with Ledgy's), whose
   * own not-found answers are set on narrower prefixes.
   */
  notFound?: boolean;
  /**
   * Finds the caller from the request, or null when there is no valid credential. `bearer`
   * is the token of an `Authorization: Bearer …` header (scheme read case-insensitively), if any.
   */
  authenticate: (request: FastifyRequest, bearer: string | null) => Promise<Principal | null>;
  /**
   * Runs after authentication and before the rate limit and scope checks: a surface's own
   * condition for every authenticated route (Ledgy's subscription gate).
   */
  gate?: (request: FastifyRequest, principal: Principal) => Promise<void>;
  /** Requests per minute for a principal. */
  rateLimit: (principal: Principal) => number;
  /** Security schemes for the OpenAPI document. */
  securitySchemes?: Record<string, unknown>;
  /**
   * Whether these routes are the surface's OpenAPI document (default true). False for a
   * second mount of a surface under another prefix (Ledgy's `/mcp`): the same pipeline,
   * the same principals and rate limits, no document of its own. `extend`: a second mount
   * whose routes join the document of the surface's first mount (billing's `/webhooks`).
   */
  document?: boolean | 'extend';
  routes: (app: SurfaceApp) => Promise<void> | void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every surface route, for the guarantee suite and the route contract check. */
    routeTable: RouteEntry[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    idempotency: { scope: IdempotencyScope; replayed: boolean; storedInTransaction?: StoredResponse } | null;
  }
  interface FastifyContextConfig {
    /** A POST that changes nothing (a log-in): not a write for the write runner. */
    readOnly?: boolean;
    /** No credential needed (sign-up, log-in). */
    public?: boolean;
    /**
     * A public route whose requests prove themselves by a signature over the body (a payment
     * provider's webhook): not limited per client address, since a provider sends many at
     * once from a few addresses. False only; the default limits.
     */
    addressLimit?: false;
    /** Any credential of the surface will do, with no scope (declared, so a forgotten scope is not mistaken for this). */
    noScope?: boolean;
    /** The scope an API key needs; sessions are not scope-limited. */
    scope?: string;
    /**
     * The answer carries a secret shown once (a session token, a new API token): with an
     * Idempotency-Key, only the fact that the request succeeded is kept, never the answer.
     */
    secretAnswer?: boolean;
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PUBLIC_WINDOW_MS = 60_000;
const PUBLIC_CONCURRENT_PER_ADDRESS = 1;
/**
 * A refused sign-up or log-in answers after a pause: a client that retries at once (a
 * guessing loop) then sends a few requests a second instead of thousands, at the cost of a
 * timer, not of the CPU that everyone else's log-ins need.
 */
const PUBLIC_REFUSAL_DELAY_MS = 250;
const slowRefusal = () => new Promise((resolve) => setTimeout(resolve, PUBLIC_REFUSAL_DELAY_MS));
/** The body limit of sign-up and log-in routes: an email, a password and a name, nothing larger. */
export const PUBLIC_BODY_LIMIT = 16 * 1024;
/** Route options of a sign-up: public, its answer (a session) a secret shown once, a small body. */
export const SIGN_UP_ROUTE = { config: { public: true, secretAnswer: true }, bodyLimit: PUBLIC_BODY_LIMIT };
/** Route options of a log-in: as a sign-up, and it writes nothing (it verifies a password and mints a token). */
export const LOG_IN_ROUTE = { config: { public: true, secretAnswer: true, readOnly: true }, bodyLimit: PUBLIC_BODY_LIMIT };
const ANONYMOUS_ORG = '00000000-0000-0000-0000-000000000000';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The window of every per-credential rate limit. */
export const RATE_WINDOW_MS = 60_000;
/** What a credential's requests count against: one allowance per surface and principal, whichever mount of the surface they reach. */
export const rateLimitKey = (surface: string, principal: Pick<Principal, 'id'>) => `${surface}:${principal.id}`;

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new DomainError('unauthenticated', 'missing or invalid credentials');
  return request.principal;
}

/** A surface's document with a second mount's paths and component schemas added. */
function joinDocuments(first: object, second: object): object {
  const a = first as { paths?: Record<string, unknown>; components?: { schemas?: Record<string, unknown> } };
  const b = second as typeof a;
  return {
    ...a,
    paths: { ...a.paths, ...b.paths },
    components: { ...a.components, schemas: { ...a.components?.schemas, ...b.components?.schemas } },
  };
}

/**
 * Mounts one surface: its routes under its prefix, its error envelope for every failure
 * (malformed JSON, unknown routes, validation, domain errors), authentication, per-credential
 * rate limits, Idempotency-Key, and its own OpenAPI document built from the route schemas.
 */
export async function registerSurface(root: FastifyInstance, core: PipelineServices, options: SurfaceOptions): Promise<void> {
  const fingerprintKey = core.deriveKey('idempotency-fingerprint');
  await root.register(
    async (app) => {
      if (options.document === 'extend') {
        await app.register(swagger, swaggerOptions(options));
        const first = core.openapi.get(options.name);
        if (!first) throw new Error(`${options.name}: a mount that extends a document comes after the surface's first mount`);
        core.openapi.set(options.name, () => joinDocuments(first(), app.swagger() as object));
      } else if (options.document !== false) {
        await app.register(swagger, swaggerOptions(options));
        core.openapi.set(options.name, () => app.swagger() as object);
      }
      app.decorate('surfaceName', options.name);
      app.addHook('onRoute', (route) => {
        if ((route.schema as { hide?: boolean } | undefined)?.hide) return;
        app.routeTable.push(...routeEntry(options.name, route));
      });

      const send = (reply: FastifyReply, error: ClassifiedError) => {
        const { status, body, contentType, headers } = options.errors(error, reply.request.id, reply.request);
        if (status >= 500) reply.request.log.error({ err: error }, 'request failed');
        if (headers) reply.headers(headers);
        return reply.code(status).type(contentType ?? 'application/json; charset=utf-8').send(body);
      };

      app.setErrorHandler((error, request, reply) => {
        const classified = classifyError(error);
        if (classified.kind === 'internal') request.log.error({ err: error }, 'unexpected error');
        return send(reply, classified);
      });
      if (options.notFound !== false) {
        app.setNotFoundHandler((request, reply) =>
          send(reply, { kind: 'route_not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
        );
      }

      // Public routes (sign-up, log-in) have no credential to limit: they are limited per
      // client address before the body is read, and per email once it is (below), so a flood
      // of guesses is refused before any password is hashed.
      const refuseOver = async (reply: FastifyReply, key: string, limit: number) => {
        const decision = await core.rateLimiter.take(key, limit, PUBLIC_WINDOW_MS, Date.now());
        if (decision.allowed) return;
        reply.headers(rateLimitHeaders(decision, PUBLIC_WINDOW_MS));
        await slowRefusal();
        throw new DomainError('rate_limited', 'too many attempts; retry after the time in Retry-After');
      };
      // And one at a time from an address: a flood's extra connections are refused (after
      // the pause) instead of queueing password hashes in front of everyone else's.
      const publicInFlight = new Map<string, number>();
      app.addHook('onRequest', async (request, reply) => {
        const config = request.routeOptions.config;
        if (config?.public && config.addressLimit === false) return;
        if (config?.public) {
          const running = publicInFlight.get(request.ip) ?? 0;
          if (running >= PUBLIC_CONCURRENT_PER_ADDRESS) {
            reply.header('retry-after', '1');
            await slowRefusal();
            throw new DomainError('rate_limited', 'too many attempts at once from this address; retry after the time in Retry-After');
          }
          publicInFlight.set(request.ip, running + 1);
          // 'close' comes once the answer is sent or the client is gone, whichever happens.
          reply.raw.once('close', () => {
            const left = (publicInFlight.get(request.ip) ?? 1) - 1;
            if (left > 0) publicInFlight.set(request.ip, left);
            else publicInFlight.delete(request.ip);
          });
          return refuseOver(reply, `${options.name}:public:ip:${request.ip}`, core.config.publicPerMinutePerAddress);
        }
        const principal = await options.authenticate(request, bearerToken(request));
        if (!principal || principal.surface !== options.name) {
          throw new DomainError('unauthenticated', 'missing or invalid credentials');
        }
        request.principal = principal;
        await options.gate?.(request, principal);
        const limit = options.rateLimit(principal);
        const decision = await core.rateLimiter.take(rateLimitKey(options.name, principal), limit, RATE_WINDOW_MS, Date.now());
        reply.headers(rateLimitHeaders(decision, RATE_WINDOW_MS));
        if (!decision.allowed) throw new DomainError('rate_limited', 'too many requests; retry after the time in Retry-After');
        if (config?.scope && principal.scopes !== null && !principal.scopes.has(config.scope)) {
          throw new DomainError('forbidden', `this credential lacks the scope ${config.scope}`, undefined, { scope: config.scope });
        }
      });

      // Before the Idempotency-Key claim below, so a refusal here is never stored as an answer.
      app.addHook('preValidation', async (request, reply) => {
        const email = request.routeOptions.config?.public ? (request.body as { email?: unknown } | undefined)?.email : undefined;
        if (typeof email !== 'string') return;
        const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
        await refuseOver(reply, `${options.name}:public:email:${digest}`, core.config.publicPerMinutePerEmail);
      });

      // Runs after the body is parsed and before validation, so validation answers are kept too.
      app.addHook('preValidation', async (request, reply) => {
        const key = request.headers['idempotency-key'];
        if (key === undefined || !WRITE_METHODS.has(request.method)) return;
        if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
          throw new DomainError('validation', 'Idempotency-Key must be 1 to 255 visible ASCII characters', 'Idempotency-Key');
        }
        // Public routes (sign-up, log-in) have no principal: their keys share one anonymous
        // scope per surface, so only the same key with the same body (password included) replays.
        const principal = request.principal ?? { orgId: ANONYMOUS_ORG, id: 'anonymous' };
        const scope = { orgId: principal.orgId, principalId: principal.id, surface: options.name, key };
        const print = fingerprint(fingerprintKey, request.method, request.url.split('?')[0], request.query, request.body);
        const claim = await core.idempotency.begin(scope, print);
        if (claim.kind === 'mismatch') {
          throw new DomainError('idempotency_mismatch', 'this Idempotency-Key was used with another request', 'Idempotency-Key');
        }
        if (claim.kind === 'in_progress') {
          throw new DomainError('idempotency_in_progress', 'a request with this Idempotency-Key is still running', 'Idempotency-Key');
        }
        if (claim.kind === 'replay' && claim.response.withheld) {
          throw new DomainError(
            'idempotency_mismatch',
            'the request with this Idempotency-Key succeeded and its answer held a secret, which is shown only once; send a new Idempotency-Key to ask again',
            'Idempotency-Key',
          );
        }
        if (claim.kind === 'replay') {
          request.idempotency = { scope, replayed: true };
          reply.code(claim.response.status).headers(claim.response.headers).header('idempotent-replayed', 'true');
          return reply.send(claim.response.body);
        }
        request.idempotency = { scope, replayed: false };
      });

      app.addHook('onSend', async (request, reply, payload) => {
        const claim = request.idempotency;
        if (!claim || claim.replayed) return payload;
        request.idempotency = null;
        // Stored with the work it answers, and this is that answer: nothing left to do. (Any
        // other status means the work's transaction did not commit: store or release below.)
        if (claim.storedInTransaction && claim.storedInTransaction.status === reply.statusCode) return payload;
        // A 429 (rate limit, a full buffer) refuses to run the work now: no answer, a retry runs again.
        if (reply.statusCode >= 500 || reply.statusCode === 429 || (typeof payload !== 'string' && payload !== null && payload !== undefined && !Buffer.isBuffer(payload))) {
          await core.idempotency.release(claim.scope);
          return payload;
        }
        const headers = answerHeaders(reply);
        const body = payload == null ? '' : payload.toString();
        await core.idempotency.complete(claim.scope, keptAnswer({ status: reply.statusCode, headers, body }, request.routeOptions.config?.secretAnswer === true));
        return payload;
      });

      // A request that ends without onSend (client gone) must not keep its key locked.
      app.addHook('onResponse', async (request) => {
        if (request.idempotency && !request.idempotency.replayed) await core.idempotency.release(request.idempotency.scope);
      });

      await options.routes(app.withTypeProvider<TypeBoxTypeProvider>());
    },
    { prefix: options.prefix },
  );
}
