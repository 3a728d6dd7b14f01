import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf } from '../../platform/http/surface.ts';
import { getWorkspace } from '../../mycfo/workspaces.ts';
import { computeMetrics, resolveAsOf } from '../../mycfo/metrics.ts';
import {
  createForecast,
  createScenario,
  deleteForecast,
  deleteScenario,
  getForecast,
  getScenario,
  listForecasts,
  listScenarios,
  type AssumptionsInput,
  type Delta,
} from '../../mycfo/forecasts.ts';
import { evaluateAlerts } from '../../mycfo/alerts.ts';
import { NAME } from '../../platform/http/validation.ts';
import * as S from './schemas.ts';
import {
  alertView,
  forecastSummaryView,
  forecastView,
  idFrom,
  metricsView,
  scenarioSummaryView,
  scenarioView,
  startingAfter,
} from './views.ts';

const security = [{ bearer: [] }];
const WsParams = Type.Object({ id: Type.String() });
const ForecastParams = Type.Object({ id: Type.String(), forecast_id: Type.String() });
const ScenarioParams = Type.Object({ id: Type.String(), scenario_id: Type.String() });

const ForecastSummary = Type.Object({ id: S.Id('fc'), name: S.Nullable(Type.String()), as_of: Type.String(), horizon_months: Type.Integer(), created_at: Type.String() });
const Forecast = Type.Object({
  id: S.Id('fc'),
  workspace_id: S.Id('ws'),
  org_id: S.Id('org'),
  name: S.Nullable(Type.String()),
  as_of: Type.String(),
  horizon_months: Type.Integer(),
  assumptions: S.Assumptions,
  variants: Type.Record(Type.String(), S.Assumptions),
  series: Type.Object({ months: Type.Array(Type.String()) }, { additionalProperties: S.Series }),
  warnings: Type.Array(S.Warning),
  created_at: Type.String(),
});
const ScenarioSummary = Type.Object({
  id: S.Id('sc'),
  name: S.Nullable(Type.String()),
  baseline_forecast_id: S.Id('fc'),
  delta: S.Delta,
  impact: S.Impact,
  created_at: Type.String(),
});
const Scenario = Type.Object({
  id: S.Id('sc'),
  workspace_id: S.Id('ws'),
  org_id: S.Id('org'),
  name: S.Nullable(Type.String()),
  baseline_forecast_id: S.Id('fc'),
  delta: S.Delta,
  impact: S.Impact,
  series: Type.Object({ months: Type.Array(Type.String()), scenario: S.Series }),
  created_at: Type.String(),
});

export function analyticsRoutes(api: FastifyInstance, core: Core) {
  const org = (request: Parameters<typeof principalOf>[0]) => principalOf(request).orgId;

  api.get<{ Params: { id: string }; Querystring: { as_of?: string } }>(
    '/workspaces/:id/metrics',
    {
      schema: {
        tags: ['metrics'],
        summary: 'CFO metrics over the 30 days as_of − 29 … as_of (default today, UTC).',
        security,
        params: WsParams,
        querystring: S.AsOfQuery,
        response: { 200: S.Metrics, ...S.errors(401, 404, 422) },
      },
    },
    async (request) => {
      const ws = await getWorkspace(core.db, org(request), idFrom('workspace', request.params.id));
      return metricsView(await computeMetrics(core.ledger, ws, resolveAsOf(request.query.as_of, core.clock)));
    },
  );

  api.post<{
    Params: { id: string };
    Body: { name?: string; as_of?: string; horizon_months: number; assumptions?: AssumptionsInput; variants?: Record<string, AssumptionsInput> };
  }>(
    '/workspaces/:id/forecasts',
    {
      schema: {
        tags: ['forecasts'],
        security,
        params: WsParams,
        body: Type.Object({
          name: Type.Optional(S.Nullable(Type.String({ ...NAME, maxLength: 200 }))),
          as_of: Type.Optional(S.Day),
          horizon_months: Type.Integer({ minimum: 1, maximum: 60 }),
          assumptions: Type.Optional(S.Assumptions),
          variants: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }), S.Assumptions, { maxProperties: 10, minProperties: 1 })),
        }),
        response: { 201: Forecast, ...S.errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const forecast = await createForecast(core, org(request), idFrom('workspace', request.params.id), {
        name: b.name ?? null,
        asOf: resolveAsOf(b.as_of, core.clock),
        horizonMonths: b.horizon_months,
        assumptions: b.assumptions,
        variants: b.variants,
      });
      return reply.code(201).send(forecastView(forecast));
    },
  );

  api.get<{ Params: { id: string }; Querystring: { limit?: number; starting_after?: string } }>(
    '/workspaces/:id/forecasts',
    { schema: { tags: ['forecasts'], security, params: WsParams, querystring: Type.Object(S.PageQuery), response: { 200: S.ListOf(ForecastSummary), ...S.errors(401, 404, 422) } } },
    async (request) => {
      const page = await listForecasts(core.db, org(request), idFrom('workspace', request.params.id), {
        limit: request.query.limit ?? 20,
        after: startingAfter('forecast', request.query.starting_after),
      });
      return {
        data: page.items.map((r: any) => forecastSummaryView({ id: r.id, name: r.name, asOf: r.as_of, horizonMonths: r.horizon_months, createdAt: r.created_at })),
        has_more: page.nextCursor !== null,
      };
    },
  );

  api.get<{ Params: { id: string; forecast_id: string } }>(
    '/workspaces/:id/forecasts/:forecast_id',
    { schema: { tags: ['forecasts'], security, params: ForecastParams, response: { 200: Forecast, ...S.errors(401, 404) } } },
    async (request) =>
      forecastView(await getForecast(core.db, org(request), idFrom('workspace', request.params.id), idFrom('forecast', request.params.forecast_id))),
  );

  api.delete<{ Params: { id: string; forecast_id: string } }>(
    '/workspaces/:id/forecasts/:forecast_id',
    { schema: { tags: ['forecasts'], summary: 'Deletes a forecast and the scenarios built on it.', security, params: ForecastParams, response: { 204: Type.Null(), ...S.errors(401, 404) } } },
    async (request, reply) => {
      await deleteForecast(core, org(request), idFrom('workspace', request.params.id), idFrom('forecast', request.params.forecast_id));
      return reply.code(204).send();
    },
  );

  api.post<{ Params: { id: string }; Body: { name?: string; baseline_forecast_id: string; delta: Delta } }>(
    '/workspaces/:id/scenarios',
    {
      schema: {
        tags: ['scenarios'],
        security,
        params: WsParams,
        body: Type.Object({ name: Type.Optional(S.Nullable(Type.String({ ...NAME, maxLength: 200 }))), baseline_forecast_id: Type.String({ maxLength: 64 }), delta: S.Delta }),
        response: { 201: Scenario, ...S.errors(400, 401, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const scenario = await createScenario(core, org(request), idFrom('workspace', request.params.id), {
        name: b.name ?? null,
        forecastId: idFrom('forecast', b.baseline_forecast_id, 'baseline_forecast_id'),
        delta: b.delta,
      });
      return reply.code(201).send(scenarioView(scenario));
    },
  );

  api.get<{ Params: { id: string }; Querystring: { limit?: number; starting_after?: string } }>(
    '/workspaces/:id/scenarios',
    { schema: { tags: ['scenarios'], security, params: WsParams, querystring: Type.Object(S.PageQuery), response: { 200: S.ListOf(ScenarioSummary), ...S.errors(401, 404, 422) } } },
    async (request) => {
      const page = await listScenarios(core.db, org(request), idFrom('workspace', request.params.id), {
        limit: request.query.limit ?? 20,
        after: startingAfter('scenario', request.query.starting_after),
      });
      return { data: page.items.map(scenarioSummaryView), has_more: page.nextCursor !== null };
    },
  );

  api.get<{ Params: { id: string; scenario_id: string } }>(
    '/workspaces/:id/scenarios/:scenario_id',
    { schema: { tags: ['scenarios'], security, params: ScenarioParams, response: { 200: Scenario, ...S.errors(401, 404) } } },
    async (request) =>
      scenarioView(await getScenario(core.db, org(request), idFrom('workspace', request.params.id), idFrom('scenario', request.params.scenario_id))),
  );

  api.delete<{ Params: { id: string; scenario_id: string } }>(
    '/workspaces/:id/scenarios/:scenario_id',
    { schema: { tags: ['scenarios'], security, params: ScenarioParams, response: { 204: Type.Null(), ...S.errors(401, 404) } } },
    async (request, reply) => {
      await deleteScenario(core.db, org(request), idFrom('workspace', request.params.id), idFrom('scenario', request.params.scenario_id));
      return reply.code(204).send();
    },
  );

  api.get<{ Params: { id: string }; Querystring: { as_of?: string } }>(
    '/workspaces/:id/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Evaluates the alert rules at as_of and stores the result in place of the previous alerts.',
        security,
        params: WsParams,
        querystring: S.AsOfQuery,
        response: { 200: S.ListOf(S.Alert), ...S.errors(401, 404, 422) },
      },
    },
    async (request) => {
      const { alerts } = await evaluateAlerts(core, org(request), idFrom('workspace', request.params.id), resolveAsOf(request.query.as_of, core.clock));
      return { data: alerts.map(alertView), has_more: false };
    },
  );
}
