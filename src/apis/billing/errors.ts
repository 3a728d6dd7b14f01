import type { ErrorStyle } from '../../platform/http/surface.ts';
import type { ErrorKind } from '../../platform/http/errors.ts';
import { BILLING_ERRORS, type BillingErrorCode } from '../../billing/errors.ts';

/**
 * Status, code and type for every failure that carries no reference code of its own (those
 * come from src/billing/errors.ts). The reference's types are validation, not_found,
 * conflict, payment, provider and server; it has no type for authentication, so 401, 403 and
 * 429 are `validation` (the caller's request was refused), as `no_active_subscription` is.
 */
const STYLE: Record<ErrorKind, [number, string, string]> = {
  validation: [400, 'invalid_input', 'validation'],
  malformed_json: [400, 'invalid_input', 'validation'],
  body_too_large: [413, 'request_too_large', 'validation'],
  unsupported_media_type: [415, 'unsupported_media_type', 'validation'],
  route_not_found: [404, 'not_found', 'not_found'],
  method_not_allowed: [405, 'method_not_allowed', 'validation'],
  not_found: [404, 'not_found', 'not_found'],
  unauthenticated: [401, 'unauthorized', 'validation'],
  forbidden: [403, 'forbidden', 'validation'],
  conflict: [409, 'conflict', 'conflict'],
  already_reversed: [409, 'conflict', 'conflict'],
  // The reference's 409 covers a reused idempotency key.
  idempotency_mismatch: [409, 'idempotency_key_reused', 'conflict'],
  idempotency_in_progress: [409, 'idempotency_key_in_use', 'conflict'],
  unbalanced: [400, 'invalid_input', 'validation'],
  insufficient_funds: [400, 'invalid_input', 'validation'],
  asset_mismatch: [400, 'invalid_input', 'validation'],
  rate_limited: [429, 'rate_limited', 'validation'],
  upstream: [502, 'provider_error', 'provider'],
  internal: [500, 'internal_error', 'server'],
};

/**
 * `{error: {code, message, type, param, details}}`. A schema refusal inside `pricing` is the
 * reference's `invalid_pricing`, as the same value refused by the plan rules would be.
 */
export const billingEnvelope: ErrorStyle = (error) => {
  const given = error.details?.code;
  const known = typeof given === 'string' && Object.hasOwn(BILLING_ERRORS, given) ? (given as BillingErrorCode) : null;
  let [status, code, type] = STYLE[error.kind] ?? STYLE.internal;
  if (known) [status, code, type] = [BILLING_ERRORS[known].status, known, BILLING_ERRORS[known].type];
  else if (error.kind === 'validation' && /^pricing\b/.test(error.field ?? '')) code = 'invalid_pricing';
  const { code: _c, type: _t, status: _s, ...details } = error.details ?? {};
  return {
    status,
    body: {
      error: {
        code,
        // A reference code at 5xx (provider_not_configured) is a refusal with a message of its own.
        message: status >= 500 && !known ? 'An unexpected error occurred.' : error.message,
        type,
        param: error.field ?? null,
        details: status >= 500 && !known ? {} : details,
      },
    },
  };
};
