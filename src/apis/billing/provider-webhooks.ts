import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { applyPaddleEvent, applyStripeEvent, verifyPaddleEvent, verifyStripeEvent, type VerifiedEvent } from '../../billing/provider-webhooks.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';

const tags = ['provider webhooks'];
const Received = Type.Object({
  received: Type.Boolean(),
  outcome: Type.String({ description: 'What Kontor did with the event: payment_succeeded, payment_failed, refunded: <total>, duplicate, ignored, …' }),
});
const headerOf = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
};
/** The body as it came: signatures are over these bytes (an absent body is empty). */
const rawOf = (request: FastifyRequest) => (typeof request.body === 'string' ? request.body : '');

/**
 * The payment providers' webhooks at `/webhooks` (the reference's paths): public routes that
 * prove themselves by their signature over the raw body, so they are not limited per client
 * address. A preHandler verifies the signature and finds the app (decision 0028); the write
 * applies the event in one transaction, its id claimed in it (a redelivery changes nothing).
 */
export function providerWebhookRoutes(api: SurfaceApp, { db, clock, ledger }: Core) {
  // Every body is kept as text, whatever its content type: the signature needs it unparsed.
  api.removeAllContentTypeParsers();
  api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const verified = new WeakMap<object, VerifiedEvent>();
  const route = (operationId: string, summary: string, header: string, description: string, errors: number[]) => ({
    config: { public: true, addressLimit: false } as const,
    schema: {
      operationId,
      summary,
      description,
      tags,
      headers: Type.Object({ [header]: Type.Optional(Type.String({ description: `The provider's signature of the raw body.` })) }),
      response: { 200: Received, ...S.errorResponses(...errors) },
    },
  });

  api.post(
    '/stripe',
    {
      ...route(
        'handleStripeWebhook',
        'Receive a Stripe event: payment_intent.succeeded, payment_intent.payment_failed and charge.refunded update payments and invoices; others are acknowledged and ignored.',
        'stripe-signature',
        'The raw Stripe event, signed with the webhook secret of the app’s Stripe account (set by the operator). 400: unreadable body; 401: the signature does not verify.',
        [400, 401],
      ),
      preHandler: async (request) => {
        verified.set(request, await verifyStripeEvent(db, rawOf(request), headerOf(request, 'stripe-signature')));
      },
    },
    write(async (tx, request) => {
      const { scope, event } = verified.get(request)!;
      return { received: true, outcome: await applyStripeEvent(tx, scope, event, await worldNow(tx, scope, clock), ledger) };
    }),
  );

  api.post(
    '/paddle',
    {
      ...route(
        'handlePaddleWebhook',
        'Receive a Paddle Billing event: transaction.completed / .paid, transaction.payment_failed and refund adjustments update payments and invoices; others are acknowledged and ignored.',
        'paddle-signature',
        'The raw Paddle event with `Paddle-Signature: ts=…;h1=…` (HMAC-SHA256 of `ts:body` with the app’s webhook secret). 400 on any failure, as the reference answers.',
        [400],
      ),
      preHandler: async (request) => {
        verified.set(request, await verifyPaddleEvent(db, rawOf(request), headerOf(request, 'paddle-signature'), clock.now()));
      },
    },
    write(async (tx, request) => {
      const { scope, event } = verified.get(request)!;
      return { received: true, outcome: await applyPaddleEvent(tx, scope, event, await worldNow(tx, scope, clock), ledger) };
    }),
  );
}
