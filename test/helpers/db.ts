import { randomBytes } from 'node:crypto';
import { openPostgres, type Db } from '../../src/platform/db.ts';
import { migrate } from '../../src/platform/migrate.ts';

/**
 * Which run of the suite this is: `npm test` runs it on the embedded PostgreSQL it starts,
 * then on TEST_DATABASE_URL (an external PostgreSQL, with Redis) when that is set.
 */
export const testDbKind: 'embedded' | 'postgres' = process.env.KONTOR_TEST_DB === 'postgres' ? 'postgres' : 'embedded';

/** The database this run uses; a single file run by hand (`node --test`) needs it set. */
export function testDatabaseUrl(): string {
  const url = process.env.KONTOR_TEST_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('run the tests with `npm test` (it starts a PostgreSQL), or set TEST_DATABASE_URL');
  return url;
}

/** A fresh, migrated database of its own: a new schema, dropped on close. */
export async function openTestDb(options: { max?: number } = {}): Promise<Db> {
  const url = testDatabaseUrl();
  const schema = `kontor_test_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(url, { max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = openPostgres(url, { schema, max: options.max ?? 60 });
  await migrate(db);
  const close = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await close();
      const dropper = openPostgres(url, { max: 1 });
      await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      await dropper.close();
    },
  });
}
