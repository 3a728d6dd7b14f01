import type { HistoryUnit } from './meter-store.ts';

/** More buckets than this in one answer is a mistaken range, not a chart. */
export const MAX_HISTORY_BUCKETS = 1000;

const label = (d: Date) => d.toISOString().slice(0, 10);

/** The first instant of the UTC day, ISO week (Monday) or month holding `at`. */
export function bucketStart(at: Date, unit: HistoryUnit): Date {
  const d = new Date(0);
  d.setUTCFullYear(at.getUTCFullYear(), at.getUTCMonth(), unit === 'month' ? 1 : at.getUTCDate());
  if (unit === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
}

function nextBucket(start: Date, unit: HistoryUnit): Date {
  const d = new Date(start.getTime());
  if (unit === 'month') d.setUTCMonth(d.getUTCMonth() + 1, 1);
  else d.setUTCDate(d.getUTCDate() + (unit === 'week' ? 7 : 1));
  return d;
}

/**
 * The labels (`YYYY-MM-DD` of each bucket's first day) of every bucket that overlaps
 * [start, end), in order, as PostgreSQL's `date_trunc` names them (an empty range has none).
 * Null when there would be more than MAX_HISTORY_BUCKETS.
 */
export function historyBuckets(start: Date, end: Date, unit: HistoryUnit): string[] | null {
  const labels: string[] = [];
  for (let b = bucketStart(start, unit); b.getTime() < end.getTime(); b = nextBucket(b, unit)) {
    if (labels.length === MAX_HISTORY_BUCKETS) return null;
    labels.push(label(b));
  }
  return labels;
}
