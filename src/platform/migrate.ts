import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from './project-root.ts';
import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations') + path.sep;

// Any constant; it only has to be the same for every Kontor process on one database.
const MIGRATION_LOCK = 7_210_431;

/**
 * Applies the versioned SQL files in `migrations/` that have not run yet, each in its own
 * transaction, in file-name order. An advisory lock keeps two starting servers from racing.
 * A file that was applied and later edited stops start-up: migrations are append-only.
 */
export async function migrate(db: Db): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  const run = async () => {
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map(
      (await db.query<{ version: string; checksum: string }>('SELECT version, checksum FROM schema_migrations')).map(
        (r) => [r.version, r.checksum],
      ),
    );
    for (const file of files) {
      const text = await readFile(MIGRATIONS_DIR + file, 'utf8');
      const checksum = createHash('sha256').update(text).digest('hex');
      const version = file.replace(/\.sql$/, '');
      if (done.has(version)) {
        if (done.get(version) !== checksum) throw new Error(`migration ${file} changed after it was applied`);
        continue;
      }
      await db.transaction(async (tx) => {
        // One round trip for the whole file (the simple-query protocol runs several statements).
        await tx.query(text).catch((error) => {
          throw Object.assign(new Error(`migration ${file} failed: ${error.message}`), { cause: error });
        });
        await tx.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [version, checksum]);
      });
      applied.push(version);
    }
  };
  // The lock is held by one pooled connection for as long as the migrations run on others.
  await db.transaction(async (lock) => {
    await lock.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await run();
  });
  return applied;
}
