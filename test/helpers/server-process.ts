import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.ts';

/*
 * Real server processes on a temporary data directory with its embedded PostgreSQL, as
 * `npm start` runs them (the same set-up as test/cli/cli.test.ts): for tests that kill one.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  out: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A searchable temporary directory (as root, the embedded PostgreSQL runs as `postgres`); `dispose` removes it. */
export async function dataDirectory(): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-proc-'));
  await chmod(dir, 0o711);
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A port free on loopback now (the OS's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The environment of a server or CLI process on `dataDir`: the embedded PostgreSQL, nothing from the test run's own settings. */
export function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...extra };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'JWT_SECRETS', 'EMBEDDED_PG_PORT', ...(extra.PORT ? [] : ['PORT'])]) delete env[name];
  return env;
}

const START_LIMIT_MS = 90_000;

/** Starts `scripts/start.mjs` on `dataDir` and waits until it answers /health. The limit only catches a server that never
 * comes up: a start takes about a second, but minutes of a loaded machine must not fail it. */
export async function startServerProcess(dataDir: string, extra: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.mjs'], { cwd: ROOT, env: envFor(dataDir, { ...extra, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk) => (out.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk) => (out.stderr += chunk));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + START_LIMIT_MS;
  while ((await fetch(`${base}/health`).catch(() => null))?.status !== 200) {
    if (ended) throw new Error(`the server exited: ${out.stderr}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer /health within ${START_LIMIT_MS / 1000} s: ${out.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, base, out, exited };
}

/** Runs the CLI's code in this process on `dataDir` (it uses the running server's database); its stdout. */
export async function operator(dataDir: string, ...args: string[]): Promise<string> {
  const out = { stdout: '', stderr: '' };
  const io = { env: envFor(dataDir, {}), stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
  const code = await run(args, io);
  if (code !== 0) throw new Error(`kontor ${args.join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}
