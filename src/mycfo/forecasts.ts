import type { Queryable } from '../platform/db.ts';
import { DomainError, invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { firstMonthBeyond, project, monthsAfter, toSeries, type Assumptions, type Adjustments, type Projection, type ProjectionStart, type Series } from '../analytics/projection.ts';
import { BIGINT_MAX } from '../platform/money.ts';
import { parseExact, stringifyExact } from '../platform/exact-json.ts';
import { rationalFromNumber, type Rational } from '../analytics/rational.ts';
import { computeMetrics } from './metrics.ts';
import { getWorkspace, type CfoDeps } from './workspaces.ts';

/** Assumptions as the client writes them: percentages as JSON numbers. */
export interface AssumptionsInput {
  mrr_growth_pct?: number;
  monthly_logo_churn_pct?: number;
  gross_margin_pct?: number;
}

const DEFAULTS: Required<AssumptionsInput> = { mrr_growth_pct: 0, monthly_logo_churn_pct: 0, gross_margin_pct: 100 };

export interface Forecast {
  id: string;
  workspaceId: string;
  orgId: string;
  name: string | null;
  asOf: string;
  horizonMonths: number;
  assumptions: Required<AssumptionsInput>;
  variants: Record<string, Required<AssumptionsInput>>;
  /** The starting point, exact; stored as JSON with integers written digit for digit. */
  inputs: { mrr_cents: bigint; cash_cents: bigint | null; recurring_burn_cents: bigint };
  series: { months: string[] } & Record<string, Series | string[]>;
  warnings: { code: string; message: string }[];
  createdAt: Date;
}

function toAssumptions(a: Required<AssumptionsInput>, field: string): Assumptions {
  return {
    mrrGrowthPct: rationalFromNumber(a.mrr_growth_pct, `${field}.mrr_growth_pct`),
    churnPct: rationalFromNumber(a.monthly_logo_churn_pct, `${field}.monthly_logo_churn_pct`),
    grossMarginPct: rationalFromNumber(a.gross_margin_pct, `${field}.gross_margin_pct`),
  };
}

const startOf = (inputs: Forecast['inputs']): ProjectionStart => ({
  mrr: BigInt(inputs.mrr_cents),
  cash: inputs.cash_cents === null ? null : BigInt(inputs.cash_cents),
  recurringBurn: BigInt(inputs.recurring_burn_cents),
});

// Amount-holding JSON columns are read as text and parsed exactly.
const FORECAST_COLUMNS = '*, inputs::text AS inputs_json, series::text AS series_json';
const SCENARIO_COLUMNS = '*, impact::text AS impact_json, series::text AS series_json';

/** Cents are 64-bit in the ledger and here: a projection that leaves the range is refused. */
function assertInRange(projection: Projection, months: string[], field: string): void {
  const t = firstMonthBeyond(projection, BIGINT_MAX);
  if (t !== -1) {
    throw invalid(field, `the projection leaves the range of a 64-bit amount of cents (±${BIGINT_MAX}) in ${months[t]}; lower the growth or the horizon`);
  }
}

const toForecast = (r: any): Forecast => ({
  id: r.id,
  workspaceId: r.workspace_id,
  orgId: r.org_id,
  name: r.name,
  asOf: r.as_of,
  horizonMonths: r.horizon_months,
  assumptions: r.assumptions,
  variants: r.variants,
  // Read as text: the drivers' JSON.parse would round integers past 2^53.
  inputs: parseExact(r.inputs_json),
  series: parseExact(r.series_json),
  warnings: r.warnings,
  createdAt: r.created_at,
});

/**
 * Projects MRR, cash and runway for each variant (its assumptions merged over the base
 * ones) from the workspace's metrics at `asOf`, and saves the result with its starting
 * point so scenarios can re-run it.
 */
export async function createForecast(
  tx: Queryable,
  deps: Pick<CfoDeps, 'clock' | 'ledger'>,
  orgId: string,
  workspaceId: string,
  input: { name?: string | null; asOf: string; horizonMonths: number; assumptions?: AssumptionsInput; variants?: Record<string, AssumptionsInput> },
): Promise<Forecast> {
  if (!Number.isInteger(input.horizonMonths) || input.horizonMonths < 1 || input.horizonMonths > 60) {
    throw invalid('horizon_months', 'horizon_months must be a whole number from 1 to 60');
  }
  const ws = await getWorkspace(tx, orgId, workspaceId);
  const metrics = await computeMetrics(deps.ledger, ws, input.asOf);
  const base = { ...DEFAULTS, ...(input.assumptions ?? {}) };
  const baseRational = toAssumptions(base, 'assumptions');
  const variants: Record<string, Required<AssumptionsInput>> = {};
  for (const [name, partial] of Object.entries(input.variants ?? { base: {} })) variants[name] = { ...base, ...partial };
  const inputs = { mrr_cents: metrics.mrr, cash_cents: metrics.cashOnHand, recurring_burn_cents: metrics.recurringBurn };
  const months = monthsAfter(input.asOf, input.horizonMonths);
  const series: Forecast['series'] = { months };
  for (const [name, assumptions] of Object.entries(variants)) {
    const projection = project(startOf(inputs), toAssumptions(assumptions, `variants.${name}`), baseRational.churnPct, input.horizonMonths);
    // The growth is what drives a projection out of range; name where the caller set it.
    const growthField = input.variants?.[name]?.mrr_growth_pct !== undefined ? `variants.${name}.mrr_growth_pct` : 'assumptions.mrr_growth_pct';
    assertInRange(projection, months, growthField);
    series[name] = toSeries(projection);
  }
  const [row] = await tx.query(
    `INSERT INTO cfo_forecasts (org_id, id, workspace_id, name, as_of, horizon_months, assumptions, variants, inputs, series, warnings, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${FORECAST_COLUMNS}`,
    [
      orgId,
      newId(),
      workspaceId,
      input.name ?? null,
      input.asOf,
      input.horizonMonths,
      JSON.stringify(base),
      JSON.stringify(variants),
      stringifyExact(inputs),
      stringifyExact(series),
      JSON.stringify(metrics.warnings),
      deps.clock.now(),
    ],
  );
  return toForecast(row);
}

export async function getForecast(db: Queryable, orgId: string, workspaceId: string, id: string): Promise<Forecast> {
  const [row] = await db.query(`SELECT ${FORECAST_COLUMNS} FROM cfo_forecasts WHERE org_id = $1 AND workspace_id = $2 AND id = $3`, [orgId, workspaceId, id]);
  if (!row) throw notFound('forecast');
  return toForecast(row);
}

export async function listForecasts(db: Queryable, orgId: string, workspaceId: string, page: { limit: number; after: string | null }) {
  await getWorkspace(db, orgId, workspaceId);
  const rows = await db.query(
    `SELECT id, workspace_id, org_id, name, as_of, horizon_months, created_at FROM cfo_forecasts
      WHERE org_id = $1 AND workspace_id = $2 AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
    [orgId, workspaceId, page.after, page.limit + 1],
  );
  const items = rows.slice(0, page.limit);
  return { items, nextCursor: rows.length > page.limit ? (items[items.length - 1].id as string) : null };
}

/** Deletes a forecast and the scenarios built on it. */
export async function deleteForecast(tx: Queryable, orgId: string, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query('DELETE FROM cfo_forecasts WHERE org_id = $1 AND workspace_id = $2 AND id = $3 RETURNING id', [orgId, workspaceId, id]);
  if (rows.length === 0) throw notFound('forecast');
  await tx.query('DELETE FROM cfo_scenarios WHERE org_id = $1 AND forecast_id = $2', [orgId, id]);
}

export type Delta =
  | { type: 'price_change'; pct: number }
  | { type: 'churn_change'; delta_pp: number }
  | { type: 'hire'; monthly_cost_cents: number; start_month: string };

export interface Scenario {
  id: string;
  workspaceId: string;
  orgId: string;
  name: string | null;
  forecastId: string;
  delta: Delta;
  impact: { final_cash_delta_cents: bigint | null; final_mrr_cents: bigint };
  series: { months: string[]; scenario: Series };
  createdAt: Date;
}

const toScenario = (r: any): Scenario => ({
  id: r.id,
  workspaceId: r.workspace_id,
  orgId: r.org_id,
  name: r.name,
  forecastId: r.forecast_id,
  delta: r.delta,
  impact: parseExact(r.impact_json),
  series: parseExact(r.series_json),
  createdAt: r.created_at,
});

function adjustmentsFor(delta: Delta, months: string[]): Adjustments {
  switch (delta.type) {
    case 'price_change':
      return { priceChange: rationalFromNumber(delta.pct, 'delta.pct') };
    case 'churn_change':
      return { churnDeltaPp: rationalFromNumber(delta.delta_pp, 'delta.delta_pp') };
    case 'hire': {
      if (!Number.isSafeInteger(delta.monthly_cost_cents) || delta.monthly_cost_cents < 0) {
        throw invalid('delta.monthly_cost_cents', 'monthly_cost_cents must be a non-negative whole number of cents');
      }
      // A start before the horizon starts at once; one after it never starts.
      const index = months.findIndex((m) => m >= delta.start_month);
      return { extraCost: { fromIndex: index === -1 ? months.length : index, cents: BigInt(delta.monthly_cost_cents) } };
    }
    default:
      throw new DomainError('validation', 'delta.type must be price_change, churn_change or hire', 'delta.type');
  }
}

/** Re-runs the baseline forecast's base variant with one assumption changed, and saves it. */
export async function createScenario(
  tx: Queryable,
  deps: Pick<CfoDeps, 'clock'>,
  orgId: string,
  workspaceId: string,
  input: { name?: string | null; forecastId: string; delta: Delta },
): Promise<Scenario> {
  const forecast = await getForecast(tx, orgId, workspaceId, input.forecastId).catch((error) => {
    if (error instanceof DomainError && error.code === 'not_found') throw new DomainError('not_found', 'forecast not found', 'baseline_forecast_id');
    throw error;
  });
  const variantName = forecast.variants.base ? 'base' : Object.keys(forecast.variants)[0];
  const assumptions = toAssumptions(forecast.variants[variantName], 'assumptions');
  const baseChurn: Rational = toAssumptions(forecast.assumptions, 'assumptions').churnPct;
  const months = forecast.series.months;
  const start = startOf(forecast.inputs);
  const baseline = project(start, assumptions, baseChurn, forecast.horizonMonths);
  const scenario = project(start, assumptions, baseChurn, forecast.horizonMonths, adjustmentsFor(input.delta, months));
  assertInRange(scenario, months, 'delta');
  const last = forecast.horizonMonths - 1;
  const finalCash = scenario.cash[last];
  const baseCash = baseline.cash[last];
  const impact = {
    final_cash_delta_cents: finalCash === null || baseCash === null ? null : finalCash - baseCash,
    final_mrr_cents: scenario.mrr[last],
  };
  const [row] = await tx.query(
    `INSERT INTO cfo_scenarios (org_id, id, workspace_id, forecast_id, name, delta, impact, series, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${SCENARIO_COLUMNS}`,
    [
      orgId,
      newId(),
      workspaceId,
      forecast.id,
      input.name ?? null,
      JSON.stringify(input.delta),
      stringifyExact(impact),
      stringifyExact({ months, scenario: toSeries(scenario) }),
      deps.clock.now(),
    ],
  );
  return toScenario(row);
}

export async function getScenario(db: Queryable, orgId: string, workspaceId: string, id: string): Promise<Scenario> {
  const [row] = await db.query(`SELECT ${SCENARIO_COLUMNS} FROM cfo_scenarios WHERE org_id = $1 AND workspace_id = $2 AND id = $3`, [orgId, workspaceId, id]);
  if (!row) throw notFound('scenario');
  return toScenario(row);
}

export async function listScenarios(db: Queryable, orgId: string, workspaceId: string, page: { limit: number; after: string | null }) {
  await getWorkspace(db, orgId, workspaceId);
  const rows = await db.query(
    `SELECT ${SCENARIO_COLUMNS} FROM cfo_scenarios WHERE org_id = $1 AND workspace_id = $2 AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
    [orgId, workspaceId, page.after, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toScenario);
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1].id : null };
}

export async function deleteScenario(tx: Queryable, orgId: string, workspaceId: string, id: string): Promise<void> {
  const rows = await tx.query('DELETE FROM cfo_scenarios WHERE org_id = $1 AND workspace_id = $2 AND id = $3 RETURNING id', [orgId, workspaceId, id]);
  if (rows.length === 0) throw notFound('scenario');
}
