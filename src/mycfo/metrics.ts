import { addDays, DAY_MS, formatDay, MIN_DAY, parseDay } from '../platform/dates.ts';
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

/** `as_of` as given (a real YYYY-MM-DD date) or today in UTC by the injected clock. */
export function resolveAsOf(asOf: string | undefined, clock: Clock): string {
  if (asOf === undefined) return formatDay(clock.now().getTime());
  return parseDay(asOf, 'as_of');
}

// An inclusive range that matches no day: `BETWEEN` with its bounds the wrong way round.
const NO_DAYS = { from: addDays(MIN_DAY, 1), to: MIN_DAY };

/** Days `first` … `last` relative to as_of, cut at 0001-01-01 (no date before it can be stored). */
function range(asOf: string, first: number, last: number) {
  if (Date.parse(`${asOf}T00:00:00Z`) + last * DAY_MS < Date.parse(`${MIN_DAY}T00:00:00Z`)) return NO_DAYS;
  return { from: addDays(asOf, first), to: addDays(asOf, last) };
}

/** The 30 calendar days as_of − 29 … as_of, and the 30 before them. */
export function windows(asOf: string) {
  return { current: range(asOf, -29, 0), previous: range(asOf, -59, -30) };
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
