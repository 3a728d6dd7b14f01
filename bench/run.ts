/**
 * `npm run bench`: every benchmark in bench/<name>.ts on the embedded PostgreSQL that
 * `npm start` runs (started once for the run, in a new data directory), then on an external
 * PostgreSQL when BENCH_DATABASE_URL is set; a fresh schema each.
 *
 *   npm run bench -- [--json] [--only <substring>[,<substring>…]] [--db embedded|postgres]
 *                    [--seconds <n>] [--strict]
 *
 * --json prints one JSON object a line: {"name","db","ops_per_s","p50_ms","p99_ms",…extra}.
 * --strict exits 1 when a target is missed (a benchmark that throws always exits 1).
 * Progress goes to stderr, results to stdout.
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock } from '../src/platform/clock.ts';
import { describeDb, disposeAll, embeddedEnv, openBenchDb } from './lib/databases.ts';
import { seedLedger } from './lib/ledger-fixture.ts';
import { loop, seedOf, seededRandom } from './lib/measure.ts';
import type { BenchContext, Benchmark, BenchResult, DbKind, Target } from './lib/types.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string', multiple: true },
    db: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '3' },
    strict: { type: 'boolean', default: false },
    // Internal: run the one benchmark named by --only in this process and print its row (see runInChild).
    child: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('npm run bench -- [--json] [--only <substring>] [--db embedded|postgres] [--seconds <n>] [--strict]');
  process.exit(0);
}

const seconds = Number(args.seconds);
if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
const only = (args.only ?? []).flatMap((o) => o.split(',')).filter(Boolean);
const postgresUrl = process.env.BENCH_DATABASE_URL || null;
const kinds: DbKind[] = (['embedded', 'postgres'] as const).filter(
  (k) => (k === 'embedded' || postgresUrl) && (!args.db || args.db.includes(k)),
);
if (args.db?.includes('postgres') && !postgresUrl) throw new Error('--db postgres needs BENCH_DATABASE_URL');
const log = (message: string) => process.stderr.write(message + '\n');

/**
 * The `bench/*.ts` files (not this one; helpers live in bench/lib/) whose name holds one of
 * `only`, or all of them. Only those are imported: each one loaded brings its part of the
 * server into this process, and a larger heap made V8's young-generation collections slower
 * for every benchmark after (ledgy.list: 100 scavenges of 4.5 ms in 4 s and p99 11.7 ms with
 * six more benchmark files present, 320 of 0.46 ms and p99 2.5 ms without).
 */
async function loadBenchmarks(only: string[]): Promise<Benchmark[]> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((f) => f.isFile() && f.name.endsWith('.ts') && f.name !== 'run.ts' && !f.name.endsWith('.d.ts'))
    .map((f) => f.name)
    .filter((name) => only.length === 0 || only.some((o) => name.slice(0, -3).includes(o)))
    .sort();
  const out: Benchmark[] = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(dir + file).href);
    const bench: Benchmark | undefined = mod.default;
    if (!bench || typeof bench.name !== 'string' || typeof bench.run !== 'function') {
      throw new Error(`bench/${file} must export default { name, description, run(ctx) }`);
    }
    if (`${bench.name}.ts` !== file) throw new Error(`bench/${file} names itself "${bench.name}": the file should be bench/${bench.name}.ts`);
    out.push(bench);
  }
  return out;
}

function missedTargets(targets: Target[] | undefined, kind: DbKind, result: BenchResult): string[] {
  const missed: string[] = [];
  for (const t of targets ?? []) {
    if (t.db && t.db !== kind) continue;
    const value = result[t.field];
    if (typeof value !== 'number' || Number.isNaN(value)) missed.push(`${t.field} not reported`);
    else if (t.min !== undefined && value < t.min) missed.push(`${t.field} ${fmt(value)} < ${fmt(t.min)}`);
    else if (t.max !== undefined && value > t.max) missed.push(`${t.field} ${fmt(value)} > ${fmt(t.max)}`);
  }
  return missed;
}

function targetText(targets: Target[] | undefined, kind: DbKind): string {
  return (targets ?? [])
    .filter((t) => !t.db || t.db === kind)
    .map((t) =>
      t.min !== undefined && t.min === t.max
        ? `${t.field} = ${fmt(t.min)}`
        : [t.min !== undefined ? `${t.field} ≥ ${fmt(t.min)}` : '', t.max !== undefined ? `${t.field} ≤ ${fmt(t.max)}` : ''].filter(Boolean).join(' and '),
    )
    .join(', ');
}

const fmt = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 2 })) : String(v);

interface Row {
  name: string;
  db: DbKind;
  result?: BenchResult;
  error?: string;
  missed: string[];
  targets: string;
}

async function runOne(bench: Benchmark, kind: DbKind): Promise<Row> {
  const started = performance.now();
  log(`▶ ${bench.name} on ${kind}`);
  const targets = targetText(bench.targets, kind);
  let handle: Awaited<ReturnType<typeof openBenchDb>>;
  try {
    handle = await openBenchDb(kind, postgresUrl);
    if (!describedKinds.has(kind)) describedKinds.set(kind, await describeDb(handle.db));
  } catch (error: any) {
    return { name: bench.name, db: kind, error: `could not open the database: ${error?.stack ?? error}`, missed: [], targets };
  }
  const random = seededRandom(seedOf(bench.name));
  const ctx: BenchContext = {
    kind,
    db: handle.db,
    clock: systemClock,
    seconds,
    random,
    randomInt: (n) => Math.floor(random() * n),
    log: (m) => log(`  ${bench.name}/${kind}: ${m}`),
    seedLedger: (options) => seedLedger(handle.db, systemClock, options),
    loop,
    settle: async (tables = ['accounts']) => {
      for (const t of tables) await handle.db.query(`VACUUM (ANALYZE) ${t}`);
      // Each benchmark migrates a schema of ~150 tables and indexes and drops it afterwards:
      // the system catalogs fill with dead rows, and autovacuum workers cleaned them up inside
      // the next benchmark's timed window (seen in pg_stat_activity during ledgy.list).
      const catalogs = await handle.db.query<{ relname: string }>(
        `SELECT relname FROM pg_stat_sys_tables WHERE schemaname = 'pg_catalog' AND n_dead_tup > 0`,
      );
      if (catalogs.length > 0) {
        await handle.db
          .query(`VACUUM (ANALYZE) ${catalogs.map((c) => `pg_catalog.${c.relname}`).join(', ')}`)
          .catch((e) => ctx.log(`no VACUUM of the catalogs (${e?.message ?? e})`));
      }
      // Needs superuser or pg_checkpoint on PostgreSQL; without them the run is just noisier.
      await handle.db.query('CHECKPOINT').catch((e) => ctx.log(`no CHECKPOINT (${e?.message ?? e})`));
      // The garbage of setup and of the benchmarks before (a whole server each, tens of
      // thousands of requests) is collected now, not by a major GC inside the timed window:
      // after http.authenticated_read one took ~90 ms there and set http.transfer's p99.
      collectGarbage();
    },
    tableBytes: async (tables) => {
      const rows = await handle.db.query<{ t: string; bytes: bigint }>(
        `SELECT t, pg_total_relation_size(t::regclass)::int8 AS bytes FROM unnest($1::text[]) AS t`,
        [tables],
      );
      return Object.fromEntries(rows.map((r) => [r.t, Number(r.bytes)]));
    },
  };
  // A hung benchmark must not hang the run: give up on it well past any time budget. Setup
  // counts too, and seeding a million rows takes most of a minute.
  const limitMs = Math.max(300, seconds * 60) * 1000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      bench.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gave up after ${limitMs / 1000} s`)), limitMs);
      }),
    ]);
    return { name: bench.name, db: kind, result, missed: missedTargets(bench.targets, kind, result), targets };
  } catch (error: any) {
    return { name: bench.name, db: kind, error: error?.stack ?? String(error), missed: [], targets };
  } finally {
    clearTimeout(timer);
    await handle.dispose().catch((e) => log(`  could not clean up: ${e?.message ?? e}`));
    log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s (setup and cleanup included)`);
  }
}

const describedKinds = new Map<DbKind, string>();

// A full collection on demand without restarting node with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// Ctrl-C still removes the temporary data directory or schema of the benchmark running.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`\n${signal}: cleaning up`);
    void disposeAll().finally(() => process.exit(130));
  });
}

function printTable(rows: Row[]) {
  const head = ['benchmark', 'db', 'ops/s', 'p50 ms', 'p99 ms', 'target', 'details'];
  const body = rows.map((r) => {
    if (!r.result) return [r.name, r.db, '-', '-', '-', 'ERROR', (r.error ?? '').split('\n')[0]];
    const { ops_per_s, p50_ms, p99_ms, ...extra } = r.result;
    const target = r.targets === '' ? '' : r.missed.length === 0 ? 'met' : 'MISSED: ' + r.missed.join('; ');
    const details = Object.entries(extra)
      .map(([k, v]) => `${k}=${fmt(v)}`)
      .join(' ');
    // Whole operations a second read better than 818.33; small rates keep their decimals.
    const ops = typeof ops_per_s === 'number' && Math.abs(ops_per_s) >= 100 ? Math.round(ops_per_s) : ops_per_s;
    return [r.name, r.db, fmt(ops), fmt(p50_ms), fmt(p99_ms), target, details];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const numeric = new Set([2, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log('');
  for (const [kind, text] of describedKinds) console.log(`${kind}: ${text}`);
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${seconds} s measured per benchmark`);
  // Other work on the machine moves these numbers a lot: a load near the CPU count before the run means rerun.
  console.log(`load average before the run ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const b of body) console.log(line(b));
  const withTargets = rows.filter((r) => r.targets !== '');
  if (withTargets.length > 0) {
    console.log('');
    console.log('targets:');
    for (const r of withTargets) console.log(`  ${r.name} on ${r.db}: ${r.targets}${r.db === 'postgres' || r.name.startsWith('ledger.hot') ? '' : ''}`);
  }
  for (const r of rows.filter((r) => r.error)) console.log(`\n${r.name} on ${r.db} failed:\n${r.error}`);
}

/**
 * Runs one benchmark in a process of its own (this script with --child), on the run's
 * embedded PostgreSQL or BENCH_DATABASE_URL: a benchmark run after others in one process
 * inherited their heap, and V8's young-generation collections grew slower with it (ledgy.list's
 * p99 11.5 ms in a whole run, 2.5-3.5 ms alone), so a whole run measured what `--only` did not.
 */
async function runInChild(bench: Benchmark, kind: DbKind): Promise<Row> {
  const env = { ...process.env, ...(kind === 'embedded' ? await embeddedEnv() : {}) };
  const argv = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', '--only', bench.name, '--db', kind, '--seconds', String(seconds)];
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const line = out.split('\n').find((l) => l.startsWith('{"row":'));
  if (!line) return { name: bench.name, db: kind, error: `its process exited with code ${code} and no result`, missed: [], targets: targetText(bench.targets, kind) };
  const { row, described } = JSON.parse(line) as { row: Row; described: string | null };
  if (described) describedKinds.set(kind, described);
  return row;
}

// A file's name is its benchmark's name (checked as each loads).
const benchmarks = (await loadBenchmarks(only)).filter((b) => !args.child || only.includes(b.name));
if (benchmarks.length === 0) {
  log(`no benchmark matches ${only.join(', ')}`);
  process.exit(1);
}
if (!postgresUrl && !args.child) log('BENCH_DATABASE_URL is not set: the embedded PostgreSQL only.');
// One benchmark runs here; several, each in a process of its own.
const isolated = !args.child && benchmarks.length > 1;

const loadBefore = loadavg();
const rows: Row[] = [];
const startedAll = performance.now();
for (const bench of benchmarks) {
  for (const kind of kinds.filter((k) => !bench.dbs || bench.dbs.includes(k))) {
    const row = isolated ? await runInChild(bench, kind) : await runOne(bench, kind);
    if (args.child) {
      console.log(JSON.stringify({ row, described: describedKinds.get(kind) ?? null }));
      continue;
    }
    // Interrupted: the signal handler exits once the cleanup is done.
    if (interrupted) await new Promise(() => {});
    rows.push(row);
    if (args.json) {
      const { name, db, result, error, missed } = row;
      console.log(JSON.stringify(result ? { name, db, ...result, missed } : { name, db, error: error?.split('\n')[0] }));
    }
  }
}
if (!args.json && !args.child) printTable(rows);
await disposeAll();
if (!args.child) log(`\nwhole run: ${((performance.now() - startedAll) / 1000).toFixed(1)} s`);
const failed = rows.some((r) => r.error) || (args.strict && rows.some((r) => r.missed.length > 0));
process.exit(failed ? 1 : 0);
