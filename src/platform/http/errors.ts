import type { FastifyError } from 'fastify';
import { DomainError, type DomainErrorCode } from '../errors.ts';

/** What went wrong, before a surface decides its status and envelope. */
export type ErrorKind =
  | DomainErrorCode
  | 'malformed_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'internal';

export interface ClassifiedError {
  kind: ErrorKind;
  message: string;
  field?: string;
  details?: Record<string, unknown>;
}

/** `/entries/0/postings/1/amount` → `entries[0].postings[1].amount`. */
export function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, any>;
}

export function fromValidation(issues: AjvIssue[], context: string | undefined): ClassifiedError {
  const issue = issues[0];
  let field = pointerToField(issue.instancePath);
  let message: string;
  if (issue.keyword === 'required') {
    field = field ? `${field}.${issue.params.missingProperty}` : issue.params.missingProperty;
    message = `${field} is required`;
  } else if (issue.keyword === 'discriminator') {
    field = field ? `${field}.${issue.params.tag}` : issue.params.tag;
    message = issue.params.tagValue === undefined ? `${field} is required` : `${field} has no such value: ${JSON.stringify(issue.params.tagValue)}`;
  } else if (issue.keyword === 'notBlank') {
    message = `${field} must not be blank`;
  } else if (issue.keyword === 'additionalProperties') {
    field = field ? `${field}.${issue.params.additionalProperty}` : issue.params.additionalProperty;
    message = `${field} is not a known field`;
  } else {
    message = `${field || context || 'body'} ${issue.message ?? 'is invalid'}`;
  }
  if (!field && context === 'body') message = `the request body ${issue.message ?? 'is invalid'}`;
  return { kind: 'validation', message, field: field || undefined };
}

/** Sorts any thrown error into a kind; internal details never reach the message of a 5xx. */
export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof DomainError) {
    return { kind: error.code, message: error.message, field: error.field, details: error.details };
  }
  const e = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string; code?: string };
  if (e && Array.isArray(e.validation) && e.validation.length > 0) return fromValidation(e.validation, e.validationContext);
  if (e?.statusCode === 413 || e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { kind: 'body_too_large', message: 'the request body is too large' };
  }
  if (e?.statusCode === 415 || e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { kind: 'unsupported_media_type', message: 'send the body as application/json' };
  }
  if (e?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return { kind: 'malformed_json', message: 'the request body is empty but its content type is application/json' };
  }
  if (e?.statusCode === 400 && (e instanceof SyntaxError || e?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/.test(e.message))) {
    return { kind: 'malformed_json', message: 'the request body is not valid JSON' };
  }
  if (e?.code === '22003') return { kind: 'validation', message: 'a number is out of range' };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { kind: 'validation', message: e.message };
  }
  return { kind: 'internal', message: 'an unexpected error occurred' };
}
