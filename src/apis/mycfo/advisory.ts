import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { MycfoSettings } from './settings.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { getWorkspace, type CfoDeps, type Workspace } from '../../mycfo/workspaces.ts';
import { resolveAsOf } from '../../mycfo/metrics.ts';
import { assessAlerts, replaceAlerts, type Alert } from '../../mycfo/alerts.ts';
import { generateMemo, type AdvisoryResult } from '../../mycfo/advisory.ts';
import { formatId } from '../../platform/ids.ts';
import * as S from './schemas.ts';
import { alertView, idFrom, metricsView, PREFIX } from './views.ts';

const Advisory = Type.Object({
  workspace_id: S.Id('ws'),
  as_of: Type.String(),
  summary: Type.String(),
  suggestions: Type.Array(Type.String()),
  risks: Type.Array(Type.String()),
  grounding: Type.Object({
    workspace_name: Type.String(),
    alert_count: Type.Integer(),
    alerts: Type.Array(S.Alert),
    metrics: S.Metrics,
  }),
  provider: Type.Union([Type.Literal('huggingface'), Type.Literal('fallback')]),
  model: S.Nullable(Type.String()),
  ai_available: Type.Boolean(),
  ai_error: Type.Optional(
    Type.Object(
      {
        type: Type.Union([Type.Literal('configuration_error'), Type.Literal('upstream_error')]),
        code: Type.String({ description: 'huggingface_not_configured, provider_unavailable, provider_timeout, provider_error or malformed_response' }),
        message: Type.String(),
      },
      { description: 'Present when ai_available is false: why the memo fell back to the computed figures.' },
    ),
  ),
});

/** What a memo request read and was told before its write: the provider is asked outside any transaction. */
interface Grounded {
  ws: Workspace;
  asOf: string;
  alerts: Alert[];
  metricsJson: ReturnType<typeof metricsView>;
  memo: AdvisoryResult;
}

/**
 * `GET /workspaces/{id}/advisory`. The metrics and alerts are assessed and the AI provider
 * asked in a preHandler, with no transaction open (the provider may take seconds); the
 * handler then stores the alerts in place of the previous set, as GET /alerts does, in the
 * write runner's transaction.
 */
export function advisoryRoutes(api: SurfaceApp, core: Core, cfo: CfoDeps, settings: MycfoSettings) {
  const grounded = new WeakMap<object, Grounded>();

  api.get(
    '/workspaces/:id/advisory',
    {
      schema: {
        operationId: 'getAdvisory',
        tags: ['advisory'],
        summary:
          'An AI advisory memo grounded only in the computed metrics and alerts (alerts are evaluated and stored as GET /alerts does). When the AI provider is not configured or fails, the memo falls back to the figures alone (ai_available false, ai_error says why); still 200.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String() }),
        querystring: S.AsOfQuery,
        response: { 200: Advisory, ...S.errors(401, 404, 422) },
      },
      preHandler: async (request) => {
        const ws = await getWorkspace(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id));
        const asOf = resolveAsOf(request.query.as_of, core.clock);
        const { alerts, metrics } = await assessAlerts(cfo, ws, asOf);
        const metricsJson = metricsView(metrics);
        const memo = await generateMemo(
          settings.advisory,
          { metrics: metricsJson, alerts: alerts.map((a) => ({ type: a.type, severity: a.severity, message: a.message, payload: a.payload })) },
        );
        if (!memo.aiAvailable && memo.aiError.type === 'upstream_error') {
          request.log.warn({ code: memo.aiError.code }, 'advisory memo fell back: AI provider failed');
        }
        grounded.set(request, { ws, asOf, alerts, metricsJson, memo });
      },
    },
    write(async (tx, request) => {
      const { ws, asOf, alerts, metricsJson, memo } = grounded.get(request)!;
      await replaceAlerts(tx, ws.orgId, ws.id, asOf, alerts);
      return {
        workspace_id: formatId(PREFIX.workspace, ws.id),
        as_of: asOf,
        summary: memo.summary,
        suggestions: memo.suggestions,
        risks: memo.risks,
        grounding: { workspace_name: ws.name, alert_count: alerts.length, alerts: alerts.map(alertView), metrics: metricsJson },
        provider: memo.provider,
        model: memo.model,
        ai_available: memo.aiAvailable,
        ...(memo.aiAvailable ? {} : { ai_error: memo.aiError }),
      };
    }),
  );
}
