import type { KeyMode } from '../platform/identity/key-formats.ts';

/**
 * Whose billing data a call reads or writes: the app (a Kontor org) and the key's mode. Live
 * and sandbox are separate worlds: every table keys on both, every query filters on both.
 */
export interface BillingScope {
  orgId: string;
  mode: KeyMode;
}

/** Offset pagination as the reference has it. */
export interface PageRequest {
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** The notes' rules: no limit or one ≤ 0 → 20, above 100 → 100, a negative offset → 0. */
export function pageRequest(limit: number | undefined, offset: number | undefined): PageRequest {
  const l = limit === undefined || limit <= 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
  return { limit: l, offset: offset === undefined || offset < 0 ? 0 : offset };
}

/** A page from `limit + 1` rows (the extra one says whether more follow) and the total. */
export function pageOf<T>(rows: T[], total: number, page: PageRequest): Page<T> {
  return { items: rows.slice(0, page.limit), total, limit: page.limit, offset: page.offset, hasMore: rows.length > page.limit };
}

/** Whether `error` is PostgreSQL refusing a row on the unique index `constraint`. */
export function violates(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}

/** jsonb text with bigints written as decimal strings (PostgreSQL's JSON numbers come back as floats). */
export const jsonText = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
