import { Type, type Static, type TProperties, type TSchema } from 'typebox';
import { invalid } from '../errors.ts';
import { compileInput } from '../http/validation.ts';
import { parseId } from '../ids.ts';

/*
 * Operator input (the CLI's flags, as a JSON-like body): TypeBox schemas checked by the same
 * ajv set-up as HTTP input (platform/http/validation.ts), then the few checks a schema cannot
 * say (a known surface or scope, a time in the future) as small functions. Each refusal is a
 * validation error naming the field, which the CLI turns into the flag (command.ts).
 */

const MAX_NAME = 200;
const UUID_TEXT = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const UUID = new RegExp(`^${UUID_TEXT}$`);
const SCOPE = /^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$/;

/** A value as an error message shows it: quoted, cut at 60 characters. */
export const shown = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
};

// ---- schemas -------------------------------------------------------------------------

/** An operation's body: a JSON object of these fields and no others. */
export const OperatorBody = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false, errorMessage: { type: 'must be a JSON object' } });

/**
 * A label: at most `max` characters, none of them control characters (surrounding spaces are
 * trimmed after); a required one must hold more than spaces.
 */
export const Label = (required: boolean, max = MAX_NAME) =>
  Type.String({
    maxLength: max,
    pattern: '^[^\\u0000-\\u001f\\u007f]*$',
    ...(required ? { notBlank: true } : {}),
    errorMessage: { type: 'must be a string', maxLength: `must be at most ${max} characters`, pattern: 'must not contain control characters', notBlank: 'must not be empty' },
  });

/** An email address (surrounding spaces are trimmed after; looked up without regard to case). */
export const Email = Type.String({ maxLength: 254, pattern: '^\\s*[^\\s@]+@[^\\s@]+\\s*$', errorMessage: 'must be an email address' });

/** A list of scope names; which names a surface knows is checked after (checkScopes). */
export const Scopes = Type.Array(Type.String({ maxLength: 100, errorMessage: { type: 'must be a string' } }), { errorMessage: { type: 'must be a list of strings' } });

/** An ISO 8601 time (RFC 3339) or a date (midnight UTC), in years 0001–9999. */
export const Time = Type.String({ anyOf: [{ format: 'date-time' }, { format: 'date' }], errorMessage: 'must be an ISO 8601 time such as 2030-01-31T00:00:00Z' });

/** A uuid (surrounding spaces are trimmed after). */
export const Uuid = (what: string) => Type.String({ pattern: `^\\s*${UUID_TEXT}\\s*$`, errorMessage: `must be ${what} uuid` });

/**
 * A checker of an operation's body: the schema (defaults filled into a copy, never the
 * caller's object), a refusal naming the field and, in the schema's words, the value refused.
 */
export function operatorInput<T extends TSchema>(schema: T): (body: unknown) => Static<T> {
  const check = compileInput(schema, { echo: shown });
  return (body) => check(typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body } : body);
}

// ---- what a schema cannot say ----------------------------------------------------------

/** The distinct scopes named (blanks dropped), at least one, each in `known` when given, else well-formed. */
export function checkScopes(list: readonly string[], known: readonly string[] | undefined, surface: string): string[] {
  const scopes = [...new Set(list.map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) throw invalid('scopes', 'scopes must name at least one scope');
  for (const scope of scopes) {
    if (known ? !known.includes(scope) : !SCOPE.test(scope)) {
      throw invalid(
        'scopes',
        known ? `scope ${shown(scope)} is not known to the ${surface} surface (known: ${known.join(', ')})` : `scope ${shown(scope)} is not a valid scope name`,
      );
    }
  }
  return scopes;
}

/** A validated time (Time) as a Date; absent is null. */
export const timeOf = (text: string | null | undefined): Date | null => (text == null ? null : new Date(text));

/** A time that must be later than `now`. */
export function mustBeFuture(at: Date | null, now: Date, field: string): void {
  if (at && at.getTime() <= now.getTime()) throw invalid(field, `${field} must be in the future`);
}

/** A validated label, trimmed; an optional one that is blank is null. */
export const trimmed = (text: string | null | undefined): string | null => (text == null || text.trim() === '' ? null : text.trim());

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

const checkEmail = operatorInput(Type.Object({ email: Email }));

/** An email address given on its own (`--email`), as given but trimmed. */
export const emailFrom = (value: unknown): string => checkEmail({ email: value }).email.trim();

export const isoOrNull = (d: Date | null) => (d ? new Date(d).toISOString() : null);
