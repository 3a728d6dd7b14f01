import { integer, type Env } from '../../platform/config.ts';

/** LedgerBee's own settings, read from the server's environment. */
export interface LedgerBeeSettings {
  /** LEDGERBEE_OAUTH_RATE_PER_MINUTE: token and revoke requests per 60 s, per client IP and per client_id (default 10). */
  oauthPerMinute: number;
}

export function ledgerbeeSettings(env: Env): LedgerBeeSettings {
  return { oauthPerMinute: integer(env, 'LEDGERBEE_OAUTH_RATE_PER_MINUTE', 10, 1, 1_000_000) };
}
