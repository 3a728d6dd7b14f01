import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, link, mkdir, mkdtemp, open, readFile, readdir, readlink, realpath, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { writeFileOnce } from '../files.ts';
import { locateBinaries, type Binaries } from './binaries.ts';
import { EmbeddedPostgresError, runAsUser, userCan, type RunAs } from './run-as.ts';

export { EmbeddedPostgresError } from './run-as.ts';

export interface EmbeddedPostgresOptions {
  /** Kontor's DATA_DIR: the cluster lives in `<dataDir>/postgres` where PostgreSQL's user can reach it. */
  dataDir: string;
  /** EMBEDDED_PG_PORT: overrides the port remembered from the first start. */
  port?: number | null;
  /** As root: where copies of the binaries are kept for the `postgres` user (default /var/cache/kontor). */
  binariesCache?: string;
  /** As root: where the cluster goes when the `postgres` user cannot reach `dataDir` (default /var/lib/kontor). */
  clusterHome?: string;
  /** The binaries' `native/` folder (a package's `native/`, with its package.json beside); default: the installed platform package. */
  binariesDir?: string;
  log?: (line: string) => void;
  /**
   * Work to do while PostgreSQL starts up (the server loads its modules): run once the
   * postmaster is spawned, awaited before this returns; if it fails, PostgreSQL is stopped.
   */
  whileStarting?: () => Promise<unknown>;
}

/** A running embedded PostgreSQL: started here (owned, stopped by `stop`) or found running. */
export interface EmbeddedPostgres {
  /** TCP on 127.0.0.1: for psql, pg_dump and other tools. */
  readonly url: string;
  /**
   * The Unix socket in the cluster's own folder, for Kontor itself: a query over it costs
   * markedly less than over loopback TCP (measured here: ~21–26k against ~15–17k simple
   * queries a second). Null when the folder's path is too long for a socket name.
   */
  readonly socketUrl: string | null;
  readonly pid: number;
  readonly owned: boolean;
  readonly clusterDir: string;
  stop(): Promise<void>;
}

/** What the first start chose, kept in `<dataDir>/postgres.json`. */
interface State {
  port: number;
  /** The cluster's folder: absolute, or relative to the data directory. */
  cluster: string;
}

const STATE_FILE = 'postgres.json';
const PASSWORD_FILE = 'postgres-password';
const LOG_FILE = 'postgres.log';
const DB_USER = 'kontor';
const DB_NAME = 'kontor';
const OWNER_VARIABLE = 'KONTOR_OWNER_PID';
const DEFAULT_CLUSTER_HOME = '/var/lib/kontor';
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function parseState(file: string, text: string): State {
  try {
    const state = JSON.parse(text) as State;
    if (Number.isInteger(state.port) && typeof state.cluster === 'string') return state;
  } catch {
    // reported below
  }
  throw new EmbeddedPostgresError(`${file} is damaged; it names the embedded PostgreSQL's port and folder (see the README)`);
}

/** The lines of PostgreSQL's own lock file (pid, folder, start time, port, …, status), or null. */
async function postmasterPid(clusterDir: string): Promise<string[] | null> {
  const text = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => null);
  return text ? text.split('\n') : null;
}

async function loadState(options: EmbeddedPostgresOptions, user: RunAs | null): Promise<{ state: State; password: string }> {
  await mkdir(options.dataDir, { recursive: true });
  const stateFile = path.join(options.dataDir, STATE_FILE);
  let text = await readFile(stateFile, 'utf8').catch(() => null);
  if (text === null) {
    // As root, PostgreSQL runs as `postgres`: a DATA_DIR it cannot reach (a project under a
    // mode-700 /root) gets its cluster in a folder that user owns, named here.
    const reachable = !user || userCan(user, '-x', options.dataDir);
    const cluster = reachable ? 'postgres' : path.join(options.clusterHome ?? DEFAULT_CLUSTER_HOME, randomBytes(8).toString('hex'));
    const fresh: State = { port: options.port ?? (await freePort()), cluster };
    text = await writeFileOnce(stateFile, JSON.stringify(fresh, null, 2) + '\n', 0o644);
  }
  const state = parseState(stateFile, text);
  const password = (await writeFileOnce(path.join(options.dataDir, PASSWORD_FILE), randomBytes(24).toString('base64url') + '\n', 0o600)).trim();
  if (password.length < 16) throw new EmbeddedPostgresError(`${path.join(options.dataDir, PASSWORD_FILE)} is empty or too short`);
  return { state, password };
}

const clusterDirOf = (options: EmbeddedPostgresOptions, state: State) =>
  path.isAbsolute(state.cluster) ? state.cluster : path.join(options.dataDir, state.cluster);

const urlOf = (port: number, password: string, database = DB_NAME) =>
  `postgres://${DB_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

// sockaddr_un holds 108 bytes with the terminating NUL.
const MAX_SOCKET_PATH = 107;
// A comma, quote or space would need quoting in unix_socket_directories: such a folder gets TCP only.
const socketFits = (clusterDir: string, port: number) =>
  Buffer.byteLength(`${clusterDir}/.s.PGSQL.${port}`) <= MAX_SOCKET_PATH && !/[,"'\s\\]/.test(clusterDir);
const socketUrlOf = (clusterDir: string, port: number, password: string) =>
  socketFits(clusterDir, port) ? `postgres://${DB_USER}:${encodeURIComponent(password)}@${encodeURIComponent(clusterDir)}:${port}/${DB_NAME}` : null;

/** Runs a program to completion as `user`; a failure to start it is an error, never a crash. */
function run(file: string, args: string[], user: RunAs | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...(user ? { uid: user.uid, gid: user.gid } : {}), stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new EmbeddedPostgresError(`cannot run ${file}: ${error.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new EmbeddedPostgresError(`${path.basename(file)} failed: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`)),
    );
  });
}

const childEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', [OWNER_VARIABLE]: String(process.pid) });

/** initdb into a scratch folder beside the cluster, renamed into place whole: a kill mid-way leaves no half cluster. */
async function initCluster(clusterDir: string, binaries: Binaries, user: RunAs | null, password: string, log: (line: string) => void) {
  const parent = path.dirname(clusterDir);
  await mkdir(parent, { recursive: true, mode: 0o711 });
  const existing = await readdir(clusterDir).catch(() => null);
  if (existing && existing.length > 0) throw new EmbeddedPostgresError(`${clusterDir} exists and is not a PostgreSQL data directory; move it away`);
  if (existing) await rmdir(clusterDir);
  const scratch = await mkdtemp(path.join(parent, '.postgres-init-'));
  try {
    if (user) await chown(scratch, user.uid, user.gid);
    const pwfile = path.join(scratch, 'pwfile');
    await writeFile(pwfile, password + '\n', { mode: 0o600 });
    if (user) await chown(pwfile, user.uid, user.gid);
    log(`initialising the embedded PostgreSQL ${binaries.version} in ${clusterDir}`);
    const data = path.join(scratch, 'data');
    await run(binaries.initdb, ['-D', data, '-U', DB_USER, '--pwfile', pwfile, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'], user);
    await rename(data, clusterDir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: any) {
    return error?.code === 'EPERM';
  }
}

/** The postmaster's folder is its working directory; null when /proc cannot tell (not Linux, or not ours to read). */
async function workingDirectory(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/cwd`).catch(() => null);
}

/**
 * A postmaster whose Kontor died (`kill -9`) keeps running, reparented. Kontor starts it with
 * its own pid in the environment; the process is orphaned when its parent is no longer that pid.
 */
async function isOrphan(pid: number): Promise<boolean> {
  const [statText, environ] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null), readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null)]);
  if (!statText || !environ) return false;
  const ppid = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]);
  const owner = environ.split('\0').find((v) => v.startsWith(`${OWNER_VARIABLE}=`));
  return owner !== undefined && Number(owner.slice(OWNER_VARIABLE.length + 1)) !== ppid;
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(20)) if (!alive(pid)) return true;
  return !alive(pid);
}

interface Running {
  pid: number;
  port: number;
  orphan: boolean;
}

/** The postmaster that `postmaster.pid` names, when it is alive and really serves this cluster. */
async function runningPostmaster(clusterDir: string): Promise<Running | 'reused-pid' | null> {
  const lines = await postmasterPid(clusterDir);
  if (!lines) return null;
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  const cwd = await workingDirectory(pid);
  if (cwd !== null && cwd !== (await realpath(clusterDir))) return 'reused-pid';
  return { pid, port: Number(lines[3]), orphan: await isOrphan(pid) };
}

/**
 * Before starting: stop a postmaster orphaned by a killed Kontor, and set aside a lock file
 * that names a pid now used by an unrelated process (PostgreSQL would take that process for
 * a live postmaster). A postmaster that a live Kontor owns is left alone: PostgreSQL's own
 * lock then refuses the start.
 */
async function clearLeftovers(clusterDir: string, log: (line: string) => void): Promise<void> {
  const found = await runningPostmaster(clusterDir);
  if (found === null) return;
  if (found === 'reused-pid') {
    const lockFile = path.join(clusterDir, 'postmaster.pid');
    const before = await readFile(lockFile, 'utf8').catch(() => null);
    const aside = `${lockFile}.stale-${Date.now()}`;
    await rename(lockFile, aside).catch(() => {});
    const moved = await readFile(aside, 'utf8').catch(() => null);
    // Moved something else (a postmaster that started meanwhile): put it back.
    if (moved !== null && moved !== before) await link(aside, lockFile).catch(() => {});
    await unlink(aside).catch(() => {});
    log(`set aside a stale postmaster.pid whose pid now belongs to another process`);
    return;
  }
  if (!found.orphan) return;
  log(`stopping the embedded PostgreSQL (pid ${found.pid}) left running by a Kontor that was killed`);
  process.kill(found.pid, 'SIGINT');
  if (!(await waitGone(found.pid, STOP_TIMEOUT_MS))) {
    throw new EmbeddedPostgresError(`the orphaned PostgreSQL (pid ${found.pid}) of ${clusterDir} did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
  }
}

/** The first FATAL or PANIC line PostgreSQL wrote since `offset`, as one line for the operator. */
async function failureFrom(logFile: string, offset: number, options: EmbeddedPostgresOptions, clusterDir: string, port: number): Promise<string> {
  const text = (await readFile(logFile, 'utf8').catch(() => '')).slice(offset);
  const line = text.split('\n').find((l) => /\b(FATAL|PANIC):/.test(l))?.replace(/^.*?\b(FATAL|PANIC):\s*/, '') ?? 'it exited during start-up';
  const other = /Is another postmaster \(PID (\d+)\)/.exec(text);
  if (/lock file "postmaster.pid" already exists/.test(text)) {
    return `another Kontor is running on ${options.dataDir}: its PostgreSQL${other ? ` (pid ${other[1]})` : ''} holds ${clusterDir}; stop that server first`;
  }
  if (/could not bind|could not create any TCP\/IP sockets/.test(text)) {
    return `the embedded PostgreSQL cannot listen on 127.0.0.1:${port} (${line}); set EMBEDDED_PG_PORT to a free port`;
  }
  return `the embedded PostgreSQL did not start: ${line} (log: ${logFile})`;
}

/**
 * Whether our postmaster says it is ready: PostgreSQL writes its pid into `postmaster.pid`
 * when it takes the lock and "ready" as the last line once it accepts connections. A
 * connection alone proves nothing: another server may hold the port.
 */
async function readyIn(clusterDir: string, pid: number): Promise<boolean> {
  const lines = await postmasterPid(clusterDir);
  return lines !== null && Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlOf(port, password, 'postgres') });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (rows.length === 0) await client.query(`CREATE DATABASE ${DB_NAME}`).catch((error) => {
      if (error?.code !== '42P04') throw error; // created meanwhile by another process
    });
  } finally {
    await client.end();
  }
}

/**
 * Starts the embedded PostgreSQL for `dataDir` (initialising it the first time), as the
 * unprivileged `postgres` user when this process is root, listening on 127.0.0.1 only,
 * with fsync and synchronous commit on. Refuses with one line when another Kontor runs on it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const user = runAsUser();
  const { state, password } = await loadState(options, user);
  const port = options.port ?? state.port;
  const clusterDir = clusterDirOf(options, state);
  const binaries = await locateBinaries(user, options.binariesCache, options.binariesDir);
  if (!(await stat(path.join(clusterDir, 'PG_VERSION')).catch(() => null))) await initCluster(clusterDir, binaries, user, password, log);
  await clearLeftovers(clusterDir, log);

  const logFile = path.join(options.dataDir, LOG_FILE);
  const logHandle = await open(logFile, 'a', 0o600);
  const offset = (await logHandle.stat()).size;
  let child: ChildProcess;
  const exited = new Promise<number | null>((resolve, reject) => {
    child = spawn(
      binaries.postgres,
      // The socket lives in the cluster's folder, which only PostgreSQL's user (and root) can enter.
      ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketFits(clusterDir, port) ? clusterDir : ''}`,
        // Durability is not negotiable for a ledger: say so explicitly.
        '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'],
      // Its own process group: a Ctrl-C reaches Kontor, which drains and then stops it.
      { ...(user ? { uid: user.uid, gid: user.gid } : {}), detached: true, stdio: ['ignore', logHandle.fd, logHandle.fd], env: childEnv() },
    );
    child.on('error', (error) => reject(new EmbeddedPostgresError(`cannot run ${binaries.postgres}: ${error.message}`)));
    child.on('exit', (code) => resolve(code));
  });
  exited.catch(() => {});
  await logHandle.close();
  const stopOnExit = () => {
    try {
      process.kill(child.pid!, 'SIGINT');
    } catch {}
  };
  process.on('exit', stopOnExit);

  const url = urlOf(port, password);
  const started = Date.now();
  let gone = false;
  let spawnError: unknown = null;
  void exited.then(
    () => (gone = true),
    (error) => {
      gone = true;
      spawnError = error;
    },
  );
  // Caught here and awaited in the try below, so a failure stops PostgreSQL.
  const sideWork = (options.whileStarting?.() ?? Promise.resolve()).then(() => null, (error: unknown) => ({ error }));
  try {
    while (true) {
      await Promise.race([exited, sleep(0)]);
      if (gone) throw spawnError ?? new EmbeddedPostgresError(await failureFrom(logFile, offset, options, clusterDir, port));
      if (child!.pid !== undefined && (await readyIn(clusterDir, child!.pid))) break;
      if (Date.now() - started > READY_TIMEOUT_MS) throw new EmbeddedPostgresError(`the embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s (log: ${logFile})`);
      await sleep(15);
    }
    await ensureDatabase(port, password).catch((error) => {
      if (error?.code === '28P01') throw new EmbeddedPostgresError(`the embedded PostgreSQL refused the password in ${path.join(options.dataDir, PASSWORD_FILE)}`);
      throw error;
    });
    const failed = await sideWork;
    if (failed) throw failed.error;
  } catch (error) {
    process.off('exit', stopOnExit);
    if (!gone) {
      child!.kill('SIGINT');
      await exited.catch(() => {});
    }
    throw error;
  }
  child!.unref();
  log(`embedded PostgreSQL ${binaries.version} (pid ${child!.pid}) on 127.0.0.1:${port}, data in ${clusterDir}`);
  return {
    url,
    socketUrl: socketUrlOf(clusterDir, port, password),
    pid: child!.pid!,
    owned: true,
    clusterDir,
    async stop() {
      process.off('exit', stopOnExit);
      if (gone) return;
      child.kill('SIGINT'); // fast shutdown: roll back what is open, checkpoint, exit
      const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
      await exited.catch(() => {});
      clearTimeout(timer);
    },
  };
}

/**
 * The embedded PostgreSQL already running on `dataDir` (a server's, or one left orphaned),
 * for a CLI command to use beside it; null when none runs.
 */
export async function findEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres | null> {
  const stateFile = path.join(options.dataDir, STATE_FILE);
  const stateText = await readFile(stateFile, 'utf8').catch(() => null);
  const password = (await readFile(path.join(options.dataDir, PASSWORD_FILE), 'utf8').catch(() => null))?.trim();
  if (!stateText || !password) return null;
  const state = parseState(stateFile, stateText);
  const clusterDir = clusterDirOf(options, state);
  const found = await runningPostmaster(clusterDir);
  if (found === null || found === 'reused-pid') return null;
  return {
    url: urlOf(found.port, password),
    socketUrl: socketUrlOf(clusterDir, found.port, password),
    pid: found.pid,
    owned: false,
    clusterDir,
    stop: async () => {},
  };
}
