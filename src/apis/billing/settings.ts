import { integer, origin, url, type Env } from '../../platform/config.ts';
import type { ProviderEndpoints } from '../../billing/providers/accounts.ts';

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
  /** Where the payment providers' APIs are (each app's keys are its own: `kontor billing provider set`). */
  providers: ProviderEndpoints;
  portal: {
    /** BILLING_PORTAL_TTL_SECONDS: how long a customer portal link works (decision 0029). */
    ttlSeconds: number;
    /** BILLING_PORTAL_BASE_URL: the origin portal links start with (behind a proxy); unset, the API request's own. */
    baseUrl: string | null;
  };
}

export function billingSettings(env: Env): BillingSettings {
  return {
    clockIntervalMs: integer(env, 'BILLING_CLOCK_INTERVAL_MS', 1_000, 0, 3_600_000),
    meter: {
      bufferEvents: integer(env, 'METER_BUFFER_EVENTS', 50_000, 1, 10_000_000),
      flushMs: integer(env, 'METER_FLUSH_MS', 2, 0, 1000),
    },
    providers: {
      // The same Stripe origin MyCFO's import uses (null: api.stripe.com).
      stripeApiBase: origin(env, 'STRIPE_API_BASE'),
      paddleApiBase: (url(env, 'PADDLE_API_BASE', ['http:', 'https:']) ?? 'https://api.paddle.com').replace(/\/+$/, ''),
      paddleSandboxApiBase: (url(env, 'PADDLE_SANDBOX_API_BASE', ['http:', 'https:']) ?? 'https://sandbox-api.paddle.com').replace(/\/+$/, ''),
      timeoutMs: integer(env, 'BILLING_PROVIDER_TIMEOUT_MS', 20_000, 100, 120_000),
    },
    portal: {
      ttlSeconds: integer(env, 'BILLING_PORTAL_TTL_SECONDS', 3600, 60, 86_400),
      baseUrl: origin(env, 'BILLING_PORTAL_BASE_URL'),
    },
  };
}
