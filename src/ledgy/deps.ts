import type { Db } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { SystemAccounts } from './system-accounts.ts';

/** What the Ledgy domain needs from the core. */
export interface LedgyDeps {
  /** For reads; writes get the write runner's transaction handle. */
  db: Db;
  clock: Clock;
  ledger: LedgerEngine;
  /** Length of a new user's trial, in days. */
  trialDays: number;
  /** The ids of each ledger's system accounts, remembered by this server. */
  systemAccounts: SystemAccounts;
}

/** The Ledgy domain's dependencies, with a fresh memory of system accounts. */
export function ledgyDeps(core: { db: Db; clock: Clock; ledger: LedgerEngine }, trialDays: number): LedgyDeps {
  return { db: core.db, clock: core.clock, ledger: core.ledger, trialDays, systemAccounts: new SystemAccounts(core.ledger) };
}

/** Ledgy money: up to 4 decimals in any currency, so every Ledgy ledger account is CUR/4. */
export const LEDGY_SCALE = 4;
