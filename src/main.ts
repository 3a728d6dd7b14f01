import { ConfigError, loadConfig } from './platform/config.ts';
import { openConfiguredDatabase } from './platform/database.ts';
import type { Db } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import { createCore, type Core } from './core.ts';
import { buildApp } from './app.ts';
import { checkSurfaceSettings, startBackgroundTasks } from './surfaces.ts';
import type { FastifyInstance } from 'fastify';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

async function main() {
  let config;
  try {
    config = loadConfig();
    checkSurfaceSettings(config.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`kontor: configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  let db: Db | null = null;
  let core: Core | null = null;
  let app: FastifyInstance | undefined;
  try {
    const startupLog = config.logLevel === 'silent' ? undefined : (line: string) => console.log(`kontor: ${line}`);
    db = await openConfiguredDatabase(config, { log: startupLog });
    await migrate(db);
    core = await createCore(config, db);
    app = await buildApp(core, { logger: { level: config.logLevel } });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close().catch(() => {});
    await core?.close().catch(() => {});
    await db?.close().catch(() => {});
    throw error;
  }
  const server = app;
  const services = core!;
  const database = db;
  const background = startBackgroundTasks(services);

  let stopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    server.log.info({ signal }, 'draining in-flight requests');
    let code = exitCode;
    try {
      await server.close();
      for (const task of background) await task.stop();
      await services.close();
      // Last: the embedded PostgreSQL stops once nothing uses it.
      await database.close();
    } catch (error) {
      console.error(`kontor: shutdown failed: ${message(error)}`);
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Route validators compile on first use; the rest compile now, between requests, so a
  // schema Ajv refuses stops the server at start instead of failing its first request.
  server.compilePendingValidators().catch((error) => {
    console.error(`kontor: a route schema does not compile: ${message(error)}`);
    void stop('schema', 1);
  });
}

main().catch((error) => {
  console.error(`kontor: ${message(error)}`);
  process.exit(1);
});
