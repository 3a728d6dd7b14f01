import { invalid } from '../errors.ts';
import { parseId } from '../ids.ts';

/*
 * Checks of operator input (the CLI's flags, as a JSON-like body): each refusal is a
 * validation error naming the field, which the CLI turns into the flag.
 */

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL = 254;
const SCOPE = /^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const MAX_NAME = 200;

/** A value as an error message shows it: quoted, cut at 60 characters. */
export const shown = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
};

/** The uuid of a thing given as `<prefix>_<ULID>` or as the uuid itself. */
export function idFrom(prefix: string, what: string, value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') throw invalid(field, `${field} is required`);
  if (typeof value === 'string') {
    const text = value.trim();
    if (UUID.test(text)) return text.toLowerCase();
    const id = parseId(prefix, text);
    if (id) return id;
  }
  throw invalid(field, `${field} must be ${what} id (${prefix}_<ULID>) or a uuid, got ${shown(value)}`);
}

/** An email address, as given (looked up without regard to case). */
export function emailFrom(value: unknown, field = 'email'): string {
  if (value === undefined || value === null || value === '') throw invalid(field, `${field} is required`);
  const text = typeof value === 'string' ? value.trim() : '';
  if (!EMAIL.test(text) || text.length > MAX_EMAIL) throw invalid(field, `${field} must be an email address, got ${shown(value)}`);
  return text;
}

export function objectBody(body: unknown, fields: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the request body must be a JSON object');
  }
  for (const name of Object.keys(body)) if (!fields.includes(name)) throw invalid(name, `${name} is not a known field`);
  return body as Record<string, unknown>;
}

/** A trimmed label without control characters, at most `max` long; null when optional and absent. */
export function label(value: unknown, field: string, required: boolean, max = MAX_NAME): string | null {
  if (value === undefined || value === null) {
    if (required) throw invalid(field, `${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  const text = value.trim();
  if (text === '') {
    if (required) throw invalid(field, `${field} must not be empty`);
    return null;
  }
  if (text.length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw invalid(field, `${field} must not contain control characters`);
  return text;
}

/** A non-empty list of distinct scopes, each in `known` when given, else well-formed. */
export function scopesFrom(value: unknown, known: readonly string[] | undefined, surface: string): string[] {
  if (value === undefined || value === null) throw invalid('scopes', 'scopes is required');
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw invalid('scopes', 'scopes must be a list of strings');
  const scopes = [...new Set((value as string[]).map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) throw invalid('scopes', 'scopes must name at least one scope');
  for (const scope of scopes) {
    if (known ? !known.includes(scope) : !SCOPE.test(scope) || scope.length > 100) {
      throw invalid(
        'scopes',
        known
          ? `scope ${shown(scope)} is not known to the ${surface} surface (known: ${known.join(', ')})`
          : `scope ${shown(scope)} is not a valid scope name`,
      );
    }
  }
  return scopes;
}

/** An optional ISO 8601 time. */
export function timeFrom(value: unknown, field: string): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !ISO_TIME.test(value.trim()) || Number.isNaN(Date.parse(value.trim()))) {
    throw invalid(field, `${field} must be an ISO 8601 time such as 2030-01-31T00:00:00Z, got ${shown(value)}`);
  }
  return new Date(value.trim());
}

export const isoOrNull = (d: Date | null) => (d ? new Date(d).toISOString() : null);
