import { integer, type Env } from '../../platform/config.ts';

/** Billing's own settings, read from the server's environment. */
export interface BillingSettings {
  /** BILLING_CLOCK_INTERVAL_MS: how often the scheduler looks for due work (0: never, e.g. a server that only reads). */
  clockIntervalMs: number;
  meter: {
    /** METER_BUFFER_EVENTS: events accepted and not yet committed, at most; past it 429 `meter_buffer_full`. */
    bufferEvents: number;
    /** METER_FLUSH_MS: how long a group commit waits for more events (0: only while a commit is in flight). */
    flushMs: number;
  };
}

export function billingSettings(env: Env): BillingSettings {
  return {
    clockIntervalMs: integer(env, 'BILLING_CLOCK_INTERVAL_MS', 1_000, 0, 3_600_000),
    meter: {
      bufferEvents: integer(env, 'METER_BUFFER_EVENTS', 50_000, 1, 10_000_000),
      flushMs: integer(env, 'METER_FLUSH_MS', 2, 0, 1000),
    },
  };
}
