import type { ErrorStyle } from '../../platform/http/surface.ts';
import type { ErrorKind } from '../../platform/http/errors.ts';

/** The reference's status table and its one documented set of error types. */
const STYLE: Record<ErrorKind, [number, string, string]> = {
  malformed_json: [400, 'invalid_request', 'malformed_json'],
  body_too_large: [413, 'invalid_request', 'body_too_large'],
  unsupported_media_type: [415, 'invalid_request', 'unsupported_media_type'],
  route_not_found: [404, 'not_found', 'route_not_found'],
  method_not_allowed: [405, 'invalid_request', 'method_not_allowed'],
  not_found: [404, 'not_found', 'resource_not_found'],
  unauthenticated: [401, 'authentication_error', 'invalid_token'],
  forbidden: [401, 'authentication_error', 'forbidden'],
  conflict: [409, 'conflict', 'conflict'],
  already_reversed: [409, 'conflict', 'already_deleted'],
  idempotency_mismatch: [409, 'conflict', 'idempotency_key_reused'],
  idempotency_in_progress: [409, 'conflict', 'idempotency_key_in_use'],
  // The reference's one example of a 422 (missing_field) has the type invalid_request.
  validation: [422, 'invalid_request', 'invalid_field'],
  unbalanced: [422, 'invalid_request', 'unbalanced'],
  insufficient_funds: [422, 'invalid_request', 'insufficient_funds'],
  asset_mismatch: [422, 'invalid_request', 'currency_mismatch'],
  rate_limited: [429, 'invalid_request', 'rate_limited'],
  upstream: [502, 'upstream_error', 'upstream_unavailable'],
  internal: [500, 'api_error', 'internal_error'],
};

/** `{"error": {type, code, message, param, request_id}}` with the reference's statuses. */
export const mycfoError: ErrorStyle = (error, requestId) => {
  const [status, type, fallbackCode] = STYLE[error.kind] ?? STYLE.internal;
  let code = typeof error.details?.code === 'string' ? error.details.code : fallbackCode;
  if (error.kind === 'validation' && code === 'invalid_field' && /is required$/.test(error.message)) code = 'missing_field';
  return {
    status,
    body: {
      error: {
        type,
        code,
        message: status >= 500 ? 'An unexpected error occurred.' : error.message,
        param: error.field ?? null,
        request_id: requestId,
      },
    },
  };
};
