import { integer, type Env } from '../../platform/config.ts';

/** Ledgy's own settings, read from the server's environment. */
export interface LedgySettings {
  /** LEDGY_TRIAL_DAYS: the length of a new user's (active) trial. */
  trialDays: number;
}

export function ledgySettings(env: Env): LedgySettings {
  return { trialDays: integer(env, 'LEDGY_TRIAL_DAYS', 14, 0, 3650) };
}
