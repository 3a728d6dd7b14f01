import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { registerSurface, type SurfaceOptions } from '../../platform/http/surface.ts';
import { DomainError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/identity/api-keys.ts';
import { getLedgyUser, subscriptionActive } from '../../ledgy/users.ts';
import { ledgyDeps } from '../../ledgy/deps.ts';
import { ICON_CATALOGUE } from '../../ledgy/catalogue.ts';
import { ledgySettings } from './settings.ts';
import { ledgyError, SUBSCRIPTION_REQUIRED } from './errors.ts';
import { installExactJson } from './json.ts';
import { setLedgyUser } from './context.ts';
import { ledgyCursors } from './cursor.ts';
import { authRoutes } from './auth.ts';
import { accountRoutes } from './accounts.ts';
import { transactionRoutes } from './transactions.ts';
import { categoryRoutes } from './categories.ts';
import { groupRoutes } from './groups.ts';
import { invitationRoutes } from './invitations.ts';
import { budgetRoutes } from './budgets.ts';
import { mcpError, mcpMethodNotAllowed, mcpRoutes } from './mcp.ts';
import * as S from './schemas.ts';

/** Who may call Ledgy, and how often: the same for its REST API and its MCP endpoint. */
type LedgyPipeline = Pick<SurfaceOptions, 'name' | 'authenticate' | 'gate' | 'rateLimit'>;

function ledgyPipeline(core: Core): LedgyPipeline {
  return {
    name: 'ledgy',
    authenticate: async (request, token): Promise<Principal | null> => {
      if (!token) return null;
      if (token.startsWith('lgpat_')) {
        if (request.routeOptions.config?.sessionOnly) return null;
        return core.apiKeys.authenticate(token);
      }
      const claims = await core.sessions.verify(token, 'ledgy');
      if (!claims) return null;
      return { orgId: claims.orgId, surface: 'ledgy', kind: 'session', id: claims.userId, userId: claims.userId, scopes: null, mode: 'live' };
    },
    gate: async (request, principal) => {
      const user = principal.userId ? await getLedgyUser(core.db, principal.orgId, principal.userId) : null;
      if (!user) throw new DomainError('unauthenticated', 'Missing or invalid token');
      setLedgyUser(request, user);
      if (request.routeOptions.config?.ungated) return;
      if (!subscriptionActive(user, core.clock.now())) {
        throw new DomainError('forbidden', SUBSCRIPTION_REQUIRED, undefined, { subscription: true });
      }
    },
    rateLimit: () => core.config.rateLimitPerMinute,
  };
}

/**
 * Ledgy (reference 001): `/api/auth/*` and `/api/v1/*`. camelCase, money as exact JSON
 * numbers in major units, `{ "error": "…" }` errors. Bearer personal access tokens
 * (`lgpat_…`, scoped) or session JWTs (unscoped); every /api/v1 route sits behind the
 * subscription gate, checked after the token and before the scope. Its MCP endpoint (`/mcp`)
 * is a second mount of the same surface: the same credentials, gate and rate limit.
 */
export async function registerLedgyApi(app: FastifyInstance, core: Core): Promise<void> {
  const deps = ledgyDeps(core, ledgySettings(core.config.env).trialDays);
  const cursors = ledgyCursors(core);
  const pipeline = ledgyPipeline(core);
  await registerSurface(app, core, {
    ...pipeline,
    prefix: '/api',
    title: 'Ledgy API',
    version: '1.0.0',
    description: 'Personal and shared-ledger finance. Money is JSON numbers in major units with up to 4 decimals.',
    errors: ledgyError,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token (lgpat_ + 64 hex) or a session JWT' } },
    routes: async (api) => {
      installExactJson(api);
      authRoutes(api, core, deps);
      accountRoutes(api, deps);
      transactionRoutes(api, deps, cursors);
      categoryRoutes(api, deps);
      groupRoutes(api, deps);
      invitationRoutes(api, deps);
      budgetRoutes(api, deps);
      api.get(
        '/v1/icons',
        {
          config: { noScope: true },
          schema: {
            operationId: 'getIcons',
            tags: ['icons'],
            summary: 'The icon library and colour palette; needs a valid token and no scope.',
            response: {
              200: Type.Object({
                version: Type.String(),
                library: Type.String(),
                categories: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), icons: Type.Array(Type.String()) })),
                colors: Type.Array(Type.Object({ name: Type.String(), hex: Type.String() })),
              }),
              ...S.errors(401, 403),
            },
          },
        },
        async () => ICON_CATALOGUE,
      );
    },
  });
  await registerSurface(app, core, {
    ...pipeline,
    prefix: '/mcp',
    title: 'Ledgy MCP',
    version: '1.0.0',
    document: false,
    errors: mcpError,
    routes: (mcp) => mcpRoutes(mcp, core, deps, cursors, pipeline.rateLimit),
  });
  mcpMethodNotAllowed(app);
}
