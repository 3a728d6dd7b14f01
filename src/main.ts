import { mkdir } from 'node:fs/promises';
import { ConfigError, loadConfig } from './platform/config.ts';
import { openDatabase, type Db } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { createKontor, type Kontor } from './platform/kontor.ts';
import { acquireDataDirLock } from './platform/data-dir-lock.ts';
import { loadAdminToken, removeServerInfo, writeServerInfo } from './platform/admin.ts';
import { buildApp } from './app.ts';
import type { FastifyInstance } from 'fastify';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`kontor: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  await mkdir(config.dataDir, { recursive: true });
  // PGlite has no lock of its own: two servers on one directory would corrupt it.
  const lock = config.databaseUrl ? null : await acquireDataDirLock(config.dataDir);
  let db: Db | null = null;
  let kontor: Kontor | null = null;
  let app: FastifyInstance | undefined;
  try {
    // The operator CLI's credential for the loopback admin endpoint; kept in the data
    // directory also when the database is PostgreSQL.
    const adminToken = await loadAdminToken(config.dataDir);
    db = await openDatabase(config);
    await migrate(db);
    kontor = await createKontor(config, db);
    app = await buildApp(kontor, { logger: { level: config.logLevel }, adminToken });
    await app.listen({ port: config.port, host: config.host });
    // The port actually bound (PORT=0 picks one): how the CLI finds this server.
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    await writeServerInfo(config.dataDir, { pid: process.pid, port });
  } catch (error) {
    await removeServerInfo(config.dataDir).catch(() => {});
    await app?.close().catch(() => {});
    await kontor?.close().catch(() => {});
    await db?.close().catch(() => {});
    await lock?.release();
    throw error;
  }
  const server = app;
  const core = kontor;
  const database = db;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'draining in-flight requests');
    let code = 0;
    try {
      // First, so the CLI stops sending to a server that is going away.
      await removeServerInfo(config.dataDir);
      await server.close();
      await core.close();
      await database.close();
    } catch (error) {
      console.error(`kontor: shutdown failed: ${message(error)}`);
      code = 1;
    } finally {
      await lock?.release();
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(`kontor: ${message(error)}`);
  process.exit(1);
});
