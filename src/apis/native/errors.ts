import type { ErrorStyle } from '../../platform/http/surface.ts';
import type { ErrorKind } from '../../platform/http/errors.ts';

const STATUS: Record<ErrorKind, [number, string]> = {
  validation: [400, 'Invalid request'],
  malformed_json: [400, 'Malformed JSON'],
  body_too_large: [413, 'Request body too large'],
  unsupported_media_type: [415, 'Unsupported media type'],
  route_not_found: [404, 'Not found'],
  method_not_allowed: [405, 'Method not allowed'],
  not_found: [404, 'Not found'],
  conflict: [409, 'Conflict'],
  already_reversed: [409, 'Entry already reversed'],
  idempotency_in_progress: [409, 'Request in progress'],
  idempotency_mismatch: [422, 'Idempotency key reused'],
  unbalanced: [422, 'Unbalanced entry'],
  insufficient_funds: [422, 'Insufficient funds'],
  asset_mismatch: [422, 'Asset mismatch'],
  unauthenticated: [401, 'Unauthenticated'],
  forbidden: [403, 'Forbidden'],
  rate_limited: [429, 'Too many requests'],
  upstream: [502, 'Upstream unavailable'],
  internal: [500, 'Internal error'],
};

/** RFC 9457 problem details, with the request id and the field at fault. */
export const problemJson: ErrorStyle = (error, requestId) => {
  const [status, title] = STATUS[error.kind] ?? STATUS.internal;
  return {
    status,
    contentType: 'application/problem+json; charset=utf-8',
    body: {
      type: `https://kontor.dev/problems/${error.kind.replace(/_/g, '-')}`,
      title,
      status,
      detail: status >= 500 ? 'An unexpected error occurred.' : error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(status < 500 && error.details ? { details: error.details } : {}),
      request_id: requestId,
    },
  };
};
