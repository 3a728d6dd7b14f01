import { add, int, mul, ratio2, roundDiv, scale, sub, type Rational } from './rational.ts';

/**
 * Month-by-month projection of MRR, cash and runway. The model, in cents:
 *
 *   net growth g(t)  = mrr_growth_pct − (churn − base churn) − churn_delta_pp        (percent)
 *   mrr(0)           = today's MRR × (1 + price change)
 *   mrr(t)           = round(mrr(t−1) × (1 + g/100))
 *   burn(t)          = today's recurring burn + new recurring costs active in month t
 *   cash(t)          = cash(t−1) − burn(t) + round((mrr(t) − today's MRR) × gross_margin_pct/100)
 *   runway(t)        = cash(t) / burn(t), two decimals, when burn(t) > 0 (else null), never below 0
 *
 * The growth rate is net of the base churn: only a churn that differs from the base moves it.
 * New MRR beyond today's contributes its gross margin to cash; today's revenue and costs are
 * already inside the recurring burn.
 */
export interface ProjectionStart {
  mrr: bigint;
  /** Null when the workspace has no cash on hand set: cash and runway are then null. */
  cash: bigint | null;
  recurringBurn: bigint;
}

export interface Assumptions {
  mrrGrowthPct: Rational;
  churnPct: Rational;
  grossMarginPct: Rational;
}

export interface Adjustments {
  /** Price change as a fraction: 0.10 = +10 %. */
  priceChange?: Rational;
  /** Churn change in percentage points. */
  churnDeltaPp?: Rational;
  /** A new monthly cost from a month index (0 = the first projected month). */
  extraCost?: { fromIndex: number; cents: bigint };
}

/** A projection as stored and shown: cents as exact bigints, runway a ratio to two decimals. */
export interface Series {
  mrr_cents: bigint[];
  cash_cents: (bigint | null)[];
  runway_months: (number | null)[];
}

export interface Projection {
  mrr: bigint[];
  cash: (bigint | null)[];
  runway: (number | null)[];
}

export function project(start: ProjectionStart, a: Assumptions, baseChurn: Rational, horizon: number, adj: Adjustments = {}): Projection {
  let growth = sub(a.mrrGrowthPct, sub(a.churnPct, baseChurn));
  if (adj.churnDeltaPp) growth = sub(growth, adj.churnDeltaPp);
  const factor = add(int(1n), mul(growth, { num: 1n, den: 100n }));
  let mrr = adj.priceChange ? scale(start.mrr, add(int(1n), adj.priceChange)) : start.mrr;
  let cash = start.cash;
  const out: Projection = { mrr: [], cash: [], runway: [] };
  for (let t = 0; t < horizon; t++) {
    mrr = roundDiv(mrr * factor.num, factor.den);
    const burn = start.recurringBurn + (adj.extraCost && t >= adj.extraCost.fromIndex ? adj.extraCost.cents : 0n);
    if (cash !== null) {
      cash = cash - burn + roundDiv((mrr - start.mrr) * a.grossMarginPct.num, a.grossMarginPct.den * 100n);
    }
    out.mrr.push(mrr);
    out.cash.push(cash);
    out.runway.push(cash === null || burn <= 0n ? null : cash <= 0n ? 0 : ratio2(cash, burn));
  }
  return out;
}

/** The index of the first month whose MRR or cash leaves ±`limit` cents, or -1. */
export function firstMonthBeyond(p: Projection, limit: bigint): number {
  const beyond = (v: bigint | null) => v !== null && (v > limit || v < -limit);
  return p.mrr.findIndex((mrr, t) => beyond(mrr) || beyond(p.cash[t]));
}

export function toSeries(p: Projection): Series {
  return {
    mrr_cents: p.mrr,
    cash_cents: p.cash,
    runway_months: p.runway,
  };
}

/** `YYYY-MM` of the `count` months after the month of `asOf`. */
export function monthsAfter(asOf: string, count: number): string[] {
  let year = Number(asOf.slice(0, 4));
  let month = Number(asOf.slice(5, 7));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
    out.push(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`);
  }
  return out;
}
