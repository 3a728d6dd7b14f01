import { billingError } from './errors.ts';
import { isKnownCurrency, type IntInput, type MoneyInput } from './plans.ts';

/**
 * Coupons as the reference has them: `percentage` (0–100 % off the invoice's pre-discount
 * subtotal) or `amount` (a fixed amount off, in one currency), redeemable inside an optional
 * validity window, at most `max_redemptions` times (≤ 0: unlimited). A redeemed coupon gives
 * every invoice of its subscription a discount line (the reference has no duration), oldest
 * redemption first; see `discountLines`.
 */
export type CouponType = 'percentage' | 'amount';

export interface CouponDefinition {
  code: string;
  name: string;
  type: CouponType;
  /** Whole percent, 0–100; null for amount coupons. */
  percentage: number | null;
  /** Minor units; null for percentage coupons. */
  amount: bigint | null;
  /** Required for amount coupons; optional (informative) for percentage ones. */
  currency: string | null;
  maxRedemptions: number;
  validFrom: Date | null;
  validUntil: Date | null;
  metadata: Record<string, string>;
}

export interface CouponInput {
  code?: string;
  name?: string;
  type?: string;
  percentage?: IntInput;
  amount?: MoneyInput;
  currency?: string;
  max_redemptions?: IntInput;
  valid_from?: string | null;
  valid_until?: string | null;
  metadata?: Record<string, string>;
}

/** What `PUT /ledger/coupons/{id}` may change (the notes: name, max_redemptions, validity, metadata). */
export type CouponPatch = Pick<CouponInput, 'name' | 'max_redemptions' | 'valid_from' | 'valid_until' | 'metadata'>;

/**
 * Codes name coupons in URLs (`/ledger/coupons/{code}/redeem`), so they are one path segment:
 * letters, digits, `-`, `_` and `.`, starting with a letter or digit, at most 64 characters.
 * Case is kept and matched exactly.
 */
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const INT32_MAX = 2 ** 31 - 1;

const text = (value: string | undefined) => (typeof value === 'string' ? value.trim() : '');

function time(value: string | null | undefined, field: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw billingError('invalid_input', `${field} must be an ISO 8601 time`, field);
  return new Date(ms);
}

function maxRedemptions(value: IntInput | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > INT32_MAX || n < -INT32_MAX) throw billingError('invalid_input', `max_redemptions must be an integer up to ${INT32_MAX} (≤ 0: unlimited)`, 'max_redemptions');
  return n;
}

function window(validFrom: Date | null, validUntil: Date | null): void {
  if (validFrom && validUntil && validUntil.getTime() < validFrom.getTime()) throw billingError('invalid_input', 'valid_until must not be before valid_from', 'valid_until');
}

/**
 * Normalises and validates a new coupon, first refusal first: code, type (both required),
 * the percentage (0–100) or the amount (≥ 0, with a known currency, the same as `currency`
 * when both are given), max_redemptions, then the window (valid_until ≥ valid_from).
 */
export function validateCoupon(input: CouponInput): CouponDefinition {
  const code = text(input.code);
  if (!code) throw billingError('invalid_input', 'code is required', 'code');
  if (!CODE.test(code)) throw billingError('invalid_input', 'code must be 1 to 64 letters, digits, "-", "_" or ".", starting with a letter or digit', 'code');
  const type = text(input.type);
  if (!type) throw billingError('invalid_input', 'type is required', 'type');
  if (type !== 'percentage' && type !== 'amount') throw billingError('invalid_input', 'type must be percentage or amount', 'type');
  let currency = text(input.currency).toLowerCase() || null;
  if (currency !== null && !isKnownCurrency(currency)) throw billingError('invalid_input', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  let percentage: number | null = null;
  let amount: bigint | null = null;
  if (type === 'percentage') {
    if (input.percentage === undefined) throw billingError('invalid_input', 'percentage is required for a percentage coupon', 'percentage');
    const p = Number(input.percentage);
    if (!Number.isInteger(p) || p < 0 || p > 100) throw billingError('invalid_input', 'percentage must be an integer from 0 to 100', 'percentage');
    percentage = p;
  } else {
    const given = input.amount?.amount;
    if (given === undefined) throw billingError('invalid_input', 'amount is required for an amount coupon', 'amount.amount');
    const a = BigInt(given);
    if (a < 0n || a > BigInt(Number.MAX_SAFE_INTEGER)) throw billingError('invalid_input', 'amount must be an integer number of minor units ≥ 0', 'amount.amount');
    const own = text(input.amount?.currency).toLowerCase() || null;
    if (own !== null && !isKnownCurrency(own)) throw billingError('invalid_input', `currency "${own}" is not an ISO 4217 code`, 'amount.currency');
    if (own !== null && currency !== null && own !== currency) throw billingError('invalid_input', `amount.currency "${own}" differs from currency "${currency}"`, 'amount.currency');
    currency = currency ?? own;
    if (currency === null) throw billingError('invalid_input', 'an amount coupon needs a currency', 'currency');
    amount = a;
  }
  const validFrom = time(input.valid_from, 'valid_from');
  const validUntil = time(input.valid_until, 'valid_until');
  const max = maxRedemptions(input.max_redemptions);
  window(validFrom, validUntil);
  return { code, name: text(input.name) || code, type, percentage, amount, currency, maxRedemptions: max, validFrom, validUntil, metadata: input.metadata ?? {} };
}

/** A coupon with `patch` applied: only the fields given change; the window is checked again. */
export function patchCoupon(current: CouponDefinition, patch: CouponPatch): CouponDefinition {
  const validFrom = patch.valid_from === undefined ? current.validFrom : time(patch.valid_from, 'valid_from');
  const validUntil = patch.valid_until === undefined ? current.validUntil : time(patch.valid_until, 'valid_until');
  const name = patch.name === undefined ? current.name : text(patch.name);
  if (patch.name !== undefined && !name) throw billingError('invalid_input', 'name must not be empty', 'name');
  const max = patch.max_redemptions === undefined ? current.maxRedemptions : maxRedemptions(patch.max_redemptions);
  window(validFrom, validUntil);
  return { ...current, name, maxRedemptions: max, validFrom, validUntil, metadata: patch.metadata ?? current.metadata };
}

/** Whether `now` is inside the coupon's validity window (`?active=true`). */
export const isWithinWindow = (c: Pick<CouponDefinition, 'validFrom' | 'validUntil'>, now: Date) =>
  (c.validFrom === null || c.validFrom.getTime() <= now.getTime()) && (c.validUntil === null || now.getTime() < c.validUntil.getTime());

/**
 * The redeem checks before the cap, in the notes' order after the subscription and the code
 * were found: not started (`coupon_not_started`), then expired (`coupon_expired`, at or after
 * valid_until). The cap is checked by the store in the statement that counts the redemption.
 */
export function assertRedeemable(c: Pick<CouponDefinition, 'code' | 'validFrom' | 'validUntil'>, now: Date): void {
  if (c.validFrom !== null && now.getTime() < c.validFrom.getTime()) throw billingError('coupon_not_started', `coupon ${c.code} is valid from ${c.validFrom.toISOString()}`, 'code');
  if (c.validUntil !== null && now.getTime() >= c.validUntil.getTime()) throw billingError('coupon_expired', `coupon ${c.code} expired at ${c.validUntil.toISOString()}`, 'code');
}

/**
 * After the cap: the coupon must fit the subscription (`coupon_invalid`): an amount coupon in
 * the plan's currency, and a subscription that can still be invoiced (not canceled or expired).
 */
export function assertFits(c: Pick<CouponDefinition, 'code' | 'type' | 'currency'>, subscription: { status: string; currency: string }): void {
  if (c.type === 'amount' && c.currency !== subscription.currency) {
    throw billingError('coupon_invalid', `coupon ${c.code} is in ${c.currency}; the subscription is billed in ${subscription.currency}`, 'code');
  }
  if (subscription.status === 'canceled' || subscription.status === 'expired') {
    throw billingError('coupon_invalid', `the subscription is ${subscription.status}: it has no invoices left to discount`, 'subscription_id');
  }
}

/** A discount line of an invoice: negative, in the invoice's currency. */
export interface DiscountLine {
  type: 'discount';
  couponId: string;
  code: string;
  /** "Discount <CODE>", as the notes write it. */
  description: string;
  /** Minor units, ≤ 0. */
  amount: bigint;
  currency: string;
}

/**
 * The discount lines of an invoice whose pre-discount subtotal is `subtotal` (minor units of
 * `currency`), one per coupon in the order given (oldest redemption first). Percentage
 * coupons take their share of the pre-discount subtotal (no compounding), rounded half away
 * from zero in integer arithmetic; amount coupons their value. Lines are not capped: the
 * invoice's net is max(0, subtotal − Σ discounts), as the notes have it. Worked: 4900 with
 * 10 % → −490; with 10 % and $5 → −490, −500. A coupon in another currency gives no line (it
 * could not be redeemed onto this subscription; a plan change keeps the currency).
 */
export function discountLines(coupons: readonly (Pick<CouponDefinition, 'code' | 'type' | 'percentage' | 'amount' | 'currency'> & { id: string })[], subtotal: bigint, currency: string): DiscountLine[] {
  const base = subtotal > 0n ? subtotal : 0n;
  const lines: DiscountLine[] = [];
  for (const c of coupons) {
    let off: bigint;
    if (c.type === 'percentage') off = (2n * base * BigInt(c.percentage ?? 0) + 100n) / 200n;
    else if (c.currency === currency) off = c.amount ?? 0n;
    else continue;
    if (off === 0n) continue;
    lines.push({ type: 'discount', couponId: c.id, code: c.code, description: `Discount ${c.code}`, amount: -off, currency });
  }
  return lines;
}
