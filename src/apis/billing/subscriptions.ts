import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { pageRequest } from '../../billing/scope.ts';
import type { SubscriptionStatus } from '../../billing/subscription-states.ts';
import { cancel, createSubscription, getSubscription, listSubscriptions, pause, resume, switchPlan, updateSubscription } from '../../billing/subscription-store.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf, tenantOf } from './context.ts';
import { PREFIX, pageView, subscriptionView, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('subscriptions');
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'A subscription id, sub_…' }) });
const subscriptionId = (request: { params: { id: string } }) => uuidOf(PREFIX.subscription, request.params.id);

/**
 * The tenant a new subscription is for: `tenant_id` in the body (the reference's example) or
 * the X-Tenant-ID tenant; both given must agree. Neither: 400 `invalid_input`, the
 * reference's own answer for a missing tenant_id.
 */
function tenantFor(request: FastifyRequest, bodyTenant: string | undefined): string {
  const context = tenantOf(request);
  const given = bodyTenant?.trim() || null;
  if (given && context && given !== context) throw billingError('invalid_input', `tenant_id "${given}" is not the X-Tenant-ID tenant "${context}"`, 'tenant_id');
  const tenant = given ?? context;
  if (!tenant) throw billingError('invalid_input', 'tenant_id is required (or send X-Tenant-ID)', 'tenant_id');
  return tenant;
}

function startStatus(status: string | undefined): 'active' | 'trialing' | undefined {
  if (status === undefined || status === '' || status === 'active' || status === 'trialing') return status || undefined;
  throw billingError('invalid_input', 'status must be active or trialing on creation', 'status');
}

/**
 * Subscriptions by id need only the key; with a tenant in context (X-Tenant-ID), only that
 * tenant's are found, and lists show only its own.
 */
export function subscriptionRoutes(api: SurfaceApp, { db, clock }: Core) {
  const action = (operationId: string, summary: string, body: typeof S.Cancel | typeof S.Pause | typeof S.ChangePlan | null, errors: number[]) => ({
    ...writes({ operationId, summary, params: IdParams, ...(body ? { body } : {}), response: { 200: S.Subscription, ...S.errorResponses(...errors) } }),
    // The body is optional for cancel, pause and resume: an empty POST takes the defaults.
    preValidation: async (request: FastifyRequest) => {
      request.body ??= {};
    },
  });

  api.post(
    '/subscriptions',
    writes({
      operationId: 'createSubscription',
      summary: "Subscribe a tenant to a plan (trialing when the plan has trial days); one live subscription per tenant.",
      body: S.NewSubscription,
      response: { 201: S.Subscription, ...S.errorResponses(400, 401, 403, 404, 409) },
    }),
    write(async (tx, request, reply) => {
      const { tenant_id, plan_id, status, seats, metadata } = request.body;
      const tenantId = tenantFor(request, tenant_id);
      if (!plan_id) throw billingError('invalid_input', 'plan_id is required', 'plan_id');
      const created = await createSubscription(tx, scopeOf(request), { tenantId, planId: uuidOf(PREFIX.plan, plan_id), status: startStatus(status), seats: seats === undefined ? undefined : BigInt(seats), metadata }, await worldNow(tx, scopeOf(request), clock));
      reply.code(201);
      return subscriptionView(created);
    }),
  );

  api.get(
    '/subscriptions',
    reads({
      operationId: 'listSubscriptions',
      summary: "List subscriptions, newest first: the tenant in context's, or the app's filtered by tenant_id.",
      querystring: Type.Object({ tenant_id: Type.Optional(Type.String({ maxLength: 255 })), status: Type.Optional(S.SubscriptionStatus), ...S.PageQuery }),
      response: { 200: S.PageOf(S.Subscription), ...S.errorResponses(400, 401, 403) },
    }),
    async (request) => {
      const { tenant_id, status, limit, offset } = request.query;
      const context = tenantOf(request);
      // Another tenant than the one in context: nothing of it is visible.
      const filter = { tenantId: context ?? tenant_id ?? null, status: status as SubscriptionStatus | undefined };
      const page = pageRequest(limit, offset);
      if (context && tenant_id !== undefined && tenant_id !== context) return pageView({ items: [], total: 0, limit: page.limit, offset: page.offset, hasMore: false }, subscriptionView);
      return pageView(await listSubscriptions(db, scopeOf(request), filter, page), subscriptionView);
    },
  );

  api.get(
    '/subscriptions/:id',
    reads({ operationId: 'getSubscription', summary: 'Get a subscription by id.', params: IdParams, response: { 200: S.Subscription, ...S.errorResponses(401, 403, 404) } }),
    async (request) => subscriptionView(await getSubscription(db, scopeOf(request), subscriptionId(request), tenantOf(request))),
  );

  api.put(
    '/subscriptions/:id',
    writes({
      operationId: 'updateSubscription',
      summary: "Update a subscription's metadata and seats (status changes have their own endpoints).",
      params: IdParams,
      body: S.SubscriptionPatch,
      response: { 200: S.Subscription, ...S.errorResponses(400, 401, 403, 404) },
    }),
    write(async (tx, request) => subscriptionView(await updateSubscription(tx, scopeOf(request), subscriptionId(request), tenantOf(request), { metadata: request.body.metadata, seats: request.body.seats === undefined ? undefined : BigInt(request.body.seats) }, await worldNow(tx, scopeOf(request), clock)))),
  );

  api.post(
    '/subscriptions/:id/cancel',
    action('cancelSubscription', 'Cancel at the end of the current period, or immediately.', S.Cancel, [400, 401, 403, 404]),
    write(async (tx, request) => {
      const body = request.body as { immediately?: boolean };
      return subscriptionView(await cancel(tx, scopeOf(request), subscriptionId(request), tenantOf(request), await worldNow(tx, scopeOf(request), clock), body.immediately === true));
    }),
  );

  api.post(
    '/subscriptions/:id/pause',
    action('pauseSubscription', 'Pause an active or trialing subscription, optionally until resume_at.', S.Pause, [400, 401, 403, 404]),
    write(async (tx, request) => {
      const body = request.body as { resume_at?: string | null };
      const resumeAt = body.resume_at ? new Date(body.resume_at) : null;
      return subscriptionView(await pause(tx, scopeOf(request), subscriptionId(request), tenantOf(request), await worldNow(tx, scopeOf(request), clock), resumeAt));
    }),
  );

  api.post(
    '/subscriptions/:id/resume',
    action('resumeSubscription', 'Resume a paused subscription; its period end moves by the pause.', null, [400, 401, 403, 404]),
    write(async (tx, request) => subscriptionView(await resume(tx, scopeOf(request), subscriptionId(request), tenantOf(request), await worldNow(tx, scopeOf(request), clock)))),
  );

  api.post(
    '/subscriptions/:id/change-plan',
    action('changeSubscriptionPlan', 'Move a subscription to another plan, prorating the base fees to the second.', S.ChangePlan, [400, 401, 403, 404]),
    write(async (tx, request) => {
      const body = request.body as { plan_id?: string; prorate?: boolean };
      if (!body.plan_id) throw billingError('invalid_input', 'plan_id is required', 'plan_id');
      const newPlan = uuidOf(PREFIX.plan, body.plan_id);
      return subscriptionView(await switchPlan(tx, scopeOf(request), subscriptionId(request), tenantOf(request), await worldNow(tx, scopeOf(request), clock), newPlan, body.prorate !== false));
    }),
  );
}
