// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { anchorDayOf, daysInMonth, firstPeriodEnd, nextPeriod, rollPeriods, shiftMonths, type BillingPeriodSpan } from '../../src/billing/periods.ts';
import type { Period } from '../../src/billing/plans.ts';
import { d } from './helpers.ts';

const iso = (x: Date) => x.toISOString();
/** The ends of the first `n` periods from `start`. */
function ends(start: string, period: Period, n: number): string[] {
  let span: BillingPeriodSpan = { start: d(start), end: firstPeriodEnd(d(start), period) };
  const anchor = d(start).getUTCDate();
  const out = [iso(span.end)];
  while (out.length < n) {
    span = nextPeriod(span, period, anchor);
    out.push(iso(span.end));
  }
  return out;
}

test('days in month, leap years included (2000 yes, 1900 and 2100 no)', () => {
  assert.equal(daysInMonth(2024, 1), 29);
  assert.equal(daysInMonth(2025, 1), 28);
  assert.equal(daysInMonth(2000, 1), 29);
  assert.equal(daysInMonth(1900, 1), 28);
  assert.equal(daysInMonth(2100, 1), 28);
  assert.equal(daysInMonth(2025, 3), 30);
  assert.equal(daysInMonth(2025, 11), 31);
});

test("the reference's example: 2025-01-15T10:30 → 2025-02-15T10:30", () => {
  assert.equal(iso(firstPeriodEnd(d('2025-01-15T10:30:00Z'), 'monthly')), '2025-02-15T10:30:00.000Z');
});

test('anchored on the 31st: 31 Jan → 28 Feb → 31 Mar → 30 Apr → 31 May … (2025)', () => {
  assert.deepEqual(ends('2025-01-31T09:00:00Z', 'monthly', 12), [
    '2025-02-28T09:00:00.000Z',
    '2025-03-31T09:00:00.000Z',
    '2025-04-30T09:00:00.000Z',
    '2025-05-31T09:00:00.000Z',
    '2025-06-30T09:00:00.000Z',
    '2025-07-31T09:00:00.000Z',
    '2025-08-31T09:00:00.000Z',
    '2025-09-30T09:00:00.000Z',
    '2025-10-31T09:00:00.000Z',
    '2025-11-30T09:00:00.000Z',
    '2025-12-31T09:00:00.000Z',
    '2026-01-31T09:00:00.000Z',
  ]);
});

test('anchored on the 31st in a leap year: 31 Jan → 29 Feb → 31 Mar (2024)', () => {
  assert.deepEqual(ends('2024-01-31T00:00:00Z', 'monthly', 3), ['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z', '2024-04-30T00:00:00.000Z']);
});

test('anchored on the 30th: 30 Jan → 28 Feb → 30 Mar; on the 29th: → 28 Feb (2025) or 29 Feb (2024) → 29 Mar', () => {
  assert.deepEqual(ends('2025-01-30T12:00:00Z', 'monthly', 3), ['2025-02-28T12:00:00.000Z', '2025-03-30T12:00:00.000Z', '2025-04-30T12:00:00.000Z']);
  assert.deepEqual(ends('2025-01-29T12:00:00Z', 'monthly', 2), ['2025-02-28T12:00:00.000Z', '2025-03-29T12:00:00.000Z']);
  assert.deepEqual(ends('2024-01-29T12:00:00Z', 'monthly', 2), ['2024-02-29T12:00:00.000Z', '2024-03-29T12:00:00.000Z']);
  assert.deepEqual(ends('2024-01-30T12:00:00Z', 'monthly', 2), ['2024-02-29T12:00:00.000Z', '2024-03-30T12:00:00.000Z']);
});

test('anchored on the 28th and on 28/29 Feb starts: the day is kept, never pushed to month end', () => {
  assert.deepEqual(ends('2025-01-28T00:00:00Z', 'monthly', 3), ['2025-02-28T00:00:00.000Z', '2025-03-28T00:00:00.000Z', '2025-04-28T00:00:00.000Z']);
  assert.deepEqual(ends('2025-02-28T00:00:00Z', 'monthly', 2), ['2025-03-28T00:00:00.000Z', '2025-04-28T00:00:00.000Z']);
  assert.deepEqual(ends('2024-02-29T00:00:00Z', 'monthly', 3), ['2024-03-29T00:00:00.000Z', '2024-04-29T00:00:00.000Z', '2024-05-29T00:00:00.000Z']);
});

test('anchored on the 31st through 30-day months: 31 Mar → 30 Apr → 31 May; 31 Aug → 30 Sep → 31 Oct', () => {
  assert.deepEqual(ends('2025-03-31T00:00:00Z', 'monthly', 2), ['2025-04-30T00:00:00.000Z', '2025-05-31T00:00:00.000Z']);
  assert.deepEqual(ends('2025-08-31T00:00:00Z', 'monthly', 2), ['2025-09-30T00:00:00.000Z', '2025-10-31T00:00:00.000Z']);
});

test('year end: 31 Dec → 31 Jan → 28 Feb; 15 Dec → 15 Jan', () => {
  assert.deepEqual(ends('2025-12-31T23:59:59.999Z', 'monthly', 3), ['2026-01-31T23:59:59.999Z', '2026-02-28T23:59:59.999Z', '2026-03-31T23:59:59.999Z']);
  assert.deepEqual(ends('2025-12-15T00:00:00Z', 'monthly', 1), ['2026-01-15T00:00:00.000Z']);
});

test('yearly from 29 Feb: 28 Feb in common years, 29 Feb again in the next leap year', () => {
  assert.deepEqual(ends('2024-02-29T08:00:00Z', 'yearly', 5), [
    '2025-02-28T08:00:00.000Z',
    '2026-02-28T08:00:00.000Z',
    '2027-02-28T08:00:00.000Z',
    '2028-02-29T08:00:00.000Z',
    '2029-02-28T08:00:00.000Z',
  ]);
  // 2100 is not a leap year: 2096-02-29 → 2097 … 2100-02-28 → 2101 … 2104-02-29.
  assert.deepEqual(ends('2096-02-29T00:00:00Z', 'yearly', 8).filter((e) => e.startsWith('2100') || e.startsWith('2104')), ['2100-02-28T00:00:00.000Z', '2104-02-29T00:00:00.000Z']);
});

test('yearly from an ordinary day and from 31 Jan', () => {
  assert.deepEqual(ends('2025-01-31T00:00:00Z', 'yearly', 2), ['2026-01-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z']);
  assert.deepEqual(ends('2023-03-01T00:00:00Z', 'yearly', 2), ['2024-03-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
});

test('years 0001–0099 are those years, not 19xx', () => {
  assert.equal(iso(shiftMonths(d('0050-01-31T00:00:00Z'), 1, 31)), '0050-02-28T00:00:00.000Z');
  assert.equal(iso(firstPeriodEnd(d('0099-12-15T00:00:00Z'), 'monthly')), '0100-01-15T00:00:00.000Z');
});

test("the library's recovery of the anchor (a fallback): right for months, wrong for 29 Feb after a common year", () => {
  assert.equal(anchorDayOf({ start: d('2025-01-31T00:00:00Z'), end: d('2025-02-28T00:00:00Z') }), 31);
  assert.equal(anchorDayOf({ start: d('2025-01-28T00:00:00Z'), end: d('2025-02-28T00:00:00Z') }), 28);
  assert.equal(anchorDayOf({ start: d('2024-01-29T00:00:00Z'), end: d('2024-02-29T00:00:00Z') }), 29);
  // A pause moved the end: the new end day is the anchor from then on.
  assert.equal(anchorDayOf({ start: d('2025-03-01T00:00:00Z'), end: d('2025-04-06T00:00:00Z') }), 6);
  // Why the anchor is stored: the second yearly period from 29 Feb 2024 looks anchored on the 28th.
  assert.equal(anchorDayOf({ start: d('2025-02-28T00:00:00Z'), end: d('2026-02-28T00:00:00Z') }), 28);
});

test('rolling: periods until one contains now, never past a scheduled cancel; none never rolls', () => {
  const span = { start: d('2025-01-31T00:00:00Z'), end: d('2025-02-28T00:00:00Z') };
  const { ended, current } = rollPeriods(span, 'monthly', 31, d('2025-05-01T00:00:00Z'), null);
  assert.deepEqual(ended.map((p) => iso(p.end)), ['2025-02-28T00:00:00.000Z', '2025-03-31T00:00:00.000Z', '2025-04-30T00:00:00.000Z']);
  assert.equal(iso(current.start), '2025-04-30T00:00:00.000Z');
  assert.equal(iso(current.end), '2025-05-31T00:00:00.000Z');
  const stopped = rollPeriods(span, 'monthly', 31, d('2025-05-01T00:00:00Z'), d('2025-03-31T00:00:00Z'));
  assert.equal(stopped.ended.length, 1);
  assert.equal(iso(stopped.current.end), '2025-03-31T00:00:00.000Z');
  assert.deepEqual(rollPeriods(span, 'none', 31, d('2030-01-01T00:00:00Z'), null), { ended: [], current: span });
  // An end exactly at now has ended: periods are [start, end).
  assert.equal(rollPeriods(span, 'monthly', 31, span.end, null).ended.length, 1);
});
