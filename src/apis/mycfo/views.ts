import { formatId, parseId } from '../../platform/ids.ts';
import { invalid, notFound } from '../../platform/errors.ts';
import type { Org } from '../../platform/orgs.ts';
import type { Workspace } from '../../mycfo/workspaces.ts';
import type { CfoTransaction, IngestResult } from '../../mycfo/ingest.ts';
import type { Metrics } from '../../mycfo/metrics.ts';
import type { Forecast, Scenario } from '../../mycfo/forecasts.ts';
import type { Alert } from '../../mycfo/alerts.ts';

export const PREFIX = {
  org: 'org',
  workspace: 'ws',
  ingest: 'ing',
  transaction: 'txn',
  forecast: 'fc',
  scenario: 'sc',
  alert: 'al',
} as const;

/** The reference's timestamps: seconds, UTC as `+00:00`. */
export const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

export function idFrom(kind: keyof typeof PREFIX, text: string, field?: string): string {
  const id = parseId(PREFIX[kind], text);
  if (!id) throw notFound(kind, field);
  return id;
}

/** `starting_after` is the id of the last item of the previous page. */
export function startingAfter(kind: keyof typeof PREFIX, text: string | undefined): string | null {
  if (text === undefined || text === '') return null;
  const id = parseId(PREFIX[kind], text);
  if (!id) throw invalid('starting_after', `starting_after must be a ${PREFIX[kind]}_… id from a previous page`);
  return id;
}

/** The domain's page request from a list's `limit` (20 by default) and `starting_after` (a `kind` id). */
export const pageRequest = (kind: keyof typeof PREFIX, query: { limit?: number; starting_after?: string }) => ({ limit: query.limit ?? 20, after: startingAfter(kind, query.starting_after) });

/** A list as MyCFO answers it: the items' views, and whether a next page exists. */
export const listView = <T, V>(page: { items: T[]; nextCursor: string | null }, view: (item: T) => V) => ({ data: page.items.map(view), has_more: page.nextCursor !== null });

export const orgView = (org: Org, email: string) => ({
  id: formatId(PREFIX.org, org.id),
  name: org.name,
  email,
  created_at: timestamp(org.createdAt),
});

export const workspaceView = (ws: Workspace) => ({
  id: formatId(PREFIX.workspace, ws.id),
  org_id: formatId(PREFIX.org, ws.orgId),
  name: ws.name,
  currency: ws.currency,
  cash_on_hand_cents: ws.cashOnHandCents,
  created_at: timestamp(ws.createdAt),
});

export const ingestView = (r: IngestResult) => ({
  ingest_id: formatId(PREFIX.ingest, r.ingestId),
  status: 'completed' as const,
  inserted: r.inserted,
  duplicates: r.duplicates,
});

export const transactionView = (t: CfoTransaction) => ({
  id: formatId(PREFIX.transaction, t.id),
  workspace_id: formatId(PREFIX.workspace, t.workspaceId),
  kind: t.kind,
  subtype: t.subtype,
  amount_cents: t.amountCents,
  currency: t.currency,
  occurred_at: timestamp(t.occurredAt),
  vendor: t.vendor,
  description: t.description,
  external_id: t.externalId,
  source: t.source,
  ingest_id: formatId(PREFIX.ingest, t.ingestId),
  created_at: timestamp(t.createdAt),
});

export const metricsView = (m: Metrics) => ({
  as_of: m.asOf,
  currency: m.currency,
  // Cents stay bigints: the surface's serializer writes them digit for digit.
  gross_revenue_cents_30d: m.grossRevenue,
  refunds_cents_30d: m.refunds,
  net_revenue_cents_30d: m.netRevenue,
  mrr_cents: m.mrr,
  arr_cents: m.arr,
  burn_cents_30d: m.burn,
  recurring_burn_cents_30d: m.recurringBurn,
  one_time_expenses_cents_30d: m.oneTimeExpenses,
  cash_on_hand_cents: m.cashOnHand,
  runway_months: m.runwayMonths,
  warnings: m.warnings,
});

export const forecastSummaryView = (f: Pick<Forecast, 'id' | 'name' | 'asOf' | 'horizonMonths' | 'createdAt'>) => ({
  id: formatId(PREFIX.forecast, f.id),
  name: f.name,
  as_of: f.asOf,
  horizon_months: f.horizonMonths,
  created_at: timestamp(f.createdAt),
});

export const forecastView = (f: Forecast) => ({
  id: formatId(PREFIX.forecast, f.id),
  workspace_id: formatId(PREFIX.workspace, f.workspaceId),
  org_id: formatId(PREFIX.org, f.orgId),
  name: f.name,
  as_of: f.asOf,
  horizon_months: f.horizonMonths,
  assumptions: f.assumptions,
  variants: f.variants,
  series: f.series,
  warnings: f.warnings,
  created_at: timestamp(f.createdAt),
});

export const scenarioSummaryView = (s: Scenario) => ({
  id: formatId(PREFIX.scenario, s.id),
  name: s.name,
  baseline_forecast_id: formatId(PREFIX.forecast, s.forecastId),
  delta: s.delta,
  impact: s.impact,
  created_at: timestamp(s.createdAt),
});

export const scenarioView = (s: Scenario) => ({
  id: formatId(PREFIX.scenario, s.id),
  workspace_id: formatId(PREFIX.workspace, s.workspaceId),
  org_id: formatId(PREFIX.org, s.orgId),
  name: s.name,
  baseline_forecast_id: formatId(PREFIX.forecast, s.forecastId),
  delta: s.delta,
  impact: s.impact,
  series: s.series,
  created_at: timestamp(s.createdAt),
});

export const alertView = (a: Alert) => ({
  id: formatId(PREFIX.alert, a.id),
  type: a.type,
  severity: a.severity,
  message: a.message,
  payload: a.payload,
  workspace_id: formatId(PREFIX.workspace, a.workspaceId),
  org_id: formatId(PREFIX.org, a.orgId),
  created_at: timestamp(a.createdAt),
});
