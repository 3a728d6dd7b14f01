import { isUnbounded, UNLIMITED, type Feature, type PriceTier } from './plans.ts';

/**
 * Usage pricing for one billing period, exact in bigint minor units.
 *
 * `up_to` counts the period's total usage, inclusive (a tier up to 1000 holds units 1–1000).
 * The feature's `limit` is the included allowance (seats include none: every seat is priced);
 * the charge is for usage above it. Nothing is charged when the allowance is unlimited, when
 * usage is within it, or when the feature has no tiers.
 */

/** A feature's tiers in ladder order: by `up_to`, the unbounded tier last. */
export function ladderOf(tiers: readonly PriceTier[], featureKey: string): PriceTier[] {
  return tiers
    .filter((t) => t.featureKey === featureKey)
    .sort((a, b) => (isUnbounded(a) ? 1 : 0) - (isUnbounded(b) ? 1 : 0) || (a.upTo < b.upTo ? -1 : a.upTo > b.upTo ? 1 : 0));
}

/** The index of the rung that `quantity` (≥ 1) falls in; a ladder with no unbounded rung extends its last. */
function rungOf(ladder: readonly PriceTier[], quantity: bigint): number {
  const i = ladder.findIndex((t) => isUnbounded(t) || quantity <= t.upTo);
  return i === -1 ? ladder.length - 1 : i;
}

/** Graduated: each unit at the rate of the rung it falls in. */
export function graduatedPrice(ladder: readonly PriceTier[], quantity: bigint): bigint {
  let total = 0n;
  let below = 0n; // units already priced by lower rungs
  for (const [i, t] of ladder.entries()) {
    if (quantity <= below) break;
    const last = i === ladder.length - 1;
    const top = isUnbounded(t) || last ? quantity : t.upTo < quantity ? t.upTo : quantity;
    total += (top - below) * t.unitAmount.amount;
    below = top;
  }
  return total;
}

/** Volume: the rung reached by the whole quantity prices every unit. */
export function volumeRate(ladder: readonly PriceTier[], quantity: bigint): bigint {
  return quantity <= 0n || ladder.length === 0 ? 0n : ladder[rungOf(ladder, quantity)].unitAmount.amount;
}

/** Flat: the band fee of the rung the quantity falls in; no usage, no band. */
export function flatFee(ladder: readonly PriceTier[], quantity: bigint): bigint {
  return quantity <= 0n || ladder.length === 0 ? 0n : ladder[rungOf(ladder, quantity)].flatAmount.amount;
}

/** The allowance usage is measured against: a seat feature includes none. */
export function includedQuantity(feature: Pick<Feature, 'type' | 'limit'>): bigint {
  return feature.type === 'seat' ? 0n : feature.limit;
}

/**
 * The charge for `usage` of `feature` in one period under the plan's tiers (of any feature;
 * the feature's own are picked out). Graduated: price(usage) − price(allowance). Volume: the
 * rate of the rung usage reaches, times usage above the allowance. Flat: the band fee of
 * usage less that of the allowance, never below zero.
 */
export function priceUsage(feature: Pick<Feature, 'key' | 'type' | 'limit'>, tiers: readonly PriceTier[], usage: bigint): bigint {
  const included = includedQuantity(feature);
  if (included === UNLIMITED || usage <= included) return 0n;
  const ladder = ladderOf(tiers, feature.key);
  if (ladder.length === 0) return 0n;
  switch (ladder[0].type) {
    case 'graduated':
      return graduatedPrice(ladder, usage) - graduatedPrice(ladder, included);
    case 'volume':
      return volumeRate(ladder, usage) * (usage - included);
    case 'flat': {
      const charge = flatFee(ladder, usage) - flatFee(ladder, included);
      return charge > 0n ? charge : 0n;
    }
  }
}

/** Units charged for: usage above the allowance (the invoice line's quantity). */
export function overageQuantity(feature: Pick<Feature, 'type' | 'limit'>, usage: bigint): bigint {
  const included = includedQuantity(feature);
  return included === UNLIMITED || usage <= included ? 0n : usage - included;
}
