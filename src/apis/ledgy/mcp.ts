import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Core } from '../../core.ts';
import { DomainError } from '../../platform/errors.ts';
import { rateLimitHeaders } from '../../platform/rate-limit.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import type { Principal } from '../../platform/identity/api-keys.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { getLedgyUser, subscriptionActive, type LedgyUser } from '../../ledgy/users.ts';
import { LEDGY_SCOPES } from './context.ts';
import { SUBSCRIPTION_REQUIRED } from './errors.ts';
import { ledgyCursors } from './cursor.ts';
import { id } from './views.ts';

/**
 * Ledgy's Model Context Protocol endpoint (reference 001, "Integrations"): `POST /mcp`,
 * Streamable HTTP, stateless — every request gets its own server and transport. The caller
 * is the same bearer credential as /api/v1 (a PAT `lgpat_…` or a Ledgy session JWT), behind
 * the same subscription gate and per-credential rate limit. Each tool checks the scope its
 * REST twin needs; a session is unscoped (it is given every scope).
 *
 * The path is meant to be shared with LedgerBee later, the credential deciding whose tools
 * answer; for now only Ledgy credentials are accepted.
 */

type RawWithAuth = IncomingMessage & { auth?: AuthInfo };

const WINDOW_MS = 60_000;

// ---- authentication ------------------------------------------------------------------

/** The Ledgy principal behind a bearer token, or null (malformed, unknown, expired, revoked). */
async function ledgyPrincipal(core: Core, token: string): Promise<Principal | null> {
  if (token.startsWith('lgpat_')) {
    const principal = await core.apiKeys.authenticate(token);
    return principal && principal.surface === 'ledgy' ? principal : null;
  }
  const claims = await core.sessions.verify(token, 'ledgy');
  if (!claims) return null;
  return { orgId: claims.orgId, surface: 'ledgy', kind: 'session', id: claims.userId, userId: claims.userId, scopes: null, mode: 'live' };
}

const users = new WeakMap<FastifyRequest, LedgyUser>();

function deny(reply: FastifyReply, status: number, error: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type('application/json; charset=utf-8').send({ error });
}

// ---- the route -----------------------------------------------------------------------

const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

export async function registerLedgyMcp(app: FastifyInstance, core: Core): Promise<void> {
  const deps: LedgyDeps = { db: core.db, clock: core.clock, ledger: core.ledger, trialDays: core.config.ledgyTrialDays };
  const cursors = ledgyCursors(core);

  // Same order as the /api/v1 pipeline: token, subscription gate, rate limit.
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request) ?? '';
    const principal = token ? await ledgyPrincipal(core, token) : null;
    const user = principal?.userId ? await getLedgyUser(core.db, principal.orgId, principal.userId) : null;
    if (!principal || !user) return deny(reply, 401, 'Missing or invalid token', { 'www-authenticate': 'Bearer' });
    if (!subscriptionActive(user, core.clock.now())) return deny(reply, 403, SUBSCRIPTION_REQUIRED, { 'x-subscription-required': 'true' });

    const decision = await core.rateLimiter.take(`ledgy:${principal.id}`, core.config.rateLimitPerMinute, WINDOW_MS, Date.now());
    reply.headers(rateLimitHeaders(decision, WINDOW_MS));
    if (!decision.allowed) return deny(reply, 429, 'too many requests; retry after the time in Retry-After');

    users.set(request, user);
    (request.raw as RawWithAuth).auth = {
      token,
      clientId: principal.kind === 'api_key' ? id('token', principal.id) : id('user', user.id),
      scopes: principal.scopes ? [...principal.scopes] : [...LEDGY_SCOPES],
      extra: { orgId: principal.orgId, userId: user.id },
    };
  };

  app.route({
    method: 'POST',
    url: '/mcp',
    schema: { hide: true },
    onRequest: authenticate,
    // Failures before the transport runs (a body that is not JSON, too large, …) answer in JSON-RPC.
    errorHandler: (error: any, request, reply) => {
      // The shared input guard refuses NUL characters and deep nesting before the transport runs.
      if (error instanceof DomainError && error.code === 'validation') return reply.code(400).send(rpcError(-32600, `Invalid request: ${error.message}`));
      const status = typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) {
        request.log.error({ err: error }, 'MCP request failed');
        return reply.code(500).send(rpcError(-32603, 'Internal server error'));
      }
      return reply.code(status).send(rpcError(status === 400 ? -32700 : -32000, status === 400 ? `Parse error: ${error.message}` : error.message));
    },
    handler: async (request, reply) => {
      const user = users.get(request)!;
      const [{ ledgyMcpServer }, { StreamableHTTPServerTransport }] = await Promise.all([
        import('./mcp-tools.ts'),
        import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      ]);
      const server = ledgyMcpServer(deps, cursors, user, request.log);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      await server.connect(transport);

      // From here on the transport writes the response; headers set so far (request id,
      // rate limit) are handed to the raw response, which Fastify no longer manages.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value as string | number | string[]);
      }
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await transport.handleRequest(request.raw as RawWithAuth, reply.raw, request.body);
      } catch (error) {
        request.log.error({ err: error }, 'MCP transport failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(rpcError(-32603, 'Internal server error')));
        } else {
          reply.raw.end();
        }
      }
    },
  });

  // Stateless: no server-initiated stream to open and no session to end.
  app.route({
    method: ['GET', 'DELETE'],
    url: '/mcp',
    schema: { hide: true },
    handler: async (_request, reply) => reply.code(405).header('allow', 'POST').send(rpcError(-32000, 'Method not allowed.')),
  });
}
