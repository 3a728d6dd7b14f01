/**
 * `npm run openapi`: writes every surface's OpenAPI document, exactly as the server serves it,
 * to docs/openapi/<surface>.json, and the client types generated from the native one to
 * test/generated/kontor-openapi.ts. The server is built on a throw-away embedded PostgreSQL
 * (the documents come from the route schemas, but the services behind the routes need a
 * database to start). test/platform/openapi.test.ts fails when a committed file drifts.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.ts';
import { openConfiguredDatabase } from '../src/platform/database.ts';
import { migrate } from '../src/platform/migrate.ts';
import { createCore } from '../src/core.ts';
import { buildApp } from '../src/app.ts';
import { documentText } from '../src/platform/http/openapi.ts';
import { CLIENT_TYPES_FILE, CLIENT_TYPES_SOURCE, OPENAPI_DIR as outDir, clientTypes, documentFile } from './openapi-files.ts';

const dataDir = await mkdtemp(path.join(tmpdir(), 'kontor-openapi-'));
try {
  // Only DATA_DIR: never the caller's DATABASE_URL, whose schema this would migrate.
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const db = await openConfiguredDatabase(config);
  try {
    await migrate(db);
    const core = await createCore(config, db);
    const app = await buildApp(core);
    try {
      await app.ready();
      await mkdir(outDir, { recursive: true });
      const names = [...core.openapi.keys()].sort();
      for (const name of names) {
        await writeFile(documentFile(name), documentText(core.openapi.get(name)!()));
        console.log(`docs/openapi/${name}.json`);
      }
      await mkdir(path.dirname(CLIENT_TYPES_FILE), { recursive: true });
      await writeFile(CLIENT_TYPES_FILE, await clientTypes(core.openapi.get(CLIENT_TYPES_SOURCE)!()));
      console.log(path.relative(process.cwd(), CLIENT_TYPES_FILE));
      // A surface that is gone leaves no document behind.
      for (const file of await readdir(outDir)) {
        if (file.endsWith('.json') && !names.includes(file.slice(0, -5))) await rm(path.join(outDir, file));
      }
    } finally {
      await app.close();
      await core.close();
    }
  } finally {
    await db.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
