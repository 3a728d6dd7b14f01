import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Kontor } from '../../platform/kontor.ts';
import { registerSurface } from '../../platform/http/surface.ts';
import { DomainError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/identity/api-keys.ts';
import { getLedgyUser, subscriptionActive } from '../../ledgy/users.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ICON_CATALOGUE } from '../../ledgy/catalogue.ts';
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
import * as S from './schemas.ts';

/**
 * Ledgy (reference 001): `/api/auth/*` and `/api/v1/*`. camelCase, money as exact JSON
 * numbers in major units, `{ "error": "…" }` errors. Bearer personal access tokens
 * (`lgpat_…`, scoped) or session JWTs (unscoped); every /api/v1 route sits behind the
 * subscription gate, checked after the token and before the scope.
 */
export async function registerLedgyApi(app: FastifyInstance, kontor: Kontor): Promise<void> {
  const deps: LedgyDeps = { db: kontor.db, clock: kontor.clock, ledger: kontor.ledger, trialDays: kontor.config.ledgyTrialDays };
  await registerSurface(app, kontor, {
    name: 'ledgy',
    prefix: '/api',
    title: 'Ledgy API',
    version: '1.0.0',
    description: 'Personal and shared-ledger finance. Money is JSON numbers in major units with up to 4 decimals.',
    errors: ledgyError,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token (lgpat_ + 64 hex) or a session JWT' } },
    authenticate: async (request, token): Promise<Principal | null> => {
      if (!token) return null;
      if (token.startsWith('lgpat_')) {
        if (request.routeOptions.config?.sessionOnly) return null;
        return kontor.apiKeys.authenticate(token);
      }
      const claims = await kontor.sessions.verify(token, 'ledgy');
      if (!claims) return null;
      return { orgId: claims.orgId, surface: 'ledgy', kind: 'session', id: claims.userId, userId: claims.userId, scopes: null, mode: 'live' };
    },
    gate: async (request, principal) => {
      const user = principal.userId ? await getLedgyUser(kontor.db, principal.orgId, principal.userId) : null;
      if (!user) throw new DomainError('unauthenticated', 'Missing or invalid token');
      setLedgyUser(request, user);
      if (request.routeOptions.config?.ungated) return;
      if (!subscriptionActive(user, kontor.clock.now())) {
        throw new DomainError('forbidden', SUBSCRIPTION_REQUIRED, undefined, { subscription: true });
      }
    },
    rateLimit: () => kontor.config.rateLimitPerMinute,
    routes: async (api) => {
      installExactJson(api);
      authRoutes(api, kontor, deps);
      accountRoutes(api, deps);
      transactionRoutes(api, deps, ledgyCursors(kontor));
      categoryRoutes(api, deps);
      groupRoutes(api, deps);
      invitationRoutes(api, deps);
      budgetRoutes(api, deps);
      api.get(
        '/v1/icons',
        {
          schema: {
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
}
