import { ConfigError, integer, type Env } from '../config.ts';
import { PRIVATE_URL_RULES, type PrivateUrlRule } from './urls.ts';

/** Outgoing webhooks' settings, read from the server's environment (decision 0021). */
export interface WebhookSettings {
  /** WEBHOOK_INTERVAL_MS: how often the delivery worker looks for due deliveries (0: never on this server). */
  intervalMs: number;
  /** WEBHOOK_TIMEOUT_MS: how long one attempt may take, connection to response headers. */
  timeoutMs: number;
  /** WEBHOOK_PRIVATE_URLS: never (default), sandbox or always: which endpoints may reach private addresses. */
  privateUrls: PrivateUrlRule;
}

export function webhookSettings(env: Env): WebhookSettings {
  const privateUrls = (env.WEBHOOK_PRIVATE_URLS || 'never') as PrivateUrlRule;
  if (!PRIVATE_URL_RULES.includes(privateUrls)) throw new ConfigError(`WEBHOOK_PRIVATE_URLS must be one of ${PRIVATE_URL_RULES.join(', ')}, got "${env.WEBHOOK_PRIVATE_URLS}"`);
  return {
    intervalMs: integer(env, 'WEBHOOK_INTERVAL_MS', 1_000, 0, 3_600_000),
    timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    privateUrls,
  };
}
