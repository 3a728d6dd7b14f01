import { ConfigError, loadConfig } from './platform/config.ts';
import { openConfiguredDatabase } from './platform/database.ts';
import type { Db } from './platform/db.ts';
import { migrate } from './platform/migrate.ts';
import type { Core } from './core.ts';
import type { FastifyInstance } from 'fastify';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

/**
 * The server's own modules, imported while the embedded PostgreSQL starts: each takes a few
 * hundred milliseconds, one of this process's CPU and the other of PostgreSQL's own.
 */
async function loadServer() {
  const [{ createCore }, { buildApp }, { checkSurfaceSettings, startBackgroundTasks }] = await Promise.all([
    import('./core.ts'),
    import('./app.ts'),
    import('./surfaces.ts'),
  ]);
  return { createCore, buildApp, checkSurfaceSettings, startBackgroundTasks };
}

function configurationError(error: ConfigError): never {
  console.error(`kontor: configuration error: ${error.message}`);
  process.exit(1);
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) configurationError(error);
    throw error;
  }
  let modules!: Awaited<ReturnType<typeof loadServer>>;
  let db: Db | null = null;
  let core: Core | null = null;
  let app: FastifyInstance | undefined;
  try {
    const startupLog = config.logLevel === 'silent' ? undefined : (line: string) => console.log(`kontor: ${line}`);
    const env = config.env;
    db = await openConfiguredDatabase(config, {
      log: startupLog,
      // A surface's bad setting stops start-up here, and the database with it.
      whileStarting: async () => {
        modules = await loadServer();
        modules.checkSurfaceSettings(env);
      },
    });
    await migrate(db);
    core = await modules.createCore(config, db);
    app = await modules.buildApp(core, { logger: { level: config.logLevel } });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app?.close().catch(() => {});
    await core?.close().catch(() => {});
    await db?.close().catch(() => {});
    if (error instanceof ConfigError) configurationError(error);
    throw error;
  }
  const server = app;
  const services = core!;
  const database = db;
  const background = modules.startBackgroundTasks(services);

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
  // Validators and serializers compile on first use; the rest compile now, between requests,
  // so a schema that does not compile stops the server at start instead of failing a request.
  server.compilePendingSchemas().catch((error) => {
    console.error(`kontor: a route schema does not compile: ${message(error)}`);
    void stop('schema', 1);
  });
}

main().catch((error) => {
  console.error(`kontor: ${message(error)}`);
  process.exit(1);
});
