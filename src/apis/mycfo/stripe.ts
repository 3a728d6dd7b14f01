import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { MycfoSettings } from './settings.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import type { IngestRow } from '../../mycfo/ingest.ts';
import { readStripeAccount, writeStripeRows } from '../../mycfo/stripe-import.ts';
import type { CfoDeps } from '../../mycfo/workspaces.ts';
import * as S from './schemas.ts';
import { idFrom, ingestView } from './views.ts';

/**
 * `POST /workspaces/{id}/ingest/stripe`. The body holds a Stripe secret key: Fastify does not
 * log bodies, the key is handed to the import and dropped, and no error message repeats it.
 * (With an Idempotency-Key the stored fingerprint is a SHA-256 over the body, never the body.)
 *
 * Stripe is read in a preHandler, before the write's transaction opens; the handler then
 * writes what was read in the write runner's transaction. A replayed Idempotency-Key answers
 * before either step, so it never calls Stripe.
 */
export function stripeRoutes(api: SurfaceApp, core: Core, cfo: CfoDeps, settings: MycfoSettings) {
  const fetched = new WeakMap<object, { workspaceId: string; rows: IngestRow[] }>();

  api.post(
    '/workspaces/:id/ingest/stripe',
    {
      schema: {
        operationId: 'ingestStripe',
        tags: ['ingest'],
        summary:
          'Pull paid invoices, standalone charges, succeeded refunds and subscription metadata from Stripe with your secret key (used for this call only, never stored). Re-running is safe: known objects are duplicates.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({
          stripe_api_key: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_]+$', description: 'A Stripe secret or restricted key: sk_live_…, sk_test_…, rk_…' }),
        }),
        response: { 202: S.IngestResult, ...S.errors(400, 401, 404, 409, 422, 502) },
      },
      preHandler: async (request) => {
        const workspaceId = idFrom('workspace', request.params.id);
        const rows = await readStripeAccount(core.db, principalOf(request).orgId, workspaceId, request.body.stripe_api_key, { apiBase: settings.stripeApiBase });
        fetched.set(request, { workspaceId, rows });
      },
    },
    write(async (tx, request, reply) => {
      const { workspaceId, rows } = fetched.get(request)!;
      const result = await writeStripeRows(tx, cfo, principalOf(request).orgId, workspaceId, rows);
      reply.code(202);
      return ingestView(result);
    }),
  );
}
