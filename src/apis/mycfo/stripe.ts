import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf } from '../../platform/http/surface.ts';
import { importFromStripe } from '../../mycfo/stripe-import.ts';
import * as S from './schemas.ts';
import { idFrom, ingestView } from './views.ts';

const IngestResult = Type.Object({ ingest_id: S.Id('ing'), status: Type.Literal('completed'), inserted: Type.Integer(), duplicates: Type.Integer() });

/**
 * `POST /workspaces/{id}/ingest/stripe`. The body holds a Stripe secret key: Fastify does not
 * log bodies, the key is handed to the import and dropped, and no error message repeats it.
 * (With an Idempotency-Key the stored fingerprint is a SHA-256 over the body, never the body.)
 */
export function stripeRoutes(api: FastifyInstance, core: Core) {
  api.post<{ Params: { id: string }; Body: { stripe_api_key: string } }>(
    '/workspaces/:id/ingest/stripe',
    {
      schema: {
        tags: ['ingest'],
        summary:
          'Pull paid invoices, standalone charges, succeeded refunds and subscription metadata from Stripe with your secret key (used for this call only, never stored). Re-running is safe: known objects are duplicates.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({
          stripe_api_key: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_]+$', description: 'A Stripe secret or restricted key: sk_live_…, sk_test_…, rk_…' }),
        }),
        response: { 202: IngestResult, ...S.errors(400, 401, 404, 409, 422, 502) },
      },
    },
    async (request, reply) => {
      const orgId = principalOf(request).orgId;
      const result = await importFromStripe(core, orgId, idFrom('workspace', request.params.id), request.body.stripe_api_key, {
        apiBase: core.config.stripeApiBase,
      });
      return reply.code(202).send(ingestView(result));
    },
  );
}
