import { DomainError, type DomainErrorCode } from '../platform/errors.ts';

/**
 * Billing's refusals are the project's `DomainError`, so every surface and the write runner
 * already know how to carry them; the reference's own code, type and status ride in
 * `details` (as MyCFO's codes do), and `field` is the reference's `param`.
 *
 * `kind` is the nearest generic category, chosen so a surface that only reads the category
 * still answers with the reference's status: the reference puts some conflict-like codes
 * (`subscription_canceled`, `plan_in_use`) at 400, so they are `validation` here.
 */
export const BILLING_ERRORS = {
  invalid_input: { status: 400, type: 'validation', kind: 'validation' },
  duplicate_feature: { status: 400, type: 'validation', kind: 'validation' },
  invalid_pricing: { status: 400, type: 'validation', kind: 'validation' },
  plan_archived: { status: 400, type: 'validation', kind: 'validation' },
  plan_in_use: { status: 400, type: 'conflict', kind: 'validation' },
  subscription_canceled: { status: 400, type: 'conflict', kind: 'validation' },
  invalid_state: { status: 400, type: 'validation', kind: 'validation' },
  invalid_upgrade: { status: 400, type: 'validation', kind: 'validation' },
  invalid_downgrade: { status: 400, type: 'validation', kind: 'validation' },
  invalid_email: { status: 400, type: 'validation', kind: 'validation' },
  has_active_subscriptions: { status: 400, type: 'conflict', kind: 'validation' },
  invoice_finalized: { status: 400, type: 'validation', kind: 'validation' },
  invoice_incomplete: { status: 400, type: 'validation', kind: 'validation' },
  invoice_paid: { status: 400, type: 'conflict', kind: 'validation' },
  invoice_voided: { status: 400, type: 'conflict', kind: 'validation' },
  no_active_subscription: { status: 403, type: 'validation', kind: 'forbidden' },
  plan_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  subscription_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  customer_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  invoice_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  already_exists: { status: 409, type: 'conflict', kind: 'conflict' },
  subscription_exists: { status: 409, type: 'conflict', kind: 'conflict' },
  duplicate_customer_email: { status: 409, type: 'conflict', kind: 'conflict' },
  duplicate_event: { status: 409, type: 'conflict', kind: 'conflict' },
  // The reference's types have none for "try later"; like the surface's own 429 it is `validation`.
  meter_buffer_full: { status: 429, type: 'validation', kind: 'rate_limited' },
  // Coupons (the reference's redeem table; the cap's 400 is conflict-like, so `validation` here).
  coupon_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  coupon_not_started: { status: 400, type: 'validation', kind: 'validation' },
  coupon_expired: { status: 400, type: 'validation', kind: 'validation' },
  coupon_exhausted: { status: 400, type: 'conflict', kind: 'validation' },
  coupon_invalid: { status: 400, type: 'validation', kind: 'validation' },
  // Payments and payment methods (the reference's Payments section).
  payment_not_found: { status: 404, type: 'not_found', kind: 'not_found' },
  invalid_amount: { status: 400, type: 'validation', kind: 'validation' },
  payment_failed: { status: 402, type: 'payment', kind: 'validation' },
  // Not in the reference (its refund table has no provider refusal): a refund the provider refused.
  refund_failed: { status: 402, type: 'payment', kind: 'validation' },
  provider_not_configured: { status: 500, type: 'provider', kind: 'validation' },
  provider_error: { status: 502, type: 'provider', kind: 'upstream' },
  provider_timeout: { status: 504, type: 'provider', kind: 'upstream' },
} as const satisfies Record<string, { status: number; type: string; kind: DomainErrorCode }>;

export type BillingErrorCode = keyof typeof BILLING_ERRORS;

export interface BillingErrorDetails extends Record<string, unknown> {
  code: BillingErrorCode;
  type: string;
  status: number;
}

/** A refusal with the reference's `code` and `param` (`field` on the DomainError). */
export function billingError(code: BillingErrorCode, message: string, param?: string): DomainError {
  const { status, type, kind } = BILLING_ERRORS[code];
  const details: BillingErrorDetails = { code, type, status };
  return new DomainError(kind, message, param, details);
}

/** The reference code of a billing refusal, or null for any other error. */
export function billingCodeOf(error: unknown): BillingErrorCode | null {
  if (!(error instanceof DomainError)) return null;
  const code = error.details?.code;
  return typeof code === 'string' && code in BILLING_ERRORS ? (code as BillingErrorCode) : null;
}
