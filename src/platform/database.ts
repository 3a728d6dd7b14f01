import type { Config } from './config.ts';
import { openPostgres, type Db } from './db.ts';
import { findEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres/server.ts';

export interface OpenOptions {
  /** For the CLI: use the embedded PostgreSQL a server already runs on this data directory, if any. */
  shareRunning?: boolean;
  log?: (line: string) => void;
  /** Work to do while the embedded PostgreSQL starts up (see EmbeddedPostgresOptions); with DATABASE_URL, done first. */
  whileStarting?: () => Promise<unknown>;
}

/**
 * The configured database: `DATABASE_URL`, else the embedded PostgreSQL under `DATA_DIR`,
 * started here and stopped when the returned Db closes (unless it was already running).
 */
export async function openConfiguredDatabase(config: Config, options: OpenOptions = {}): Promise<Db> {
  if (config.databaseUrl) {
    await options.whileStarting?.();
    return openPostgres(config.databaseUrl);
  }
  const where = { dataDir: config.dataDir, port: config.embeddedPgPort, log: options.log };
  let server = options.shareRunning ? await findEmbeddedPostgres(where) : null;
  if (server) await options.whileStarting?.();
  else server = await startEmbeddedPostgres({ ...where, whileStarting: options.whileStarting });
  const db = openPostgres(server.socketUrl ?? server.url);
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await close();
      await server!.stop();
    },
  });
}
