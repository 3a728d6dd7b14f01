/**
 * `npm test`: the whole suite on an embedded PostgreSQL that this runner starts (no other
 * service needed) and, at the same time, on TEST_DATABASE_URL when set (with Redis when
 * TEST_REDIS_URL is), so both the embedded major version and the external one (15 in CI) stay
 * covered. Each test file makes its own schema. Ends with one combined "N passed, N failed" line.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres/server.ts';

async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await testFiles(full)));
    else if (entry.name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const filter = process.argv.slice(2);
const files = (await testFiles('test')).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
/**
 * Files marked `// npm test: first pass only` on their first line hold nothing a second
 * PostgreSQL would test differently (no database, or their own embedded one): the later passes
 * skip them, and with them a process start each.
 */
const firstPassOnly = new Set<string>();
for (const file of files) if ((await readFile(file, 'utf8')).startsWith('// npm test: first pass only')) firstPassOnly.add(file);
const scratch = await mkdtemp(path.join(tmpdir(), 'kontor-test-'));
// Searchable by others: as root, the embedded PostgreSQL runs as the `postgres` user.
await chmod(scratch, 0o711);
const embedded = await startEmbeddedPostgres({ dataDir: path.join(scratch, 'embedded') });
const runs: { db: string; env: Record<string, string> }[] = [{ db: 'embedded', env: { KONTOR_TEST_DB: 'embedded', KONTOR_TEST_DATABASE_URL: embedded.socketUrl ?? embedded.url } }];
if (process.env.TEST_DATABASE_URL) runs.push({ db: 'postgres', env: { KONTOR_TEST_DB: 'postgres', KONTOR_TEST_DATABASE_URL: process.env.TEST_DATABASE_URL } });
/**
 * One job is one folder's test files on one database (`groupedByFolder`), run as one `node
 * --test` process. Jobs of every pass share one pool, the largest first, so the passes
 * overlap and neither waits idle for the other's tail. A job's spec output is printed whole
 * when it ends, so the log reads one folder at a time.
 */
interface Job {
  db: string;
  env: Record<string, string>;
  label: string;
  entry: string;
  /** Bytes of test source (weighted): a rough size, for running the long jobs first. */
  size: number;
}

/**
 * The test files of one folder run in one process, each as a suite named by its path: a process
 * start (Node, tsx, loading `src/`) cost two to three seconds of CPU, more than many files' own
 * tests. A suite is a file's scope for its `before`/`after` hooks, so each file still starts and
 * closes its own app and schema; what the files of a folder share is the loaded modules. A file
 * alone in its folder runs as itself.
 */
async function jobsOf(run: (typeof runs)[number], passFiles: string[]): Promise<Job[]> {
  const folders = new Map<string, string[]>();
  for (const file of passFiles) folders.set(path.dirname(file), [...(folders.get(path.dirname(file)) ?? []), file]);
  const jobs: Job[] = [];
  for (const [folder, members] of folders) {
    let size = 0;
    // A first-pass-only file starts processes or PostgreSQL servers of its own: it weighs more than its text.
    for (const file of members) size += (await stat(file)).size * (firstPassOnly.has(file) ? 4 : 1);
    let entry = members[0];
    if (members.length > 1) {
      entry = path.join(scratch, run.db, `${folder.replaceAll(path.sep, '.')}.test.mjs`);
      const suites = members.map((file) => `describe(${JSON.stringify(file)}, async () => { await import(${JSON.stringify(pathToFileURL(path.resolve(file)).href)}); });`);
      await mkdir(path.dirname(entry), { recursive: true });
      await writeFile(entry, `import { describe } from 'node:test';\n${suites.join('\n')}\n`);
    }
    jobs.push({ db: run.db, env: run.env, label: members.length > 1 ? `${folder}/ (${members.length} files)` : members[0], entry, size });
  }
  return jobs;
}

async function runJob(job: Job, index: number): Promise<{ pass: number; fail: number }> {
  const tap = path.join(scratch, `${index}.tap`);
  const spec = path.join(scratch, `${index}.spec`);
  const reporters = ['--test-reporter=spec', `--test-reporter-destination=${spec}`, '--test-reporter=tap', `--test-reporter-destination=${tap}`];
  let output = '';
  const started = performance.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...reporters, job.entry], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...job.env },
    });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (c) => resolve(c ?? 1));
  });
  const text = await readFile(tap, 'utf8').catch(() => '');
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  let fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  // A crashed runner counts as a failure even when it reported none.
  if (code !== 0 && fail === 0) fail += 1;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\n=== ${job.label} on ${job.db}: ${pass} passed, ${fail} failed, ${seconds} s ===`);
  console.log((await readFile(spec, 'utf8').catch(() => '')) + output);
  return { pass, fail };
}

const jobs: Job[] = [];
for (const [i, run] of runs.entries()) jobs.push(...(await jobsOf(run, i === 0 ? files : files.filter((f) => !firstPassOnly.has(f)))));
jobs.sort((a, b) => b.size - a.size);
const workers = Number(process.env.KONTOR_TEST_JOBS) || Math.max(2, availableParallelism());
console.log(`\n=== ${files.length} test files on ${runs.map((r) => r.db).join(' and ')}: ${jobs.length} jobs, ${workers} at a time ===`);
const totals = new Map(runs.map((run) => [run.db, { pass: 0, fail: 0 }]));
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(workers, jobs.length) }, async () => {
    while (next < jobs.length) {
      const index = next++;
      const result = await runJob(jobs[index], index);
      const total = totals.get(jobs[index].db)!;
      total.pass += result.pass;
      total.fail += result.fail;
    }
  }),
);
let passed = 0;
let failed = 0;
for (const [db, total] of totals) {
  console.log(`${db}: ${total.pass} passed, ${total.fail} failed`);
  passed += total.pass;
  failed += total.fail;
}
await embedded.stop();
await rm(scratch, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
