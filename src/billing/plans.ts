import { minorUnit } from '../platform/currencies.ts';
import { billingError } from './errors.ts';

export type PlanStatus = 'draft' | 'active' | 'archived';
export type FeatureType = 'metered' | 'boolean' | 'seat';
/** A feature's period, and a plan's billing period: `none` never rolls. */
export type Period = 'monthly' | 'yearly' | 'none';
export type TierType = 'graduated' | 'volume' | 'flat';

/** Money in integer minor units of a lowercase ISO 4217 currency. */
export interface Money {
  amount: bigint;
  currency: string;
}

/** −1 as a limit means unlimited; for metered and seat features the limit is the included allowance. */
export const UNLIMITED = -1n;

export interface Feature {
  key: string;
  name: string;
  type: FeatureType;
  limit: bigint;
  period: Period;
  softLimit: boolean;
  metadata: Record<string, string>;
}

/** One rung of a feature's price ladder; `upTo` ≤ 0 (−1 on the wire) is unbounded. */
export interface PriceTier {
  featureKey: string;
  type: TierType;
  upTo: bigint;
  unitAmount: Money;
  flatAmount: Money;
}

export interface Pricing {
  baseAmount: Money;
  billingPeriod: Period;
  tiers: PriceTier[];
}

/** A plan as validated and normalised; ids, app and timestamps belong to the store. */
export interface PlanDefinition {
  name: string;
  slug: string;
  description: string;
  currency: string;
  status: PlanStatus;
  trialDays: number;
  features: Feature[];
  pricing: Pricing | null;
  metadata: Record<string, string>;
}

// The request body as the reference writes it (snake_case), before any check: the surface's
// schema has checked JSON types, but values are the client's.
export type IntInput = number | bigint;
export interface MoneyInput {
  amount?: IntInput;
  currency?: string;
}
export interface FeatureInput {
  key?: string;
  name?: string;
  type?: string;
  limit?: IntInput;
  period?: string;
  soft_limit?: boolean;
  metadata?: Record<string, string>;
}
export interface TierInput {
  feature_key?: string;
  type?: string;
  up_to?: IntInput;
  unit_amount?: MoneyInput;
  flat_amount?: MoneyInput;
}
export interface PricingInput {
  base_amount?: MoneyInput;
  billing_period?: string;
  tiers?: TierInput[];
}
export interface PlanInput {
  name?: string;
  slug?: string;
  description?: string;
  currency?: string;
  status?: string;
  trial_days?: IntInput;
  features?: FeatureInput[];
  pricing?: PricingInput | null;
  metadata?: Record<string, string>;
}

const PLAN_STATUSES: readonly string[] = ['draft', 'active', 'archived'];
const FEATURE_TYPES: readonly string[] = ['metered', 'boolean', 'seat'];
const PERIODS: readonly string[] = ['monthly', 'yearly', 'none'];
const TIER_TYPES: readonly string[] = ['graduated', 'volume', 'flat'];

/**
 * Slugs name plans in URLs (`GET /ledger/plans/{slug}`), so they are one lowercase path
 * segment: letters and digits in runs joined by single `-` or `_`, at most 64 characters.
 * Upper case is refused rather than folded, so the slug a client sends is the one it reads.
 */
const SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
export const SLUG_MAX = 64;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** An integer the client sent, exactly; a fraction, an unsafe float or beyond int64 is null. */
function exactInteger(value: IntInput | undefined, fallback: bigint): bigint | null {
  if (value === undefined) return fallback;
  if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? value : null;
  return Number.isSafeInteger(value) ? BigInt(value) : null;
}

const text = (value: string | undefined) => (typeof value === 'string' ? value.trim() : '');

/** A lowercase currency the ISO 4217 list knows. */
export const isKnownCurrency = (code: string) => /^[a-z]{3}$/.test(code) && minorUnit(code.toUpperCase()) !== null;

/**
 * Normalises and validates a plan, throwing the first refusal in the reference's order (see
 * the notes): name, slug, currency, status, trial_days, then each feature in turn (key,
 * uniqueness, type, period, limit), then pricing (`invalidPricing`).
 */
export function validatePlan(input: PlanInput): PlanDefinition {
  const name = text(input.name);
  if (!name) throw billingError('invalid_input', 'name is required', 'name');
  const slug = text(input.slug);
  if (!slug) throw billingError('invalid_input', 'slug is required', 'slug');
  if (slug.length > SLUG_MAX || !SLUG.test(slug)) {
    throw billingError('invalid_input', `slug must be lowercase letters and digits joined by "-" or "_", at most ${SLUG_MAX} characters`, 'slug');
  }
  const currency = text(input.currency).toLowerCase();
  if (!currency) throw billingError('invalid_input', 'currency is required', 'currency');
  if (!isKnownCurrency(currency)) throw billingError('invalid_input', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  const status = input.status === undefined || input.status === '' ? 'draft' : input.status;
  if (!PLAN_STATUSES.includes(status)) throw billingError('invalid_input', 'status must be draft, active or archived', 'status');
  const trialDays = exactInteger(input.trial_days, 0n);
  if (trialDays === null || trialDays < 0n || trialDays > 36_500n) {
    throw billingError('invalid_input', 'trial_days must be a whole number from 0 to 36500', 'trial_days');
  }

  const features: Feature[] = [];
  const keys = new Set<string>();
  for (const [i, f] of (input.features ?? []).entries()) {
    const at = `features[${i}]`;
    const key = text(f.key);
    if (!key) throw billingError('invalid_input', `${at}.key is required`, `${at}.key`);
    if (keys.has(key)) throw billingError('duplicate_feature', `feature key "${key}" appears twice`, `${at}.key`);
    keys.add(key);
    const type = f.type ?? '';
    if (!FEATURE_TYPES.includes(type)) throw billingError('invalid_input', `${at}.type must be metered, boolean or seat`, `${at}.type`);
    // A metered feature's quota is per billing period; a seat or switch has none to reset.
    const period = f.period === undefined || f.period === '' ? (type === 'metered' ? 'monthly' : 'none') : f.period;
    if (!PERIODS.includes(period)) throw billingError('invalid_input', `${at}.period must be monthly, yearly or none`, `${at}.period`);
    const limit = exactInteger(f.limit, 0n);
    if (limit === null || limit < UNLIMITED) {
      throw billingError('invalid_input', `${at}.limit must be a whole number, -1 for unlimited`, `${at}.limit`);
    }
    features.push({
      key,
      name: text(f.name) || key,
      type: type as FeatureType,
      limit,
      period: period as Period,
      softLimit: f.soft_limit === true,
      metadata: { ...(f.metadata ?? {}) },
    });
  }

  return {
    name,
    slug,
    description: typeof input.description === 'string' ? input.description : '',
    currency,
    status: status as PlanStatus,
    trialDays: Number(trialDays),
    features,
    pricing: input.pricing ? validatePricing(input.pricing, currency, features) : null,
    metadata: { ...(input.metadata ?? {}) },
  };
}

function money(input: MoneyInput | undefined, planCurrency: string, param: string): Money {
  const amount = exactInteger(input?.amount, 0n);
  if (amount === null) throw billingError('invalid_pricing', `${param}.amount must be a whole number of minor units`, `${param}.amount`);
  // The currency defaults to the plan's; a different one is refused by the caller, in order.
  return { amount, currency: text(input?.currency).toLowerCase() || planCurrency };
}

/** `up_to` ≤ 0 is the unbounded rung. */
export const isUnbounded = (tier: { upTo: bigint }) => tier.upTo <= 0n;

/**
 * Pricing checks, each 400 `invalid_pricing`: base amount, its currency, the billing period,
 * then each tier (known non-boolean feature, type, non-negative amounts), then each feature's
 * ladder as a whole (one tier type, the plan's currency, at most one unbounded tier, no
 * repeated `up_to`, and amounts of the shape the type uses: graduated and volume tiers charge
 * per unit with no flat fee, flat tiers charge a band fee with no unit amount).
 */
function validatePricing(input: PricingInput, currency: string, features: Feature[]): Pricing {
  const baseAmount = money(input.base_amount, currency, 'pricing.base_amount');
  if (baseAmount.amount < 0n) throw billingError('invalid_pricing', 'the base amount must not be negative', 'pricing.base_amount.amount');
  if (baseAmount.currency !== currency) {
    throw billingError('invalid_pricing', `the base amount's currency must be the plan's (${currency})`, 'pricing.base_amount.currency');
  }
  const billingPeriod = input.billing_period === undefined || input.billing_period === '' ? 'monthly' : input.billing_period;
  if (!PERIODS.includes(billingPeriod)) {
    throw billingError('invalid_pricing', 'billing_period must be monthly, yearly or none', 'pricing.billing_period');
  }

  const tiers: PriceTier[] = [];
  for (const [i, t] of (input.tiers ?? []).entries()) {
    const at = `pricing.tiers[${i}]`;
    const featureKey = text(t.feature_key);
    const feature = features.find((f) => f.key === featureKey);
    if (!feature) throw billingError('invalid_pricing', `${at}.feature_key names no feature of the plan`, `${at}.feature_key`);
    if (feature.type === 'boolean') throw billingError('invalid_pricing', `${at}: a boolean feature has no usage to price`, `${at}.feature_key`);
    const type = t.type ?? '';
    if (!TIER_TYPES.includes(type)) throw billingError('invalid_pricing', `${at}.type must be graduated, volume or flat`, `${at}.type`);
    const upTo = exactInteger(t.up_to, 0n);
    if (upTo === null) throw billingError('invalid_pricing', `${at}.up_to must be a whole number, -1 for unbounded`, `${at}.up_to`);
    const unitAmount = money(t.unit_amount, currency, `${at}.unit_amount`);
    const flatAmount = money(t.flat_amount, currency, `${at}.flat_amount`);
    if (unitAmount.amount < 0n) throw billingError('invalid_pricing', `${at}.unit_amount must not be negative`, `${at}.unit_amount.amount`);
    if (flatAmount.amount < 0n) throw billingError('invalid_pricing', `${at}.flat_amount must not be negative`, `${at}.flat_amount.amount`);
    tiers.push({ featureKey, type: type as TierType, upTo: upTo <= 0n ? UNLIMITED : upTo, unitAmount, flatAmount });
  }

  const ladders = new Map<string, number[]>();
  tiers.forEach((t, i) => ladders.set(t.featureKey, [...(ladders.get(t.featureKey) ?? []), i]));
  for (const indexes of ladders.values()) {
    const first = tiers[indexes[0]];
    const seen = new Set<bigint>();
    let unbounded = 0;
    for (const i of indexes) {
      const t = tiers[i];
      const at = `pricing.tiers[${i}]`;
      if (t.type !== first.type) throw billingError('invalid_pricing', `${at}: one feature's tiers must all be ${first.type}`, `${at}.type`);
      if (t.unitAmount.currency !== currency) throw billingError('invalid_pricing', `${at}.unit_amount must be in ${currency}`, `${at}.unit_amount.currency`);
      if (t.flatAmount.currency !== currency) throw billingError('invalid_pricing', `${at}.flat_amount must be in ${currency}`, `${at}.flat_amount.currency`);
      if (isUnbounded(t) && ++unbounded > 1) throw billingError('invalid_pricing', `${at}: a feature has at most one unbounded tier`, `${at}.up_to`);
      if (!isUnbounded(t) && seen.has(t.upTo)) throw billingError('invalid_pricing', `${at}: up_to ${t.upTo} appears twice`, `${at}.up_to`);
      seen.add(t.upTo);
    }
    for (const i of indexes) {
      const t = tiers[i];
      const at = `pricing.tiers[${i}]`;
      if (t.type !== 'flat' && t.flatAmount.amount !== 0n) {
        throw billingError('invalid_pricing', `${at}: ${t.type} tiers charge per unit; flat_amount must be 0`, `${at}.flat_amount.amount`);
      }
      if (t.type === 'flat' && t.unitAmount.amount !== 0n) {
        throw billingError('invalid_pricing', `${at}: flat tiers charge a band fee; unit_amount must be 0`, `${at}.unit_amount.amount`);
      }
    }
  }
  return { baseAmount, billingPeriod: billingPeriod as Period, tiers };
}

/** The plan's billing period; a plan with no pricing bills monthly, as the library does. */
export const billingPeriodOf = (plan: Pick<PlanDefinition, 'pricing'>): Period => plan.pricing?.billingPeriod ?? 'monthly';

/** The base fee per period (zero without pricing). */
export const baseFeeOf = (plan: Pick<PlanDefinition, 'pricing' | 'currency'>): Money =>
  plan.pricing?.baseAmount ?? { amount: 0n, currency: plan.currency };

/**
 * A plan in the reference's wire shape (snake_case), its money written by `money`: as input
 * for updates that merge into it, or as `{amount, currency, display}` for the surface's view.
 */
export function planWireFields<M>(plan: PlanDefinition, money: (x: Money) => M) {
  return {
    name: plan.name,
    slug: plan.slug,
    description: plan.description,
    currency: plan.currency,
    status: plan.status,
    trial_days: plan.trialDays,
    features: plan.features.map((f) => ({ key: f.key, name: f.name, type: f.type, limit: f.limit, period: f.period, soft_limit: f.softLimit, metadata: f.metadata })),
    pricing: plan.pricing && {
      base_amount: money(plan.pricing.baseAmount),
      billing_period: plan.pricing.billingPeriod,
      tiers: plan.pricing.tiers.map((t) => ({ feature_key: t.featureKey, type: t.type, up_to: t.upTo, unit_amount: money(t.unitAmount), flat_amount: money(t.flatAmount) })),
    },
    metadata: plan.metadata,
  };
}

/** The reference's wire shape of a validated plan, for updates that merge into it. */
export const planToInput = (plan: PlanDefinition): PlanInput => planWireFields(plan, (x): MoneyInput => ({ amount: x.amount, currency: x.currency }));

/**
 * `PUT /ledger/plans/{slug}`: only the fields given change. An archived plan refuses any
 * update (`plan_archived`, before anything else); the currency cannot change (prices,
 * subscriptions and invoices are in it); the merged plan is validated whole.
 */
export function updatePlan(current: PlanDefinition, patch: PlanInput): PlanDefinition {
  if (current.status === 'archived') throw billingError('plan_archived', `plan "${current.slug}" is archived and cannot be updated`, 'slug');
  if (patch.currency !== undefined && text(patch.currency).toLowerCase() !== current.currency) {
    throw billingError('invalid_input', `currency cannot change (the plan is in ${current.currency})`, 'currency');
  }
  const merged: PlanInput = { ...planToInput(current) };
  for (const [k, v] of Object.entries(patch) as [keyof PlanInput, unknown][]) {
    if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  }
  return validatePlan(merged);
}

/** `DELETE /ledger/plans/{id}`: refused while any subscription references the plan. */
export function assertPlanDeletable(planId: string, referencingSubscriptions: number): void {
  if (referencingSubscriptions > 0) {
    throw billingError('plan_in_use', `plan ${planId} has ${referencingSubscriptions} subscription(s); archive it instead`, 'id');
  }
}
