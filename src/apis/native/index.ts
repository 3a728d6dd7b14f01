import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core.ts';
import { registerSurface } from '../../platform/http/surface.ts';
import { problemJson } from './errors.ts';
import { ledgerRoutes } from './ledgers.ts';
import { accountRoutes } from './accounts.ts';
import { entryRoutes } from './entries.ts';

export const KONTOR_SCOPES = ['ledger:read', 'ledger:write'] as const;

/** `/kontor/v1`: the ledger as Kontor's own API, with API keys and problem+json errors. */
export async function registerKontorApi(app: FastifyInstance, core: Core): Promise<void> {
  await registerSurface(app, core, {
    name: 'kontor',
    prefix: '/kontor/v1',
    title: 'Kontor native API',
    version: '1.0.0',
    description:
      'The double-entry ledger as Kontor\'s own API. Amounts are exact decimal strings in major units of the ' +
      'account\'s asset ("12.50" of USD/2). Errors are RFC 9457 problem details. Writes accept Idempotency-Key.',
    errors: problemJson,
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: kt_live_… or kt_test_…' } },
    authenticate: async (_request, token) => (token ? core.apiKeys.authenticate(token) : null),
    rateLimit: () => core.config.rateLimitPerMinute,
    routes: async (api) => {
      ledgerRoutes(api, core);
      accountRoutes(api, core);
      entryRoutes(api, core);
    },
  });
}
