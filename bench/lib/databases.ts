import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openPostgres, type Db } from '../../src/platform/db.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/platform/embedded-postgres/server.ts';
import { migrate } from '../../src/platform/migrate.ts';
import type { DbKind } from './types.ts';

/** A fresh migrated database for one benchmark; `dispose` closes it and removes every trace. */
export interface BenchDb {
  db: Db;
  dispose(): Promise<void>;
}

let embedded: Promise<EmbeddedPostgres> | null = null;
let embeddedDir: string | null = null;

/** The run's embedded PostgreSQL, started on first use (a new data directory, as `npm start` makes). */
function embeddedServer(): Promise<EmbeddedPostgres> {
  embedded ??= (async () => {
    embeddedDir = await mkdtemp(path.join(tmpdir(), 'kontor-bench-'));
    await chmod(embeddedDir, 0o711); // as root, PostgreSQL runs as the postgres user
    const server = await startEmbeddedPostgres({ dataDir: embeddedDir });
    live.add(async () => {
      await server.stop();
      await rm(embeddedDir!, { recursive: true, force: true });
    });
    return server;
  })();
  return embedded;
}

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

/** How the server connects to the run's embedded PostgreSQL (its socket), starting it first if need be. */
export async function embeddedUrl(): Promise<string> {
  // A benchmark in a process of its own uses the run's (bench/run.ts, runInChild).
  if (process.env.KONTOR_BENCH_EMBEDDED_URL) return process.env.KONTOR_BENCH_EMBEDDED_URL;
  const server = await embeddedServer();
  return server.socketUrl ?? server.url;
}

/** What a benchmark in a process of its own needs of the run's embedded PostgreSQL: where it is, and its postmaster (for CPU times). */
export async function embeddedEnv(): Promise<Record<string, string>> {
  const url = await embeddedUrl();
  return { KONTOR_BENCH_EMBEDDED_URL: url, KONTOR_BENCH_EMBEDDED_PID: String((await embeddedServer()).pid) };
}

/** A new schema on the run's embedded PostgreSQL, or on BENCH_DATABASE_URL's. */
export async function openBenchDb(kind: DbKind, postgresUrl: string | null): Promise<BenchDb> {
  if (kind === 'embedded') postgresUrl = await embeddedUrl();
  if (!postgresUrl) throw new Error('PostgreSQL benchmarks need BENCH_DATABASE_URL');
  const schema = `kontor_bench_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(postgresUrl, { max: 1 });
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.close();
  }
  // The pool size the server itself uses (openConfiguredDatabase passes no `max`).
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
  return `${/^PostgreSQL [\d.]+/.exec(row.v)?.[0] ?? row.v}, synchronous_commit=${row.sc}, fsync=${row.fs}`;
}
