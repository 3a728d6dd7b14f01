import retry from 'retry';

/**
 * When a failed delivery is tried again (decision 0021): exponential backoff from 30 s by a
 * factor of 4, capped at 10 h, computed by the `retry` package rather than by hand: 30 s,
 * 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min, 10 h after attempts 1 to 7, so 8 attempts over
 * about 21 h 23 min. No jitter: each delivery's schedule starts when its event was recorded,
 * which already spreads them; a test moves its clock by exactly these steps.
 */
export const RETRY_DELAYS_MS: readonly number[] = retry.timeouts({ retries: 7, factor: 4, minTimeout: 30_000, maxTimeout: 10 * 3_600_000, randomize: false });

/** Attempts a delivery gets in all: the first and one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** When attempt `attempt` (1-based) having failed at `at`, the next is due; null: it was the last. */
export function nextAttemptAt(attempt: number, at: Date): Date | null {
  const delay = RETRY_DELAYS_MS[attempt - 1];
  return delay === undefined ? null : new Date(at.getTime() + delay);
}
