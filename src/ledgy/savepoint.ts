import type { Queryable } from '../platform/db.ts';
import type { SystemAccounts } from './system-accounts.ts';

/**
 * Runs `work` inside a SAVEPOINT of the write's transaction: kept when it returns, undone on
 * its own when it throws (the error is rethrown), so one row of a best-effort bulk call fails
 * without taking the others, or the whole call, with it.
 */
export async function inSavepoint<T>(tx: Queryable, systemAccounts: SystemAccounts, work: () => Promise<T>): Promise<T> {
  await tx.query('SAVEPOINT ledgy_row');
  systemAccounts.savepoint(tx);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // A failure to roll back leaves the transaction unusable: the row's error still says why.
    await tx.query('ROLLBACK TO SAVEPOINT ledgy_row').then(() => tx.query('RELEASE SAVEPOINT ledgy_row')).catch(() => {});
    systemAccounts.rolledBack(tx);
    throw error;
  }
  await tx.query('RELEASE SAVEPOINT ledgy_row');
  systemAccounts.released(tx);
  return result;
}
