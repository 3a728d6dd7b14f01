import type { Config } from '../platform/config.ts';
import { openConfiguredDatabase } from '../platform/database.ts';
import { migrate } from '../platform/migrate.ts';
import { systemClock } from '../platform/clock.ts';
import { ApiKeys } from '../platform/identity/api-keys.ts';
import { WriteRunner } from '../platform/write-runner.ts';
import type { OperatorServices } from '../platform/operator/command.ts';
import { surfaceKeyFormats } from '../surfaces.ts';

/**
 * Runs `fn` on the configured database, migrated first: `DATABASE_URL`, or the embedded
 * PostgreSQL of `DATA_DIR` (the one a running server uses, else started for this command
 * and stopped after). A revoke made here reaches running servers through NOTIFY.
 */
export async function withServices<T>(config: Config, fn: (services: OperatorServices) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config, { shareRunning: true });
  const apiKeys = new ApiKeys(db, systemClock, 0, surfaceKeyFormats());
  try {
    const appliedMigrations = await migrate(db);
    // The CLI holds no Idempotency-Keys: its runner has no key store.
    const writes = new WriteRunner(db, systemClock, null);
    return await fn({ db, clock: systemClock, apiKeys, writes, appliedMigrations });
  } finally {
    await apiKeys.close();
    await db.close();
  }
}
