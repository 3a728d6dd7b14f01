/**
 * The closed set of domain error codes. Each surface maps them to its own status and
 * envelope; the domain never speaks HTTP.
 */
export type DomainErrorCode =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unbalanced'
  | 'insufficient_funds'
  | 'asset_mismatch'
  | 'already_reversed'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'idempotency_mismatch'
  | 'idempotency_in_progress'
  | 'upstream';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field the error is about, as a JSON pointer-ish path (`entries[2].postings[0].amount`). */
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (field: string, message: string) => new DomainError('validation', message, field);
export const notFound = (what: string, field?: string) => new DomainError('not_found', `${what} not found`, field);
