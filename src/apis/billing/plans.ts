import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { createPlan, deletePlan, getPlanBySlug, listPlans, updatePlanBySlug } from '../../billing/plan-store.ts';
import { pageRequest } from '../../billing/scope.ts';
import type { PlanStatus } from '../../billing/plans.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf } from './context.ts';
import { PREFIX, pageView, planView, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('plans');
const SlugParams = Type.Object({ name: Type.String({ maxLength: 100, description: "The plan's slug." }) });
/**
 * DELETE takes the plan's id where GET and PUT take its slug (as the reference has it); the
 * segment keeps one name so the document has one path, not two that differ by a name.
 */
const IdParams = Type.Object({ name: Type.String({ maxLength: 64, description: "For DELETE, the plan's id (plan_…), not its slug." }) });
const PlanStatusQuery = Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived'), Type.Literal('draft')]));

/** Plans are the app's catalogue: the key alone is enough (no tenant context). */
export function planRoutes(api: SurfaceApp, { db, clock }: Core) {
  api.post(
    '/plans',
    writes({ operationId: 'createPlan', summary: 'Create a billing plan.', body: S.NewPlan, response: { 201: S.Plan, ...S.errorResponses(400, 401, 403, 409) } }),
    write(async (tx, request, reply) => {
      reply.code(201);
      return planView(await createPlan(tx, scopeOf(request), request.body, await worldNow(tx, scopeOf(request), clock)));
    }),
  );

  api.get(
    '/plans',
    reads({
      operationId: 'listPlans',
      summary: "List the app's plans, oldest first.",
      querystring: Type.Object({ status: PlanStatusQuery, ...S.PageQuery }),
      response: { 200: S.PageOf(S.Plan), ...S.errorResponses(400, 401, 403) },
    }),
    async (request) => {
      const { status, limit, offset } = request.query;
      return pageView(await listPlans(db, scopeOf(request), status as PlanStatus | undefined, pageRequest(limit, offset)), planView);
    },
  );

  api.get(
    '/plans/:name',
    reads({ operationId: 'getPlan', summary: 'Get a plan by its slug.', params: SlugParams, response: { 200: S.Plan, ...S.errorResponses(401, 403, 404) } }),
    async (request) => planView(await getPlanBySlug(db, scopeOf(request), request.params.name)),
  );

  api.put(
    '/plans/:name',
    writes({
      operationId: 'updatePlan',
      summary: 'Update a plan by its slug: only the fields given change.',
      params: SlugParams,
      body: S.PlanPatch,
      response: { 200: S.Plan, ...S.errorResponses(400, 401, 403, 404, 409) },
    }),
    write(async (tx, request) => planView(await updatePlanBySlug(tx, scopeOf(request), request.params.name, request.body, await worldNow(tx, scopeOf(request), clock)))),
  );

  api.delete(
    '/plans/:name',
    writes({
      operationId: 'deletePlan',
      summary: 'Delete a plan by id; refused while a subscription references it (archive it instead).',
      params: IdParams,
      response: { 204: Type.Null(), ...S.errorResponses(400, 401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      await deletePlan(tx, scopeOf(request), uuidOf(PREFIX.plan, request.params.name));
      reply.code(204);
    }),
  );
}
