import type { Db } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import type { LedgerEngine } from '../ledger/engine.ts';

/** What the Ledgy domain needs from the core. */
export interface LedgyDeps {
  db: Db;
  clock: Clock;
  ledger: LedgerEngine;
  /** Length of a new user's trial, in days. */
  trialDays: number;
}

/** Ledgy money: up to 4 decimals in any currency, so every Ledgy ledger account is CUR/4. */
export const LEDGY_SCALE = 4;
