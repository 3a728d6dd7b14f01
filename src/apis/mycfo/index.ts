import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { registerSurface } from '../../platform/http/surface.ts';
import { installExactSerializer } from '../../platform/http/exact-serializer.ts';
import { mycfoError } from './errors.ts';
import { mycfoSettings } from './settings.ts';
import { authRoutes } from './auth.ts';
import { workspaceRoutes } from './workspaces.ts';
import { ingestRoutes } from './ingest.ts';
import { analyticsRoutes } from './analytics.ts';
import { stripeRoutes } from './stripe.ts';
import { advisoryRoutes } from './advisory.ts';
import { cfoDeps } from '../../mycfo/workspaces.ts';

/** MyCFO (reference 002) at `/v1`: snake_case, integer cents, JWT sessions. */
export async function registerMycfoApi(app: FastifyInstance, core: Core): Promise<void> {
  const settings = mycfoSettings(core.config.env);
  await registerSurface(app, core, {
    name: 'mycfo',
    prefix: '/v1',
    title: 'MyCFO API',
    version: '1.0.0',
    description: 'CFO-grade metrics, forecasts, scenarios, and alerts, scoped to your organization. All amounts are in cents.',
    errors: mycfoError,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    authenticate: async (_request, token) => {
      if (!token) return null;
      const claims = await core.sessions.verify(token, 'mycfo');
      if (!claims) return null;
      return { orgId: claims.orgId, surface: 'mycfo', kind: 'session', id: claims.userId, userId: claims.userId, scopes: null, mode: 'live' };
    },
    rateLimit: () => core.config.rateLimitPerMinute,
    routes: async (api) => {
      installExactSerializer(api);
      // One per server: it holds the workspace ledgers' account ids it has read.
      const cfo = cfoDeps(core);
      authRoutes(api, core);
      workspaceRoutes(api, core, cfo);
      ingestRoutes(api, core, cfo);
      analyticsRoutes(api, core, cfo);
      stripeRoutes(api, core, cfo, settings);
      advisoryRoutes(api, core, cfo, settings);
    },
  });
}
