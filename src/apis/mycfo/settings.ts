import { integer, origin, url, type Env } from '../../platform/config.ts';

/** MyCFO's own settings, read from the server's environment. */
export interface MycfoSettings {
  /** STRIPE_API_BASE: where the Stripe SDK sends requests (an origin); null = Stripe's own API. */
  stripeApiBase: string | null;
  /** The AI provider for advisory memos (HUGGINGFACE_*); a null key = not configured (memos fall back). */
  advisory: { apiKey: string | null; apiBase: string; model: string; timeoutMs: number };
}

export function mycfoSettings(env: Env): MycfoSettings {
  return {
    stripeApiBase: origin(env, 'STRIPE_API_BASE'),
    advisory: {
      apiKey: env.HUGGINGFACE_API_KEY?.trim() || null,
      // An OpenAI-compatible base URL: `${base}/chat/completions`.
      apiBase: (url(env, 'HUGGINGFACE_API_BASE', ['http:', 'https:']) ?? 'https://router.huggingface.co/v1').replace(/\/+$/, ''),
      model: env.HUGGINGFACE_MODEL || 'mistralai/Mistral-7B-Instruct-v0.2',
      timeoutMs: integer(env, 'ADVISORY_TIMEOUT_MS', 10_000, 1, 600_000),
    },
  };
}
