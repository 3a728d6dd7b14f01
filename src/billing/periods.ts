import { DAY_MS } from '../platform/dates.ts';
import type { Period } from './plans.ts';

/**
 * Billing periods by calendar anniversary, in UTC. A period runs [start, end). Each end keeps
 * the time of day and the anchor day of the month, clamped to the month's length, so a
 * subscription started on 31 January renews on 28 (or 29) February, then on 31 March; yearly
 * periods from 29 February renew on 28 February and on 29 February again in leap years.
 *
 * The anchor day is stored with the subscription. The library recovers it from the current
 * period instead (`anchorDayOf`), which works for months but loses a 29 February anchor after
 * one common year (28 Feb 2025 → 28 Feb 2026 looks anchored on the 28th), so here it is only
 * the fallback for a row written without one.
 */
export interface BillingPeriodSpan {
  start: Date;
  end: Date;
}

/** Days in a month (monthIndex 0–11) of a proleptic Gregorian year. */
export function daysInMonth(year: number, monthIndex: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex + 1, 0); // day 0 of the next month: the last of this one
  return d.getUTCDate();
}

/**
 * The instant `months` calendar months after `from`, on `day` of that month clamped to its
 * length, at `from`'s UTC time of day. (setUTCFullYear, unlike Date.UTC, reads years 0–99 as
 * themselves; see docs/decisions/0007.)
 */
export function shiftMonths(from: Date, months: number, day: number): Date {
  const totalMonths = from.getUTCFullYear() * 12 + from.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const monthIndex = totalMonths - year * 12;
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, Math.min(day, daysInMonth(year, monthIndex)));
  d.setUTCHours(from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds());
  return d;
}

/** One period's length in months; `none` is treated as a month for its single period. */
export const periodMonths = (period: Period) => (period === 'yearly' ? 12 : 1);

/** Where a subscription's first period ends: one period after start, on start's day. */
export function firstPeriodEnd(start: Date, period: Period): Date {
  return shiftMonths(start, periodMonths(period), start.getUTCDate());
}

/** The library's recovery of the anchor from a period: the end's day, unless the end is a clamped month end. */
export function anchorDayOf(span: BillingPeriodSpan): number {
  const endDay = span.end.getUTCDate();
  const last = daysInMonth(span.end.getUTCFullYear(), span.end.getUTCMonth());
  const startDay = span.start.getUTCDate();
  return endDay === last && startDay > endDay ? startDay : endDay;
}

/** The period after `span`: it starts at span's end and runs one period on, to the anchor day. */
export function nextPeriod(span: BillingPeriodSpan, period: Period, anchorDay: number = anchorDayOf(span)): BillingPeriodSpan {
  return { start: span.end, end: shiftMonths(span.end, periodMonths(period), anchorDay) };
}

/** A trial of `days` days from `start`: exact 24-hour days (UTC has no daylight saving). */
export const trialEndOf = (start: Date, days: number): Date => new Date(start.getTime() + days * DAY_MS);

/** A hundred years of months: more catch-up than that is a stuck clock, not a subscription. */
export const MAX_CATCH_UP_PERIODS = 1200;

/**
 * Rolls `span` forward until it contains `now`, never past `stopAt` (a scheduled cancel: the
 * period ending on it is the last). Returns the periods that ended, oldest first, and the
 * current one. `none` never rolls.
 */
export function rollPeriods(span: BillingPeriodSpan, period: Period, anchorDay: number, now: Date, stopAt: Date | null): { ended: BillingPeriodSpan[]; current: BillingPeriodSpan } {
  const ended: BillingPeriodSpan[] = [];
  let current = span;
  if (period === 'none') return { ended, current };
  while (current.end.getTime() <= now.getTime() && (stopAt === null || current.end.getTime() < stopAt.getTime())) {
    if (ended.length === MAX_CATCH_UP_PERIODS) throw new RangeError(`still behind after ${MAX_CATCH_UP_PERIODS} periods`);
    ended.push(current);
    current = nextPeriod(current, period, anchorDay);
  }
  return { ended, current };
}

/** The same instant `ms` later: a pause's length added to the dates it moves. */
export const later = (at: Date, ms: number): Date => new Date(at.getTime() + ms);
