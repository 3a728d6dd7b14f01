import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { DomainError, invalid, notFound } from '../../platform/errors.ts';
import { parseAsset } from '../../platform/money.ts';
import { authenticateUser } from '../../platform/identity/users.ts';
import { SIGN_UP_ROUTE, LOG_IN_ROUTE, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { hashPassword } from '../../platform/identity/passwords.ts';
import { getLedgyUser, registerLedgyUser } from '../../ledgy/users.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { isActive, mintLedgyToken } from '../../ledgy/tokens.ts';
import { LEDGY_SCOPES, ledgyUser } from './context.ts';
import { ErrorBody, errors, Timestamp } from './schemas.ts';
import { id, tokenView, userView, uuidOf } from './views.ts';
import { NAME } from '../../platform/http/validation.ts';

export { MAX_ACTIVE_TOKENS } from '../../ledgy/tokens.ts';

const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  primaryCurrency: Type.String(),
  subscription: Type.Object({ status: Type.String(), trialEndsAt: Type.Union([Type.String(), Type.Null()]) }),
  createdAt: Timestamp,
});
const Session = Type.Object({ user: User, accessToken: Type.String() });
const Token = Type.Object({
  id: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  permissionCount: Type.Integer(),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  expiresSoon: Type.Boolean(),
  createdAt: Timestamp,
});

/** A sign-up's password hash, made before the write's transaction opens (see createUser). */
const passwordHashes = new WeakMap<FastifyRequest, string>();

/** Sign-up, sign-in and personal access tokens, outside /api/v1 and its subscription gate. */
export function authRoutes(api: SurfaceApp, core: Core, deps: LedgyDeps) {
  api.post(
    '/auth/register',
    {
      ...SIGN_UP_ROUTE,
      schema: {
        operationId: 'register',
        summary: 'Sign up: a user on a trial, and a session token.',
        tags: ['auth'],
        body: Type.Object({
          email: Type.String({ format: 'email', maxLength: 254 }),
          password: Type.String({ minLength: 8, maxLength: 200 }),
          name: Type.String({ ...NAME, maxLength: 100 }),
          primaryCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
        }),
        response: { 201: Session, ...errors(400, 409) },
      },
      preHandler: async (request) => {
        passwordHashes.set(request, await hashPassword(request.body.password));
      },
    },
    write(async (tx, request, reply) => {
      const currency = parseAsset(request.body.primaryCurrency ?? 'USD', 'primaryCurrency').currency;
      const passwordHash = passwordHashes.get(request)!;
      const user = await registerLedgyUser(deps, tx, { email: request.body.email, name: request.body.name, passwordHash, primaryCurrency: currency });
      const accessToken = await core.sessions.sign({ orgId: user.orgId, userId: user.id, surface: 'ledgy' });
      reply.code(201);
      return { user: userView(user), accessToken };
    }),
  );

  api.post(
    '/auth/login',
    {
      ...LOG_IN_ROUTE,
      schema: {
        operationId: 'login',
        summary: 'Sign in with email and password: a session token.',
        tags: ['auth'],
        body: Type.Object({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 200 }) }),
        response: { 200: Session, ...errors(400, 401) },
      },
    },
    async (request) => {
      const found = await authenticateUser(core.db, 'ledgy', request.body.email, request.body.password);
      if (!found) throw new DomainError('unauthenticated', 'Invalid email or password');
      const user = (await getLedgyUser(core.db, found.orgId, found.id))!;
      const accessToken = await core.sessions.sign({ orgId: user.orgId, userId: user.id, surface: 'ledgy' });
      return { user: userView(user), accessToken };
    },
  );

  // Tokens are managed with the session JWT only: a token cannot mint tokens.
  const sessionOnly = { ungated: true, sessionOnly: true, noScope: true };

  api.post(
    '/auth/tokens',
    {
      config: { ...sessionOnly, secretAnswer: true },
      schema: {
        operationId: 'createToken',
        summary: 'Mint a personal access token. The secret is in this answer only.',
        tags: ['tokens'],
        body: Type.Object({
          name: Type.String({ ...NAME, maxLength: 100 }),
          scopes: Type.Array(Type.Union(LEDGY_SCOPES.map((s) => Type.Literal(s))), { uniqueItems: true, maxItems: LEDGY_SCOPES.length }),
          expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
        }),
        response: { 201: Type.Intersect([Token, Type.Object({ token: Type.String() })]), ...errors(400, 401, 409) },
      },
    },
    write(async (tx, request, reply) => {
      const user = ledgyUser(request);
      const now = core.clock.now();
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) throw invalid('expiresAt', 'expiresAt must be in the future');
      const { key, secret } = await mintLedgyToken(core.clock, core.apiKeys, tx, user, { name: request.body.name, scopes: request.body.scopes, expiresAt });
      reply.code(201).header('location', `/api/auth/tokens/${id('token', key.id)}`);
      return { ...tokenView(key, now), token: secret };
    }),
  );

  api.get(
    '/auth/tokens',
    {
      config: sessionOnly,
      schema: {
        operationId: 'listTokens',
        summary: 'Your active personal access tokens (neither revoked nor expired); never their secrets.',
        tags: ['tokens'],
        response: { 200: Type.Object({ items: Type.Array(Token), totalCount: Type.Integer() }), ...errors(401) },
      },
    },
    async (request) => {
      const user = ledgyUser(request);
      const now = core.clock.now();
      // The reference's page lists the active tokens: neither revoked nor expired (the ones the limit counts).
      const keys = (await core.apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id })).filter((k) => isActive(k, now));
      return { items: keys.map((k) => tokenView(k, now)), totalCount: keys.length };
    },
  );

  api.delete(
    '/auth/tokens/:id',
    {
      config: sessionOnly,
      schema: {
        operationId: 'revokeToken',
        summary: 'Revoke one of your personal access tokens; it stops working at once.',
        tags: ['tokens'],
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), 404: ErrorBody, 401: ErrorBody },
      },
    },
    write(async (tx, request, reply) => {
      const user = ledgyUser(request);
      const keyId = uuidOf('token', request.params.id);
      const now = core.clock.now();
      const owned = (await core.apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id })).some((k) => k.id === keyId && isActive(k, now));
      if (!owned || !(await core.apiKeys.revoke(user.orgId, keyId, tx))) throw notFound('token');
      reply.code(204);
    }),
  );
}
