import { randomBytes } from 'node:crypto';
import { openPglite, openPostgres, type Db } from '../../src/platform/db.ts';
import { migrate } from '../../src/platform/migrate.ts';

/** Which database this run of the suite uses: `npm test` runs it once per database. */
export const testDbKind: 'pglite' | 'postgres' = process.env.KONTOR_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

let template: Promise<Blob> | null = null;

/**
 * A fresh, migrated database of its own: an in-memory PGlite cloned from a migrated
 * template, or a new schema on TEST_DATABASE_URL that is dropped on close.
 */
export async function openTestDb(): Promise<Db> {
  if (testDbKind === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('KONTOR_TEST_DB=postgres needs TEST_DATABASE_URL');
    const schema = `kontor_test_${randomBytes(6).toString('hex')}`;
    const admin = openPostgres(url, { max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.close();
    const db = openPostgres(url, { schema, max: 60 });
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
  template ??= (async () => {
    const db = await openPglite();
    await migrate(db);
    const dump = await (db as any).lite.dumpDataDir('none');
    await db.close();
    return dump;
  })();
  return openPglite(undefined, await template);
}
