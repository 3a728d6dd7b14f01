import type { BillingPeriodSpan } from './periods.ts';
import type { Money } from './plans.ts';

/**
 * Proration of base fees when a plan changes mid-period, to the second, in integer arithmetic.
 *
 * Both instants are cut to whole seconds since the epoch (truncated: milliseconds never
 * count), so `remaining = ⌊end⌋ − ⌊at⌋` and `total = ⌊end⌋ − ⌊start⌋`, in seconds.
 *
 * Rounding rule: one line's amount is `fee × remaining / total` rounded to the nearest minor
 * unit, halves away from zero: `(2 × fee × remaining + total) div (2 × total)` on the
 * non-negative magnitude, the sign applied after. Each line is rounded on its own, so a
 * change between two plans of the same price nets exactly zero, and a line never exceeds the
 * full fee. See docs/decisions/0011-billing-proration.md.
 */

const wholeSeconds = (at: Date) => BigInt(Math.floor(at.getTime() / 1000));

/** Seconds of `span` left after `at` (none before start is counted twice, none after end). */
export function remainingSeconds(span: BillingPeriodSpan, at: Date): { remaining: bigint; total: bigint } {
  const start = wholeSeconds(span.start);
  const end = wholeSeconds(span.end);
  const total = end > start ? end - start : 0n;
  let remaining = end - wholeSeconds(at);
  if (remaining < 0n) remaining = 0n;
  if (remaining > total) remaining = total;
  return { remaining, total };
}

/** `fee × remaining / total`, rounded half away from zero. */
export function prorateAmount(fee: bigint, remaining: bigint, total: bigint): bigint {
  if (total <= 0n || remaining <= 0n || fee === 0n) return 0n;
  const magnitude = fee < 0n ? -fee : fee;
  const share = (2n * magnitude * remaining + total) / (2n * total);
  return fee < 0n ? -share : share;
}

/** A charge or credit waiting for the next invoice; the invoice copies it as a `proration` line. */
export interface ProrationLine {
  type: 'proration';
  description: string;
  planId: string;
  quantity: 1n;
  unitAmount: Money;
  amount: Money;
  periodStart: Date;
  periodEnd: Date;
}

export interface PlanFee {
  id: string;
  name: string;
  baseFee: Money;
}

function line(description: string, plan: PlanFee, amount: bigint, from: Date, to: Date): ProrationLine {
  const money = { amount, currency: plan.baseFee.currency };
  return { type: 'proration', description, planId: plan.id, quantity: 1n, unitAmount: money, amount: money, periodStart: from, periodEnd: to };
}

/**
 * The pending lines of a plan change at `at` within `span`: a credit for the unused share of
 * the old plan's base fee, and, when the period carries on (`restart` false), a charge for the
 * new plan's share of the rest of it. When the billing period changes the period restarts at
 * `at`, so the new plan's fee is the new period's ordinary base fee and only the credit is
 * pending. Zero lines are left out.
 *
 * This assumes each period's base fee is billed at the plan in force when the period began
 * (the invoice builder's side of the contract): the credit takes back what was billed for
 * time not used, the charge bills the new plan for the time left.
 */
export function planChangeLines(oldPlan: PlanFee, newPlan: PlanFee, span: BillingPeriodSpan, at: Date, restart: boolean): ProrationLine[] {
  const { remaining, total } = remainingSeconds(span, at);
  const lines: ProrationLine[] = [];
  const credit = prorateAmount(oldPlan.baseFee.amount, remaining, total);
  if (credit !== 0n) lines.push(line(`Unused time on ${oldPlan.name}`, oldPlan, -credit, at, span.end));
  if (!restart) {
    const charge = prorateAmount(newPlan.baseFee.amount, remaining, total);
    if (charge !== 0n) lines.push(line(`Remaining time on ${newPlan.name}`, newPlan, charge, at, span.end));
  }
  return lines;
}
