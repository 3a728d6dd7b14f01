import { DomainError, type DomainErrorCode } from '../platform/errors.ts';

/**
 * LedgerBee's named refusals of customers, vendors, projects and drafts: the project's
 * `DomainError` carrying the product's own `code` and HTTP status in `details` (as billing's
 * do), and the field as `property` (a path like `contacts.1.isDefault`). The surface's error
 * mapper writes `{statusCode, …, code, details}` from them.
 */
export const PARTY_REFUSALS = {
  VENDOR_NUMBER_ALREADY_EXISTS: { status: 400, kind: 'validation' },
  CUSTOMER_NUMBER_ALREADY_EXISTS: { status: 400, kind: 'validation' },
  EXTERNAL_SYSTEM_ID_ALREADY_EXISTS: { status: 400, kind: 'validation' },
  CONTACT_DEFAULT_REQUIRED: { status: 400, kind: 'validation' },
  CONTACT_MULTIPLE_DEFAULTS: { status: 400, kind: 'validation' },
  PARENT_CUSTOMER_INVALID: { status: 400, kind: 'validation' },
  SUBPROJECT_DEFAULT_NOT_DELETABLE: { status: 400, kind: 'validation' },
  VENDOR_GROUP_NOT_FOUND: { status: 404, kind: 'not_found' },
  CUSTOMER_GROUP_NOT_FOUND: { status: 404, kind: 'not_found' },
  LEDGER_NOT_FOUND: { status: 404, kind: 'not_found' },
  CUSTOMER_NOT_FOUND: { status: 404, kind: 'not_found' },
  VENDOR_NOT_FOUND: { status: 404, kind: 'not_found' },
  PROJECT_NOT_FOUND: { status: 404, kind: 'not_found' },
  SUBPROJECT_NOT_FOUND: { status: 404, kind: 'not_found' },
  DRAFT_JOURNAL_ENTRY_NOT_FOUND: { status: 404, kind: 'not_found' },
  PROJECT_ARCHIVED: { status: 409, kind: 'conflict' },
  PROJECT_NAME_ALREADY_EXISTS: { status: 409, kind: 'conflict' },
  PROJECT_EXTERNAL_REFERENCE_ALREADY_EXISTS: { status: 409, kind: 'conflict' },
  DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED: { status: 409, kind: 'conflict' },
} as const satisfies Record<string, { status: number; kind: DomainErrorCode }>;

export type PartyRefusalCode = keyof typeof PARTY_REFUSALS;

export function refusal(code: PartyRefusalCode, message: string, property?: string): DomainError {
  const { status, kind } = PARTY_REFUSALS[code];
  return new DomainError(kind, message, property, { code, status });
}

/** Whether `error` is PostgreSQL refusing a row on the unique index `constraint`. */
export function violates(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}
