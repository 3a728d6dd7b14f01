import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import { registerSurface, type SurfaceApp } from '../../platform/http/surface.ts';
import { bearerToken } from '../../platform/http/bearer.ts';
import { Companies } from './context.ts';
import { ledgerbeeError, ledgerbeeEnvelope } from './errors.ts';
import { CREDENTIAL_CONSTRAINT, credentialStrategy, ledgerbeeAuthenticate, ledgerbeeGate, oauthRoutes, SURFACE } from './auth.ts';
import { deprecationHeaders } from './deprecation.ts';
import { dtoComponents } from './openapi.ts';
import { informationRoutes } from './information.ts';
import { customerRoutes } from './customers.ts';
import { vendorRoutes } from './vendors.ts';
import { projectRoutes } from './projects.ts';
import { journalEntryRoutes } from './journal-entries.ts';
import { dimensionRoutes } from './dimensions.ts';
import { draftJournalEntryRoutes } from './draft-journal-entries.ts';

const DESCRIPTION =
  'LedgerBee (reference 004): Danish bookkeeping for one company per credential. camelCase DTOs, uuid ids, amounts in integer minor units ' +
  '(øre), dates YYYY-MM-DD. Errors are `{statusCode, timestamp, path, message, code, details}`; bad input is `SHARED_VALIDATION_FAILED` with ' +
  '`details.validationErrors[{property, constraints}]`, and unknown request fields are refused. Paginated lists take `page` and `limit` and ' +
  'answer `{<items>, total, page, limit, totalPages}`. Deprecated v1 operations answer `Deprecation`, `Sunset` and `Link` headers. ' +
  'Authenticate with `x-api-key` (header, or the `x-api-key` query parameter) or an OAuth 2.0 client-credentials token as a bearer token.';

/** Form-encoded bodies (the OAuth endpoints), read with the platform's URLSearchParams. */
function formBodies(api: SurfaceApp) {
  api.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}

/**
 * Unknown routes under `/api/v1` (shared with Ledgy) and `/api/v2`: a request with a Ledgy
 * bearer token gets Ledgy's `{error}`; any other the LedgerBee body, on `/api/v1` with Ledgy's
 * `error` field too.
 */
function notFound(app: FastifyInstance, prefix: string, shared: boolean) {
  return app.register(
    async (scope) => {
      scope.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
        const message = `no route ${request.method} ${request.url.split('?')[0]}`;
        const bearer = bearerToken(request);
        if (shared && bearer && credentialStrategy.deriveConstraint(request.raw) !== SURFACE) return reply.code(404).send({ error: message });
        const { status, body } = ledgerbeeError({ kind: 'route_not_found', message }, request, shared);
        return reply.code(status).send(body);
      });
    },
    { prefix },
  );
}

/**
 * LedgerBee at `/api/v1` and `/api/v2`, beside Ledgy's `/api`: one mount at `/api` (no 404
 * of its own there: unknown `/api/…` paths stay Ledgy's), where `/api/v1/accounts` is
 * served by whichever surface the credential belongs to.
 */
export async function registerLedgerBeeApi(app: FastifyInstance, core: Core): Promise<void> {
  if (!app.hasConstraintStrategy(CREDENTIAL_CONSTRAINT)) app.addConstraintStrategy(credentialStrategy as any);
  const companies = new Companies(core);
  await registerSurface(app, core, {
    name: SURFACE,
    prefix: '/api',
    notFound: false,
    title: 'LedgerBee API',
    version: '1.0.0',
    description: DESCRIPTION,
    errors: ledgerbeeEnvelope,
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An API key (lb_live_…), from `kontor keys create --surface ledgerbee`' },
      oauth2: { type: 'oauth2', description: 'OAuth 2.0 client credentials (`kontor ledgerbee oauth-clients create`)', flows: { clientCredentials: { tokenUrl: '/api/v1/auth/token', scopes: {} } } },
    },
    authenticate: ledgerbeeAuthenticate(core),
    gate: ledgerbeeGate(companies),
    rateLimit: () => core.config.rateLimitPerMinute,
    routes: async (api) => {
      formBodies(api);
      api.addHook('onRequest', async (request, reply) => {
        deprecationHeaders(request, reply);
        const expires = request.principal?.expiresAt;
        if (expires) reply.header('x-api-key-expires-at', expires.toISOString());
      });
      oauthRoutes(api, core);
      informationRoutes(api, core, companies);
      dimensionRoutes(api, core);
      journalEntryRoutes(api, core);
      draftJournalEntryRoutes(api, core);
      // Each group: (api, core, companies) => void.
      customerRoutes(api, core, companies);
      vendorRoutes(api, core, companies);
      projectRoutes(api, core, companies);
    },
  });
  const document = core.openapi.get(SURFACE);
  if (document) core.openapi.set(SURFACE, () => dtoComponents(document()));
  await notFound(app, '/api/v1', true);
  await notFound(app, '/api/v2', false);
}
