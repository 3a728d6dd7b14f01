import { invalid } from './errors.ts';

/**
 * Calendar dates and instants as the APIs take them: ISO 8601 with a four-digit year from
 * 0001 to 9999 (docs/decisions/0007-dates-and-years.md). Year 0000 (1 BC) is refused: it has
 * no four-digit ISO form PostgreSQL accepts, so it could not be stored and read back.
 *
 * JavaScript's `Date.UTC(y, …)` and `new Date(y, …)` read years 0–99 as 1900–1999; nothing
 * here uses them, and nor should callers: `utcMs` is the safe spelling.
 */
export const MIN_DAY = '0001-01-01';
export const MAX_DAY = '9999-12-31';
export const DAY_MS = 86_400_000;

const MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');
const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Midnight UTC of a calendar day, as epoch ms; out-of-range months and days roll over. Years 0–99 are those years. */
export function utcMs(year: number, monthIndex: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d.getTime();
}

/** `YYYY-MM-DD` of an instant (UTC). */
export const formatDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const inRange = (ms: number) => ms >= MIN_MS && ms <= MAX_MS;

/** A real calendar day `YYYY-MM-DD` from 0001-01-01 to 9999-12-31. */
export function isDay(text: string): boolean {
  // By arithmetic, not through a Date and back: the validator checks every date of a request
  // (a journal batch has a hundred), and the round trip cost a microsecond and a half each.
  const m = DAY_TEXT.exec(text);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= (mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : MONTH_DAYS[mo - 1]);
}
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An RFC 3339 date-time whose day is real and whose instant falls within years 0001–9999 (UTC). */
export function isDateTime(text: string): boolean {
  const m = TIME_TEXT.exec(text);
  if (!m || !isDay(`${m[1]}-${m[2]}-${m[3]}`)) return false;
  if (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59) return false;
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && inRange(ms);
}

const rangeMessage = (field: string) => `${field} must be an ISO-8601 date or time from ${MIN_DAY} to ${MAX_DAY}`;

/** A date (midnight UTC) or an RFC 3339 time as an instant; anything else is a validation error naming `field`. */
export function parseInstant(text: string, field: string): Date {
  if (isDay(text)) return new Date(`${text}T00:00:00Z`);
  if (isDateTime(text)) return new Date(text);
  throw invalid(field, rangeMessage(field));
}

/** A calendar day `YYYY-MM-DD`, checked. */
export function parseDay(text: string, field: string): string {
  if (!isDay(text)) throw invalid(field, `${field} must be a date like 2026-02-28, from ${MIN_DAY} to ${MAX_DAY}`);
  return text;
}

/** The day `days` after (or before) `day`, kept within 0001-01-01 … 9999-12-31. */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`) + days * DAY_MS;
  return formatDay(Math.min(Math.max(ms, MIN_MS), Date.parse(`${MAX_DAY}T00:00:00Z`)));
}
