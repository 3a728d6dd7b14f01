import { invalid } from '../platform/errors.ts';
import { ratio2 } from '../analytics/rational.ts';
import type { Clock } from '../platform/clock.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import type { Workspace } from './workspaces.ts';

/** The sums of one 30-day window, in cents. */
export interface WindowTotals {
  recurringRevenue: bigint;
  oneTimeRevenue: bigint;
  /** Negative. */
  refunds: bigint;
  recurringExpenses: bigint;
  oneTimeExpenses: bigint;
}

export interface Metrics {
  asOf: string;
  currency: string;
  grossRevenue: bigint;
  refunds: bigint;
  netRevenue: bigint;
  mrr: bigint;
  arr: bigint;
  burn: bigint;
  recurringBurn: bigint;
  oneTimeExpenses: bigint;
  cashOnHand: bigint | null;
  runwayMonths: number | null;
  warnings: { code: string; message: string }[];
  /** The 30 days before the window, for alerts. */
  previous: WindowTotals;
  current: WindowTotals;
}

const DAY = 86_400_000;
const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `as_of` as given (a real YYYY-MM-DD date) or today in UTC by the injected clock. */
export function resolveAsOf(asOf: string | undefined, clock: Clock): string {
  if (asOf === undefined) return clock.now().toISOString().slice(0, 10);
  const ms = Date.parse(`${asOf}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(ms) || dayString(ms) !== asOf) {
    throw invalid('as_of', 'as_of must be a date like 2026-02-28');
  }
  return asOf;
}

/** The 30 calendar days as_of − 29 … as_of, and the 30 before them. */
export function windows(asOf: string) {
  const end = Date.parse(`${asOf}T00:00:00Z`);
  return {
    current: { from: dayString(end - 29 * DAY), to: asOf },
    previous: { from: dayString(end - 59 * DAY), to: dayString(end - 30 * DAY) },
  };
}

/**
 * The reference's metric definitions over the window ending on `asOf`, from the ledger's
 * per-day account totals (set-based: the cost does not grow with the number of rows).
 */
export async function computeMetrics(ledger: LedgerEngine, ws: Workspace, asOf: string): Promise<Metrics> {
  const w = windows(asOf);
  const totals = await ledger.periodTotals(ws.orgId, ws.ledgerId, [w.current, w.previous]);
  const pick = (i: number): WindowTotals => {
    const get = (code: string) => totals.get(code)?.[i] ?? 0n;
    return {
      recurringRevenue: get('revenue_recurring'),
      oneTimeRevenue: get('revenue_one_time'),
      refunds: get('refunds'),
      recurringExpenses: get('expense_recurring'),
      oneTimeExpenses: get('expense_one_time'),
    };
  };
  const current = pick(0);
  const grossRevenue = current.recurringRevenue + current.oneTimeRevenue;
  const netRevenue = grossRevenue + current.refunds;
  const totalExpenses = current.recurringExpenses + current.oneTimeExpenses;
  const recurringBurn = current.recurringExpenses - netRevenue;
  const cash = ws.cashOnHandCents;
  const warnings =
    cash === null ? [{ code: 'missing_cash', message: 'cash_on_hand_cents is not set on the workspace; runway is null. Set it with PATCH /v1/workspaces/{id}.' }] : [];
  return {
    asOf,
    currency: ws.currency,
    grossRevenue,
    refunds: current.refunds,
    netRevenue,
    mrr: current.recurringRevenue,
    arr: current.recurringRevenue * 12n,
    burn: totalExpenses - netRevenue,
    recurringBurn,
    oneTimeExpenses: current.oneTimeExpenses,
    cashOnHand: cash,
    runwayMonths: cash !== null && recurringBurn > 0n ? ratio2(cash, recurringBurn) : null,
    warnings,
    previous: pick(1),
    current,
  };
}
