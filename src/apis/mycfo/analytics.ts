import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { getWorkspace, type CfoDeps } from '../../mycfo/workspaces.ts';
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
} from '../../mycfo/forecasts.ts';
import { evaluateAlerts } from '../../mycfo/alerts.ts';
import { NAME } from '../../platform/http/validation.ts';
import * as S from './schemas.ts';
import { savedRoutes } from './saved.ts';
import {
  alertView,
  forecastSummaryView,
  forecastView,
  idFrom,
  metricsView,
  scenarioSummaryView,
  scenarioView,
} from './views.ts';

const metrics = S.mycfoOperations('metrics');
const forecasts = S.mycfoOperations('forecasts');
const scenarios = S.mycfoOperations('scenarios');
const alerts = S.mycfoOperations('alerts');
const WsParams = Type.Object({ id: Type.String() });

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
const ForecastBody = Type.Object({
  name: Type.Optional(S.Nullable(Type.String({ ...NAME, maxLength: 200 }))),
  as_of: Type.Optional(S.Day),
  horizon_months: Type.Integer({ minimum: 1, maximum: 60 }),
  assumptions: Type.Optional(S.Assumptions),
  variants: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }), S.Assumptions, { maxProperties: 10, minProperties: 1 })),
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
const ScenarioBody = Type.Object({ name: Type.Optional(S.Nullable(Type.String({ ...NAME, maxLength: 200 }))), baseline_forecast_id: Type.String({ maxLength: 64 }), delta: S.Delta });

export function analyticsRoutes(api: SurfaceApp, core: Core, cfo: CfoDeps) {
  const org = (request: Parameters<typeof principalOf>[0]) => principalOf(request).orgId;

  api.get(
    '/workspaces/:id/metrics',
    metrics.reads({
      operationId: 'getMetrics',
      summary: 'CFO metrics over the 30 days as_of − 29 … as_of (default today, UTC).',
      params: WsParams,
      querystring: S.AsOfQuery,
      response: { 200: S.Metrics, ...S.errors(401, 404, 422) },
    }),
    async (request) => {
      const ws = await getWorkspace(core.db, org(request), idFrom('workspace', request.params.id));
      return metricsView(await computeMetrics(core.ledger, ws, resolveAsOf(request.query.as_of, core.clock)));
    },
  );

  savedRoutes(api, core.db, {
    kind: 'forecast', operations: forecasts,
    item: Forecast, view: forecastView, summary: ForecastSummary,
    summaryView: (r: any) => forecastSummaryView({ id: r.id, name: r.name, asOf: r.as_of, horizonMonths: r.horizon_months, createdAt: r.created_at }),
    create: {
      operationId: 'createForecast',
      summary: 'Project MRR, cash and runway month by month from as_of, for each variant, and save the forecast.',
      body: ForecastBody,
      run: (tx, orgId, workspaceId, b) =>
        createForecast(tx, cfo, orgId, workspaceId, { name: b.name ?? null, asOf: resolveAsOf(b.as_of, core.clock), horizonMonths: b.horizon_months, assumptions: b.assumptions, variants: b.variants }),
    },
    list: { operationId: 'listForecasts', summary: 'Saved forecasts, newest first, without their series or assumptions.', run: listForecasts },
    get: { operationId: 'getForecast', summary: 'A forecast with its assumptions and every variant\'s series.', run: getForecast },
    delete: { operationId: 'deleteForecast', summary: 'Deletes a forecast and the scenarios built on it.', run: deleteForecast },
  });

  savedRoutes(api, core.db, {
    kind: 'scenario', operations: scenarios,
    item: Scenario, view: scenarioView, summary: ScenarioSummary,
    summaryView: scenarioSummaryView,
    create: {
      operationId: 'createScenario',
      summary: 'Re-run a saved forecast with one assumption changed (delta) and save the series with its impact.',
      body: ScenarioBody,
      run: (tx, orgId, workspaceId, b) =>
        createScenario(tx, cfo, orgId, workspaceId, { name: b.name ?? null, forecastId: idFrom('forecast', b.baseline_forecast_id, 'baseline_forecast_id'), delta: b.delta }),
    },
    list: { operationId: 'listScenarios', summary: 'Saved scenarios, newest first, with delta and impact but without series.', run: listScenarios },
    get: { operationId: 'getScenario', summary: 'A scenario with its projected series.', run: getScenario },
    delete: { operationId: 'deleteScenario', summary: 'Deletes a scenario.', run: deleteScenario },
  });

  // A GET that writes: the reference has alerts "computed fresh on each call and persisted".
  api.get(
    '/workspaces/:id/alerts',
    alerts.writes({
      operationId: 'evaluateAlerts',
      summary: 'Evaluates the alert rules at as_of and stores the result in place of the previous alerts.',
      params: WsParams,
      querystring: S.AsOfQuery,
      response: { 200: S.ListOf(S.Alert), ...S.errors(401, 404, 422) },
    }),
    write(async (tx, request) => {
      const { alerts } = await evaluateAlerts(tx, cfo, org(request), idFrom('workspace', request.params.id), resolveAsOf(request.query.as_of, core.clock));
      return { data: alerts.map(alertView), has_more: false };
    }),
  );
}
