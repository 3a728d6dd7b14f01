import { mkdir } from 'node:fs/promises';
import { ConfigError, loadConfig } from './platform/config.ts';
import { openDatabase } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { createKontor } from './platform/kontor.ts';
import { acquireDataDirLock } from './platform/data-dir-lock.ts';
import { buildApp } from './app.ts';

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
  const db = await openDatabase(config);
  await migrate(db);
  const kontor = await createKontor(config, db);
  const app = await buildApp(kontor, { logger: { level: config.logLevel } });
  await app.listen({ port: config.port, host: config.host });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining in-flight requests');
    await app.close();
    await kontor.close();
    await db.close();
    await lock?.release();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(`kontor: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
