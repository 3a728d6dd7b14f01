import type { FastifyRequest } from 'fastify';
import type { ErrorStyle } from '../../platform/http/surface.ts';
import type { ClassifiedError, ErrorKind } from '../../platform/http/errors.ts';

/** Status and code for every failure that names no code of its own (`details.code`). */
const STYLE: Record<ErrorKind, [number, string]> = {
  validation: [400, 'SHARED_VALIDATION_FAILED'],
  malformed_json: [400, 'SHARED_VALIDATION_FAILED'],
  unbalanced: [400, 'SHARED_VALIDATION_FAILED'],
  asset_mismatch: [400, 'SHARED_VALIDATION_FAILED'],
  insufficient_funds: [400, 'SHARED_VALIDATION_FAILED'],
  body_too_large: [413, 'PAYLOAD_TOO_LARGE'],
  unsupported_media_type: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  route_not_found: [404, 'NOT_FOUND'],
  method_not_allowed: [405, 'METHOD_NOT_ALLOWED'],
  not_found: [404, 'NOT_FOUND'],
  unauthenticated: [401, 'UNAUTHORIZED'],
  forbidden: [403, 'INSUFFICIENT_PERMISSIONS'],
  conflict: [409, 'CONFLICT'],
  already_reversed: [409, 'JOURNAL_ENTRY_ALREADY_REVERSED'],
  idempotency_mismatch: [409, 'IDEMPOTENCY_KEY_REUSED'],
  idempotency_in_progress: [409, 'IDEMPOTENCY_KEY_IN_USE'],
  rate_limited: [429, 'RATE_LIMIT_EXCEEDED'],
  upstream: [502, 'UPSTREAM_ERROR'],
  internal: [500, 'INTERNAL_SERVER_ERROR'],
};

/** `entries[0].lines[2].amount` → `entries.0.lines.2.amount`: the product's property paths. */
export const propertyPath = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

/** The class-validator style name of a refusal, from its wording. */
function constraintOf(message: string): string {
  if (/ is required$/.test(message)) return 'isDefined';
  if (/ is not a known field$/.test(message)) return 'whitelistValidation';
  if (/ must be (integer|number)\b/.test(message)) return 'isInt';
  if (/ must be string\b/.test(message)) return 'isString';
  if (/ must match format "uuid"/.test(message)) return 'isUuid';
  if (/ must match format "date"/.test(message)) return 'isDateString';
  if (/must be (equal to one of|one of)/.test(message)) return 'isIn';
  return 'isValid';
}

/** Whether a request is on a path LedgerBee shares with Ledgy (the answer carries Ledgy's `error` too). */
export const onSharedPath = (request: FastifyRequest | undefined) => request?.routeOptions.config?.shared === true;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** LedgerBee: a path shared with Ledgy (`/api/v1/accounts`): errors also carry Ledgy's `{error}`. */
    shared?: boolean;
  }
}

/** The error body and status of a LedgerBee failure. */
export function ledgerbeeError(error: ClassifiedError, request: FastifyRequest | undefined, sharedWithLedgy = onSharedPath(request)) {
  let [status, code] = STYLE[error.kind] ?? STYLE.internal;
  const { code: given, status: givenStatus, scope, validationErrors: _v, ...rest } = error.details ?? {};
  if (typeof given === 'string') code = given;
  if (typeof givenStatus === 'number') status = givenStatus;
  let details: Record<string, unknown> = status >= 500 ? {} : rest;
  const message = status >= 500 ? 'Internal server error' : status === 401 && error.kind === 'unauthenticated' && !error.details?.reason ? 'Invalid API key' : propertyPath(error.message);
  const property = error.field ? propertyPath(error.field) : '';
  if (code === 'SHARED_VALIDATION_FAILED' || (status === 400 && ['validation', 'unbalanced'].includes(error.kind))) {
    details = { ...details, validationErrors: [{ property, constraints: { [constraintOf(error.message)]: message } }] };
  } else if (property && status < 500) details = { property, ...details };
  if (error.kind === 'forbidden' && typeof scope === 'string') details = { ...details, requiredScopes: [scope] };
  const body: Record<string, unknown> = {
    statusCode: status,
    timestamp: new Date().toISOString(),
    path: request ? request.url.split('?')[0] : '',
    message,
    code,
    details,
  };
  // Ledgy's clients read `{error}`; LedgerBee's ignore fields they do not know.
  if (sharedWithLedgy) body.error = message;
  return { status, body };
}

/** `{statusCode, timestamp, path, message, code, details}`. */
export const ledgerbeeEnvelope: ErrorStyle = (error, _requestId, request) => ledgerbeeError(error, request);
