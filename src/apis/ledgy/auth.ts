import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { DomainError, invalid, notFound } from '../../platform/errors.ts';
import { parseAsset } from '../../platform/money.ts';
import { authenticateUser } from '../../platform/identity/users.ts';
import { PUBLIC_BODY_LIMIT } from '../../platform/http/surface.ts';
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

/** Sign-up, sign-in and personal access tokens, outside /api/v1 and its subscription gate. */
export function authRoutes(api: FastifyInstance, core: Core, deps: LedgyDeps) {
  api.post<{ Body: { email: string; password: string; name: string; primaryCurrency?: string } }>(
    '/auth/register',
    {
      config: { public: true, secretAnswer: true },
      // An email, a password and a name: anything larger is not a sign-up or a log-in.
      bodyLimit: PUBLIC_BODY_LIMIT,
      schema: {
        tags: ['auth'],
        body: Type.Object({
          email: Type.String({ format: 'email', maxLength: 254 }),
          password: Type.String({ minLength: 8, maxLength: 200 }),
          name: Type.String({ ...NAME, maxLength: 100 }),
          primaryCurrency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
        }),
        response: { 201: Session, ...errors(400, 409) },
      },
    },
    async (request, reply) => {
      const currency = parseAsset(request.body.primaryCurrency ?? 'USD', 'primaryCurrency').currency;
      const user = await registerLedgyUser(deps, { ...request.body, primaryCurrency: currency });
      const accessToken = await core.sessions.sign({ orgId: user.orgId, userId: user.id, surface: 'ledgy' });
      return reply.code(201).send({ user: userView(user), accessToken });
    },
  );

  api.post<{ Body: { email: string; password: string } }>(
    '/auth/login',
    {
      config: { public: true, secretAnswer: true },
      // An email, a password and a name: anything larger is not a sign-up or a log-in.
      bodyLimit: PUBLIC_BODY_LIMIT,
      schema: {
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
  const sessionOnly = { ungated: true, sessionOnly: true };

  api.post<{ Body: { name: string; scopes: string[]; expiresAt?: string | null } }>(
    '/auth/tokens',
    {
      config: { ...sessionOnly, secretAnswer: true },
      schema: {
        tags: ['tokens'],
        summary: 'Mint a personal access token. The secret is in this answer only.',
        body: Type.Object({
          name: Type.String({ ...NAME, maxLength: 100 }),
          scopes: Type.Array(Type.Union(LEDGY_SCOPES.map((s) => Type.Literal(s))), { uniqueItems: true, maxItems: LEDGY_SCOPES.length }),
          expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
        }),
        response: { 201: Type.Intersect([Token, Type.Object({ token: Type.String() })]), ...errors(400, 401, 409) },
      },
    },
    async (request, reply) => {
      const user = ledgyUser(request);
      const now = core.clock.now();
      const expiresAt = request.body.expiresAt ? new Date(request.body.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) throw invalid('expiresAt', 'expiresAt must be in the future');
      const { key, secret } = await mintLedgyToken(core, core.apiKeys, user, { name: request.body.name, scopes: request.body.scopes, expiresAt });
      return reply.code(201).header('location', `/api/auth/tokens/${id('token', key.id)}`).send({ ...tokenView(key, now), token: secret });
    },
  );

  api.get(
    '/auth/tokens',
    {
      config: sessionOnly,
      schema: { tags: ['tokens'], response: { 200: Type.Object({ items: Type.Array(Token), totalCount: Type.Integer() }), ...errors(401) } },
    },
    async (request) => {
      const user = ledgyUser(request);
      const now = core.clock.now();
      // The reference's page lists the active tokens: neither revoked nor expired (the ones the limit counts).
      const keys = (await core.apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id })).filter((k) => isActive(k, now));
      return { items: keys.map((k) => tokenView(k, now)), totalCount: keys.length };
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/auth/tokens/:id',
    { config: sessionOnly, schema: { tags: ['tokens'], params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), 404: ErrorBody, 401: ErrorBody } } },
    async (request, reply) => {
      const user = ledgyUser(request);
      const keyId = uuidOf('token', request.params.id);
      const now = core.clock.now();
      const owned = (await core.apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id })).some((k) => k.id === keyId && isActive(k, now));
      if (!owned || !(await core.apiKeys.revoke(user.orgId, keyId))) throw notFound('token');
      return reply.code(204).send();
    },
  );

}
