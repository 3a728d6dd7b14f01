import type { ErrorStyle } from '../../platform/http/surface.ts';
import type { ErrorKind } from '../../platform/http/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  malformed_json: 400,
  unbalanced: 400,
  asset_mismatch: 400,
  insufficient_funds: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  route_not_found: 404,
  method_not_allowed: 405,
  not_found: 404,
  unauthenticated: 401,
  forbidden: 403,
  conflict: 409,
  already_reversed: 409,
  idempotency_mismatch: 409,
  idempotency_in_progress: 409,
  rate_limited: 429,
  upstream: 502,
  internal: 500,
};

export const SUBSCRIPTION_REQUIRED = 'Active cloud subscription required';

/** `{ "error": "Human-readable message" }`; the subscription gate adds X-Subscription-Required. */
export const ledgyError: ErrorStyle = (error) => {
  const status = STATUS[error.kind] ?? 500;
  if (error.details?.subscription === true) {
    return { status: 403, body: { error: SUBSCRIPTION_REQUIRED }, headers: { 'x-subscription-required': 'true' } };
  }
  let message = status >= 500 ? 'Internal server error' : error.message;
  if (status === 404 && error.kind === 'not_found') message = message.replace(/^(\w)/, (c) => c.toUpperCase());
  return { status, body: { error: message } };
};
