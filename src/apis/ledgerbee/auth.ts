import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { DomainError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/identity/api-keys.ts';
import { PUBLIC_BODY_LIMIT, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { findToken, issueToken, revokeToken, TOKEN_PREFIX, verifyClient } from '../../ledgerbee/oauth-store.ts';
import { authMethodOf, setAuthMethod, type Companies } from './context.ts';
import { ledgerbeeSettings } from './settings.ts';
import { errors } from './schemas.ts';

export const SURFACE = 'ledgerbee';
const KEY_PREFIXES = ['lb_live_', 'lb_test_'];

/** The API key of a request: the `x-api-key` header, else the `?x-api-key=` query parameter. */
function apiKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const query = (request.query as Record<string, unknown> | undefined)?.['x-api-key'];
  return typeof query === 'string' && query.length > 0 ? query : null;
}

/** IP allow-lists, compiled once per key. */
const allowLists = new Map<string, BlockList>();
function allowed(principal: Principal, ip: string): boolean {
  const list = principal.ipAllowList;
  if (!list || list.length === 0) return true;
  let block = allowLists.get(principal.id);
  if (!block) {
    block = new BlockList();
    for (const range of list) {
      const [address, bits] = range.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) block.addAddress(address, family);
      else block.addSubnet(address, Number(bits), family);
    }
    if (allowLists.size > 10_000) allowLists.clear();
    allowLists.set(principal.id, block);
  }
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return block.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Who is calling: an `x-api-key` (header or query) or an OAuth access token as
 * `Authorization: Bearer lbat_…`. A raw API key as a bearer token is no credential (401).
 */
export function ledgerbeeAuthenticate(core: Core) {
  return async (request: FastifyRequest, bearer: string | null): Promise<Principal | null> => {
    const key = apiKeyOf(request);
    if (key) {
      const principal = await core.apiKeys.authenticate(key);
      if (!principal || principal.surface !== SURFACE) return principal;
      if (!allowed(principal, request.ip)) {
        throw new DomainError('unauthenticated', 'The API key may not be used from this IP address', undefined, { reason: 'ip_whitelist_mismatch' });
      }
      setAuthMethod(request, 'api_key');
      return principal;
    }
    if (!bearer?.startsWith(TOKEN_PREFIX)) return null;
    const token = await findToken(core.db, bearer, core.clock.now());
    if (!token) return null;
    setAuthMethod(request, 'oauth');
    return { orgId: token.orgId, surface: SURFACE, kind: 'api_key', id: token.clientRowId, userId: null, scopes: new Set(token.scopes), mode: 'live' };
  };
}

/**
 * After authentication: the company exists (seeded on first use), the route's licence, and
 * API-key-only routes.
 */
export function ledgerbeeGate(companies: Companies) {
  return async (request: FastifyRequest, principal: Principal): Promise<void> => {
    await companies.ensure(principal.orgId, request.id);
    const config = request.routeOptions.config;
    if (config?.apiKeyOnly && authMethodOf(request) !== 'api_key') {
      throw new DomainError('forbidden', 'This endpoint requires API key authentication', undefined, { reason: 'endpoint_requires_api_key_auth' });
    }
    if (config?.licence) {
      const company = await companies.get(principal.orgId);
      if (!company.licences.includes(config.licence)) {
        throw new DomainError('forbidden', `Your company needs the ${config.licence} licence for this operation`, undefined, { code: 'LICENSE.REQUIRED', licenseKey: config.licence });
      }
    }
  };
}

/**
 * Which surface a request on a path shared with Ledgy is for (a find-my-way constraint):
 * LedgerBee for an `x-api-key`, a LedgerBee token or key as bearer, or no credential at all
 * (its 401 carries Ledgy's `{error}` too); Ledgy for any other bearer token.
 */
export const CREDENTIAL_CONSTRAINT = 'ledgerbeeCredential';
export const credentialStrategy = {
  name: CREDENTIAL_CONSTRAINT,
  storage() {
    const handlers = new Map<string, unknown>();
    return { get: (value: string) => (handlers.get(value) ?? null) as any, set: (value: string, store: unknown) => void handlers.set(value, store) };
  },
  deriveConstraint(req: IncomingMessage) {
    if (req.headers['x-api-key'] !== undefined || (req.url ?? '').includes('x-api-key=')) return SURFACE;
    const authorization = req.headers.authorization;
    if (typeof authorization !== 'string') return SURFACE;
    const token = authorization.replace(/^\s*bearer\s+/i, '');
    return token.startsWith(TOKEN_PREFIX) || KEY_PREFIXES.some((p) => token.startsWith(p)) ? SURFACE : 'other';
  },
  mustMatchWhenDerived: false,
  validate() {},
};
/** Route options of a LedgerBee route on a path Ledgy also serves. */
export const SHARED_ROUTE = { constraints: { [CREDENTIAL_CONSTRAINT]: SURFACE } };

const TokenBody = Type.Object(
  {
    grant_type: Type.String({ description: 'client_credentials' }),
    client_id: Type.String({ maxLength: 200 }),
    client_secret: Type.String({ maxLength: 200 }),
    scope: Type.Optional(Type.String({ description: 'Ignored: the scopes come from the client configuration.' })),
  },
  { title: 'TokenRequestDto' },
);
const TokenDto = Type.Object(
  { access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String({ description: 'The granted scopes, space-separated.' }) },
  { title: 'TokenResponseDto' },
);
const RevokeBody = Type.Object(
  { token: Type.String({ maxLength: 200 }), client_id: Type.String({ maxLength: 200 }), client_secret: Type.String({ maxLength: 200 }), token_type_hint: Type.Optional(Type.String()) },
  { title: 'RevokeTokenRequestDto' },
);
const OAuthErrorDto = Type.Object({ error: Type.String(), error_description: Type.String() }, { title: 'OAuthErrorDto', description: 'Rate limit exceeded (RFC 6749 error shape).' });
const FORM = { consumes: ['application/x-www-form-urlencoded'] };
const OAUTH_ROUTE = { config: { public: true, secretAnswer: true }, bodyLimit: PUBLIC_BODY_LIMIT };

/**
 * The OAuth endpoints' own limit: per client IP (and, for tokens, per `client_id`), before any
 * credential is checked; `X-Rate-Limit-Remaining` / `X-Rate-Limit-Reset` report the IP's
 * allowance; a 429 is in the OAuth error shape.
 */
function oauthLimit(core: Core, endpoint: string) {
  const limit = ledgerbeeSettings(core.config.env).oauthPerMinute;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const now = Date.now();
    const byIp = await core.rateLimiter.take(`${SURFACE}:${endpoint}:ip:${request.ip}`, limit, 60_000, now);
    reply.header('x-rate-limit-remaining', String(byIp.remaining));
    reply.header('x-rate-limit-reset', String(Math.ceil((now + byIp.resetMs) / 1000)));
    let ok = byIp.allowed;
    const clientId = (request.body as { client_id?: unknown } | undefined)?.client_id;
    if (ok && endpoint === 'token' && typeof clientId === 'string') ok = (await core.rateLimiter.take(`${SURFACE}:${endpoint}:client:${clientId}`, limit, 60_000, now)).allowed;
    if (!ok) return reply.code(429).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'invalid_client', error_description: 'Rate limit exceeded. Try again later.' }));
  };
}

const invalidClient = () => new DomainError('unauthenticated', 'Invalid client credentials', 'client_id', { code: 'INVALID_CLIENT', reason: 'invalid_client' });

export function oauthRoutes(api: SurfaceApp, core: Core) {
  const tags = ['Authentication'];
  api.post(
    '/v1/auth/token',
    {
      ...OAUTH_ROUTE,
      preHandler: oauthLimit(core, 'token'),
      schema: {
        operationId: 'createAccessToken',
        summary: 'Exchange OAuth 2.0 client credentials (form-encoded) for an access token living 3600 s with the client’s scopes.',
        tags,
        ...FORM,
        body: TokenBody,
        response: { 200: TokenDto, ...errors(400, 401), 429: OAuthErrorDto },
      },
    },
    write(async (tx, request) => {
      if (request.body.grant_type !== 'client_credentials') {
        throw new DomainError('validation', 'grant_type must be client_credentials', 'grant_type', { code: 'UNSUPPORTED_GRANT_TYPE' });
      }
      const client = await verifyClient(tx, request.body.client_id, request.body.client_secret);
      if (!client) throw invalidClient();
      const issued = await issueToken(tx, client, core.clock.now());
      return { access_token: issued.token, token_type: 'Bearer' as const, expires_in: issued.expiresIn, scope: issued.scopes.join(' ') };
    }),
  );
  api.post(
    '/v1/oauth/revoke',
    {
      ...OAUTH_ROUTE,
      preHandler: oauthLimit(core, 'revoke'),
      schema: {
        operationId: 'revokeAccessToken',
        summary: 'Revoke one of the client’s access tokens at once (RFC 7009: an unknown token is no error).',
        tags,
        ...FORM,
        body: RevokeBody,
        response: { 200: Type.Object({}, { title: 'RevokeTokenResponseDto' }), ...errors(400, 401), 429: OAuthErrorDto },
      },
    },
    write(async (tx, request) => {
      const client = await verifyClient(tx, request.body.client_id, request.body.client_secret);
      if (!client) throw invalidClient();
      await revokeToken(tx, client, request.body.token, core.clock.now());
      return {};
    }),
  );
}
