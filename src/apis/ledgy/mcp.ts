import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Core } from '../../core.ts';
import { DomainError } from '../../platform/errors.ts';
import { rateLimitHeaders } from '../../platform/rate-limit.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { principalOf, RATE_WINDOW_MS, rateLimitKey, type ErrorStyle, type SurfaceApp } from '../../platform/http/surface.ts';
import type { Principal } from '../../platform/identity/api-keys.ts';
import type { Queryable } from '../../platform/db.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { LEDGY_SCOPES, ledgyUser } from './context.ts';
import { ledgyError } from './errors.ts';
import type { CursorCodec } from './cursor.ts';
import { id } from './views.ts';

/**
 * Ledgy's Model Context Protocol endpoint (reference 001, "Integrations"): `POST /mcp`,
 * Streamable HTTP, stateless — every request gets its own server and transport. It is a
 * second mount of the Ledgy surface (index.ts): the same bearer credential as /api/v1 (a PAT
 * `lgpat_…` or a Ledgy session JWT), the same subscription gate and the same per-credential
 * rate limit, charged once per JSON-RPC message. Each tool checks the scope its REST twin
 * needs (a session is unscoped: it is given every scope), and each mutating tool call is its
 * own write through the write runner, audited under the tool's name.
 *
 * The path is meant to be shared with LedgerBee later, the credential deciding whose tools
 * answer; for now only Ledgy credentials are accepted.
 */

type RawWithAuth = IncomingMessage & { auth?: AuthInfo };

/** The most JSON-RPC messages one request may carry (the MCP SDK's own limit). */
const MAX_MESSAGES = 100;

const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/**
 * The pipeline's refusals (401, 403, 429) in Ledgy's `{ "error": "…" }` envelope, with
 * `WWW-Authenticate: Bearer` on a 401 as MCP clients expect; anything that fails before the
 * transport runs (a body that is not JSON, too large, …) as a JSON-RPC error.
 */
export const mcpError: ErrorStyle = (error, requestId) => {
  if (error.kind === 'unauthenticated' || error.kind === 'forbidden' || error.kind === 'rate_limited') {
    const answer = ledgyError(error, requestId);
    return answer.status === 401 ? { ...answer, headers: { ...answer.headers, 'www-authenticate': 'Bearer' } } : answer;
  }
  const { status } = ledgyError(error, requestId);
  if (status >= 500) return { status: 500, body: rpcError(-32603, 'Internal server error') };
  if (error.kind === 'malformed_json') return { status, body: rpcError(-32700, `Parse error: ${error.message}`) };
  if (error.kind === 'validation') return { status, body: rpcError(-32600, `Invalid request: ${error.message}`) };
  return { status, body: rpcError(-32000, error.message) };
};

/** What a tool call acts with: the caller, the reads, and the write runner for its writes. */
export interface ToolContext {
  deps: LedgyDeps;
  cursors: CursorCodec;
  user: ReturnType<typeof ledgyUser>;
  log: FastifyRequest['log'];
  /** Runs a mutating tool call as one write: its transaction, its audit row (operation = the tool's name). */
  write<T>(operation: string, command: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** `POST /mcp` on the MCP mount of the Ledgy surface. */
export function mcpRoutes(mcp: SurfaceApp, core: Core, deps: LedgyDeps, cursors: CursorCodec, rateLimit: (principal: Principal) => number): void {
  /**
   * The surface's hook charged this request one unit; a JSON-RPC batch (allowed by the MCP
   * versions before 2025-06-18, which the SDK still speaks) is charged one more per further
   * message, before any of them runs, so a batch of N tool calls costs what N requests do.
   */
  const chargeEachMessage = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!Array.isArray(request.body)) return;
    if (request.body.length > MAX_MESSAGES) throw new DomainError('validation', `a batch holds at most ${MAX_MESSAGES} messages`);
    const principal = principalOf(request);
    for (let i = 1; i < request.body.length; i++) {
      const decision = await core.rateLimiter.take(rateLimitKey('ledgy', principal), rateLimit(principal), RATE_WINDOW_MS, Date.now());
      reply.headers(rateLimitHeaders(decision, RATE_WINDOW_MS));
      if (!decision.allowed) throw new DomainError('rate_limited', 'too many requests (each message of a batch counts); retry after the time in Retry-After');
    }
  };

  mcp.post(
    '',
    {
      // The endpoint changes nothing itself: each mutating tool call is a write of its own.
      config: { readOnly: true, noScope: true },
      schema: {
        operationId: 'mcp',
        summary: 'Model Context Protocol, Streamable HTTP, stateless: the Ledgy tools, each checking the scope of its REST twin.',
        tags: ['mcp'],
      },
      // The answer is a stream the transport writes, never stored for replay: an
      // Idempotency-Key means nothing here (tool calls carry no key of their own).
      onRequest: async (request) => {
        delete request.headers['idempotency-key'];
      },
      preHandler: chargeEachMessage,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = ledgyUser(request);
      const [{ ledgyMcpServer }, { StreamableHTTPServerTransport }] = await Promise.all([
        import('./mcp-tools.ts'),
        import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      ]);
      const server = ledgyMcpServer({
        deps,
        cursors,
        user,
        log: request.log,
        write: (operation, command) =>
          core.writes.execute({ orgId: principal.orgId, principalId: principal.id, surface: 'ledgy', operation, requestId: request.id }, command),
      });
      (request.raw as RawWithAuth).auth = {
        token: bearerToken(request) ?? '',
        clientId: principal.kind === 'api_key' ? id('token', principal.id) : id('user', user.id),
        scopes: principal.scopes ? [...principal.scopes] : [...LEDGY_SCOPES],
        extra: { orgId: principal.orgId, userId: user.id },
      };
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
  );
}

/** Stateless: no server-initiated stream to open and no session to end, for anyone. */
export function mcpMethodNotAllowed(app: FastifyInstance): void {
  app.route({
    method: ['GET', 'DELETE'],
    url: '/mcp',
    schema: { hide: true },
    handler: async (_request, reply) => reply.code(405).header('allow', 'POST').send(rpcError(-32000, 'Method not allowed.')),
  });
}
