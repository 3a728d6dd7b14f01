import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rollSecret, type WebhookEndpoint, type WebhookWorld } from '../../platform/webhooks/endpoints.ts';
import { listDeliveries, type DeliveryRecord } from '../../platform/webhooks/deliveries.ts';
import { eventIdText, recordEvent } from '../../platform/webhooks/outbox.ts';
import { webhookSettings } from '../../platform/webhooks/settings.ts';
import { mayReachPrivate } from '../../platform/webhooks/urls.ts';
import { pageOf, pageRequest } from '../../billing/scope.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import * as W from './webhook-schemas.ts';
import { scopeOf } from './context.ts';
import { idOf, pageView, uuidOf } from './views.ts';

const tags = ['webhook endpoints'];
const ENDPOINT = 'we';
const DELIVERY = 'wdl';
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'A webhook endpoint id, we_…' }) });
export const TEST_EVENT = 'webhook.test';

/** The app's endpoints of this surface in the key's mode: another app's or mode's are not found. */
const worldOf = (request: FastifyRequest): WebhookWorld => ({ ...scopeOf(request), surface: 'billing' });
const endpointId = (request: { params: { id: string } }) => uuidOf(ENDPOINT, request.params.id);
const time = (d: Date | null) => (d === null ? null : d.toISOString());

export function endpointView(e: WebhookEndpoint) {
  return {
    id: idOf(ENDPOINT, e.id),
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    mode: e.mode,
    previous_secret_expires_at: time(e.previousSecretUntil),
    app_id: e.orgId,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

function deliveryView(d: DeliveryRecord) {
  return {
    id: idOf(DELIVERY, d.id),
    event_id: eventIdText(d.eventId),
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      attempt: a.attempt,
      at: a.at.toISOString(),
      status: a.succeeded ? ('succeeded' as const) : ('failed' as const),
      response_code: a.responseCode,
      error: a.error,
      duration_ms: a.durationMs,
    })),
    next_attempt_at: time(d.nextAttemptAt),
    created_at: d.createdAt.toISOString(),
  };
}

/**
 * Outgoing webhooks of the billing surface (decision 0021): the app's endpoints, each
 * receiving the events of its filter signed with Standard Webhooks signatures, in the key's
 * mode only. Secrets are shown once, on create and on roll.
 */
export function webhookEndpointRoutes(api: SurfaceApp, { db, clock, config }: Core) {
  const settings = webhookSettings(config.env);

  api.post(
    '/webhook-endpoints',
    {
      config: { scope: 'billing:write', secretAnswer: true },
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Create a webhook endpoint; the answer holds its signing secret (whsec_…), shown this once.',
        tags,
        body: W.NewWebhookEndpoint,
        response: { 201: W.WebhookEndpointWithSecret, ...S.errorResponses(400, 401, 403) },
      },
    },
    write(async (tx, request, reply) => {
      const world = worldOf(request);
      const { url, description, event_types } = request.body;
      const { endpoint, secret } = await createEndpoint(tx, world, { url: url ?? '', description, eventTypes: event_types }, clock.now(), mayReachPrivate(settings.privateUrls, world.mode));
      reply.code(201);
      return { ...endpointView(endpoint), secret };
    }),
  );

  api.get(
    '/webhook-endpoints',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: "List the app's webhook endpoints in the key's mode, oldest first.",
        tags,
        querystring: Type.Object(S.PageQuery),
        response: { 200: S.PageOf(W.WebhookEndpoint), ...S.errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const page = pageRequest(request.query.limit, request.query.offset);
      const { items, total } = await listEndpoints(db, worldOf(request), page.limit, page.offset);
      return pageView(pageOf(items, total, page), endpointView);
    },
  );

  api.get(
    '/webhook-endpoints/:id',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'getWebhookEndpoint', summary: 'Get a webhook endpoint (without its secret).', tags, params: IdParams, response: { 200: W.WebhookEndpoint, ...S.errorResponses(401, 403, 404) } },
    },
    async (request) => endpointView(await getEndpoint(db, worldOf(request), endpointId(request))),
  );

  api.delete(
    '/webhook-endpoints/:id',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint; deliveries not yet made to it are dropped.',
        tags,
        params: IdParams,
        response: { 204: Type.Null(), ...S.errorResponses(401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      await deleteEndpoint(tx, worldOf(request), endpointId(request));
      reply.code(204);
    }),
  );

  api.post(
    '/webhook-endpoints/:id/roll-secret',
    {
      config: { scope: 'billing:write', secretAnswer: true },
      schema: {
        operationId: 'rollWebhookEndpointSecret',
        summary: 'Replace the signing secret; the previous one keeps signing beside it for 24 hours. The new secret is shown this once.',
        tags,
        params: IdParams,
        response: { 200: W.WebhookEndpointWithSecret, ...S.errorResponses(401, 403, 404) },
      },
    },
    write(async (tx, request) => {
      const { endpoint, secret } = await rollSecret(tx, worldOf(request), endpointId(request), clock.now());
      return { ...endpointView(endpoint), secret };
    }),
  );

  api.post(
    '/webhook-endpoints/:id/test',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'sendWebhookTestEvent',
        summary: 'Send a webhook.test event to this endpoint only, whatever its filter; delivered like any event (see its deliveries).',
        tags,
        params: IdParams,
        response: { 202: W.TestEvent, ...S.errorResponses(401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      const world = worldOf(request);
      const endpoint = await getEndpoint(tx, world, endpointId(request));
      const id = idOf(ENDPOINT, endpoint.id);
      const at = await worldNow(tx, scopeOf(request), clock);
      const eventId = await recordEvent(tx, { ...world, type: TEST_EVENT, data: { endpoint_id: id, message: 'A test event from Kontor.' }, at, endpointId: endpoint.id });
      reply.code(202);
      return { id: eventId, type: TEST_EVENT, endpoint_id: id };
    }),
  );

  api.get(
    '/webhook-endpoints/:id/deliveries',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: "An endpoint's deliveries, newest first, each with its attempts (time, status, response code).",
        tags,
        params: IdParams,
        querystring: Type.Object(S.PageQuery),
        response: { 200: S.PageOf(W.Delivery), ...S.errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const world = worldOf(request);
      const endpoint = await getEndpoint(db, world, endpointId(request));
      const page = pageRequest(request.query.limit, request.query.offset);
      const { items, total } = await listDeliveries(db, world, endpoint.id, page.limit, page.offset);
      return pageView(pageOf(items, total, page), deliveryView);
    },
  );
}
