import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres, type Db } from '../../src/platform/db.ts';
import { migrate } from '../../src/platform/migrate.ts';
import type { DbKind } from './types.ts';

/** A fresh migrated database for one benchmark; `dispose` closes it and removes every trace. */
export interface BenchDb {
  db: Db;
  dispose(): Promise<void>;
}

let pgliteTemplate: Promise<Blob> | null = null;

/** Cleanups of every directory and schema made and not yet removed, for an interrupted run. */
const live = new Set<() => Promise<void>>();

/** Removes whatever benchmark databases still exist (on Ctrl-C). */
export async function disposeAll(): Promise<void> {
  await Promise.all([...live].map((cleanup) => cleanup().catch(() => {})));
}

/** Runs `cleanup` on dispose or on `disposeAll`, whichever comes first, once. */
function tracked(cleanup: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  const once = () => {
    live.delete(once);
    return (done ??= cleanup());
  };
  live.add(once);
  return once;
}

/**
 * PGlite in a new temporary data directory (on disk, as users run it), loaded from a
 * migrated template so each benchmark skips initdb; or a new schema on PostgreSQL.
 */
export async function openBenchDb(kind: DbKind, postgresUrl: string | null): Promise<BenchDb> {
  if (kind === 'pglite') {
    pgliteTemplate ??= (async () => {
      const scratch = await openPglite();
      await migrate(scratch);
      const dump: Blob = await (scratch as any).lite.dumpDataDir('none');
      await scratch.close();
      return dump;
    })();
    const template = await pgliteTemplate;
    const dir = await mkdtemp(path.join(tmpdir(), 'kontor-bench-'));
    let db: Db | null = null;
    const dispose = tracked(async () => {
      await db?.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    });
    try {
      db = await openPglite(dir, template);
      await migrate(db); // a no-op unless the template is stale
      return { db, dispose };
    } catch (error) {
      await dispose();
      throw error;
    }
  }
  if (!postgresUrl) throw new Error('PostgreSQL benchmarks need BENCH_DATABASE_URL');
  const schema = `kontor_bench_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(postgresUrl, { max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.close();
  }
  // The pool size the server itself uses (openDatabase passes no `max`).
  const db = openPostgres(postgresUrl, { schema });
  const dispose = tracked(async () => {
    await db.close().catch(() => {});
    const dropper = openPostgres(postgresUrl, { max: 1 });
    try {
      await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await dropper.close();
    }
  });
  try {
    await migrate(db);
  } catch (error) {
    await dispose();
    throw error;
  }
  return { db, dispose };
}

/** One line on the database server, for the report header. */
export async function describeDb(db: Db): Promise<string> {
  const [row] = await db.query<{ v: string; sc: string; fs: string }>(
    `SELECT version() AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fs`,
  );
  if (db.kind === 'pglite') return `${/PGlite [\d.]+/.exec(row.v)?.[0] ?? row.v} (${/^PostgreSQL [\d.]+/.exec(row.v)?.[0]}), on-disk data directory`;
  return `${/^PostgreSQL [\d.]+/.exec(row.v)?.[0] ?? row.v}, synchronous_commit=${row.sc}, fsync=${row.fs}`;
}
