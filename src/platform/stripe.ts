import type Stripe from 'stripe';

/**
 * The one way Kontor makes a Stripe client (MyCFO's import, billing's payments): the official
 * SDK, loaded at first use rather than at server start (it is one of the largest modules),
 * with the SDK's own retries off (the callers decide), no telemetry, and the API at an
 * origin from configuration (a fake Stripe on loopback in tests; null = api.stripe.com).
 */
export type StripeSdk = typeof import('stripe').default;

export const loadStripe = async (): Promise<StripeSdk> => (await import('stripe')).default;

export interface StripeClientOptions {
  /** An http(s) origin (STRIPE_API_BASE); null = api.stripe.com. */
  apiBase: string | null;
  /** Per request, ms. */
  timeoutMs?: number;
}

/** A client holding one secret key; the key is used for its calls only. */
export async function stripeClient(apiKey: string, options: StripeClientOptions): Promise<Stripe> {
  const StripeClient = await loadStripe();
  const config: ConstructorParameters<StripeSdk>[1] = {
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: options.timeoutMs ?? 20_000,
  };
  if (options.apiBase) {
    const url = new URL(options.apiBase);
    const protocol = url.protocol === 'http:' ? 'http' : 'https';
    config.protocol = protocol;
    config.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    config.port = url.port || (protocol === 'http' ? 80 : 443);
  }
  return new StripeClient(apiKey, config);
}
