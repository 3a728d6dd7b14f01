import type { Config } from '../platform/config.ts';
import { openConfiguredDatabase } from '../platform/database.ts';
import { migrate } from '../platform/migrate.ts';
import { systemClock } from '../platform/clock.ts';
import { ApiKeys } from '../platform/identity/api-keys.ts';
import { WriteRunner } from '../platform/write-runner.ts';
import { surfaceKeyFormats } from '../surfaces.ts';
import { adminOperations, type AdminOperations } from './operations.ts';

/** A failure to show the operator as one line (exit code 1). */
export class CliError extends Error {}

/**
 * Runs `fn` on the configured database, migrated first: `DATABASE_URL`, or the embedded
 * PostgreSQL of `DATA_DIR` (the one a running server uses, else started for this command
 * and stopped after). A revoke made here reaches running servers through NOTIFY.
 */
export async function withDatabase<T>(config: Config, fn: (ops: AdminOperations, applied: string[]) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config, { shareRunning: true });
  const apiKeys = new ApiKeys(db, systemClock, 0, surfaceKeyFormats());
  try {
    const applied = await migrate(db);
    const writes = new WriteRunner(db, systemClock, null);
    return await fn(adminOperations({ db, clock: systemClock, apiKeys, writes }), applied);
  } finally {
    await apiKeys.close();
    await db.close();
  }
}
