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

/**
 * The database refusing one row's data (SQLSTATE class 22, data exception, or 23, integrity
 * constraint violation) as a domain error, so a best-effort bulk call reports it against that
 * row; anything else (a lost connection, a bug) is null and stays an error of the whole call.
 */
export function rowRefusal(error: unknown): DomainError | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof DomainError || typeof code !== 'string' || !/^2[23]/.test(code)) return null;
  // The database's own text (table, constraint and column names) never reaches a client.
  return code.startsWith('23')
    ? new DomainError('conflict', 'the row was refused: it conflicts with data already stored')
    : new DomainError('validation', 'the row was refused: it holds a value that cannot be stored (out of range or malformed)');
}
