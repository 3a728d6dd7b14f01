import type { BillingPeriodSpan } from './periods.ts';
import type { Feature, Pricing } from './plans.ts';
import { prorateAmount, remainingSeconds } from './proration.ts';
import { taxAmount, type TaxDecision } from './tax.ts';
import { overageQuantity, priceUsage } from './tiers.ts';

/**
 * An invoice's lines and totals, in the notes' order (pure: no database, exact bigint minor
 * units; decision 0019):
 *   base "Base subscription fee" · per metered feature in plan order "<Name> overage" ·
 *   per seat feature "<Name>" · pending `proration` lines (plan changes, oldest first) ·
 *   per coupon "Discount <CODE>" (negative) · "Tax" (when > 0).
 * subtotal = base + overage + seats + proration; discount = Σ coupons, each percentage on the
 * pre-discount subtotal (no compounding), capped at the subtotal; net = subtotal − discount;
 * tax = net × rate (half away from zero); total = net + tax. A negative subtotal (a plan
 * change credited more than was billed) leaves total 0 and its excess carried to the
 * customer's credit. Customer credit itself is taken at finalisation (a `credit` line).
 */
export type LineType = 'base' | 'overage' | 'seat' | 'proration' | 'discount' | 'tax' | 'credit';

export interface DraftLine {
  type: LineType;
  description: string;
  quantity: bigint;
  unitAmount: bigint;
  amount: bigint;
  planId: string | null;
  featureKey: string | null;
  periodStart: Date | null;
  periodEnd: Date | null;
}

/** A charge or credit a plan change left for the next invoice (billing_pending_lines). */
export interface PendingCharge {
  description: string;
  planId: string;
  amount: bigint;
  periodStart: Date;
  periodEnd: Date;
}

/** A coupon applied to the subscription (the coupons module's seam, src/billing/discounts.ts). */
export type Discount = { code: string; percentOff: number } | { code: string; amountOff: bigint };

export interface InvoiceInput {
  period: BillingPeriodSpan;
  /** The plan whose features and tiers price the period's usage and seats. */
  plan: { id: string; features: readonly Feature[]; pricing: Pricing | null };
  /** The plan in force when the period began: its base fee is the period's (decision 0011). */
  basePlan: { id: string; pricing: Pricing | null };
  /** A trial that covered part of the period: the base fee is charged for the rest only. */
  trialEnd: Date | null;
  usage: ReadonlyMap<string, bigint>;
  seats: bigint;
  pending: readonly PendingCharge[];
  discounts: readonly Discount[];
  tax: TaxDecision;
}

export interface InvoiceFigures {
  lines: DraftLine[];
  subtotal: bigint;
  discount: bigint;
  tax: bigint;
  total: bigint;
  /** Credit owed to the customer when the subtotal is negative. */
  carriedCredit: bigint;
}

/** The period's share of the base fee after a trial, rounded as proration rounds (decision 0011). */
export function baseFeeFor(fee: bigint, period: BillingPeriodSpan, trialEnd: Date | null): bigint {
  if (trialEnd === null || trialEnd.getTime() <= period.start.getTime()) return fee;
  if (trialEnd.getTime() >= period.end.getTime()) return 0n;
  const { remaining, total } = remainingSeconds(period, trialEnd);
  return prorateAmount(fee, remaining, total);
}

/** amount ÷ quantity when exact; otherwise the average rounded half away from zero (the amount is what counts). */
export function unitOf(amount: bigint, quantity: bigint): bigint {
  if (quantity === 0n) return amount;
  if (amount % quantity === 0n) return amount / quantity;
  const neg = amount < 0n;
  const m = neg ? -amount : amount;
  const avg = (2n * m + quantity) / (2n * quantity);
  return neg ? -avg : avg;
}

const line = (type: LineType, description: string, quantity: bigint, amount: bigint, extra: Partial<DraftLine> = {}): DraftLine => ({
  type,
  description,
  quantity,
  unitAmount: unitOf(amount, quantity),
  amount,
  planId: null,
  featureKey: null,
  periodStart: null,
  periodEnd: null,
  ...extra,
});

/** A percentage of an amount, half away from zero; percentages in 1/10,000 of a percent. */
export function percentOf(amount: bigint, percent: number): bigint {
  if (amount <= 0n || percent <= 0) return 0n;
  const p = BigInt(Math.round(percent * 10_000));
  return (2n * amount * p + 1_000_000n) / 2_000_000n;
}

export function buildInvoice(input: InvoiceInput): InvoiceFigures {
  const lines: DraftLine[] = [];
  const span = { periodStart: input.period.start, periodEnd: input.period.end };
  if (input.basePlan.pricing) {
    const fee = baseFeeFor(input.basePlan.pricing.baseAmount.amount, input.period, input.trialEnd);
    lines.push(line('base', 'Base subscription fee', 1n, fee, { planId: input.basePlan.id, ...span }));
  }
  const tiers = input.plan.pricing?.tiers ?? [];
  for (const f of input.plan.features.filter((f) => f.type === 'metered')) {
    const used = input.usage.get(f.key) ?? 0n;
    const quantity = overageQuantity(f, used);
    const amount = priceUsage(f, tiers, used);
    if (quantity > 0n && amount > 0n) lines.push(line('overage', `${f.name} overage`, quantity, amount, { planId: input.plan.id, featureKey: f.key, ...span }));
  }
  for (const f of input.plan.features.filter((f) => f.type === 'seat')) {
    const amount = priceUsage(f, tiers, input.seats);
    if (input.seats > 0n && amount > 0n) lines.push(line('seat', f.name, input.seats, amount, { planId: input.plan.id, featureKey: f.key, ...span }));
  }
  for (const p of input.pending) {
    lines.push(line('proration', p.description, 1n, p.amount, { planId: p.planId, periodStart: p.periodStart, periodEnd: p.periodEnd }));
  }
  const subtotal = lines.reduce((sum, l) => sum + l.amount, 0n);

  let discount = 0n;
  for (const d of input.discounts) {
    const room = subtotal - discount;
    if (room <= 0n) break;
    let off = 'percentOff' in d ? percentOf(subtotal, d.percentOff) : d.amountOff;
    if (off > room) off = room;
    if (off <= 0n) continue;
    discount += off;
    lines.push(line('discount', `Discount ${d.code}`, 1n, -off));
  }
  const net = subtotal - discount;
  const tax = taxAmount(net, input.tax.ppm);
  if (tax > 0n) lines.push(line('tax', 'Tax', 1n, tax));
  const total = net > 0n ? net + tax : 0n;
  return { lines, subtotal, discount, tax, total, carriedCredit: net < 0n ? -net : 0n };
}
