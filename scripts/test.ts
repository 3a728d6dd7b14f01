/**
 * `npm test`: the whole suite on an embedded PostgreSQL that this runner starts (no other
 * service needed), then again on TEST_DATABASE_URL when set (with Redis when TEST_REDIS_URL
 * is), so both the embedded major version and the external one (15 in CI) stay covered.
 * Each test file makes its own schema. Ends with one combined "N passed, N failed" line.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
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
 * The passes run at the same time, each on its own PostgreSQL: a pass spends most of its time
 * waiting on its database, so two overlap well on two cores. The first pass streams its spec
 * output and runs every file; the others' is printed when they end, so the log stays readable.
 */
async function runPass(run: (typeof runs)[number], first: boolean): Promise<{ pass: number; fail: number; log: string }> {
  const passFiles = first ? files : files.filter((f) => !firstPassOnly.has(f));
  // (with no file named, node --test would run every file it finds)
  if (passFiles.length === 0) return { pass: 0, fail: 0, log: '' };
  const tap = path.join(scratch, `${run.db}.tap`);
  const spec = path.join(scratch, `${run.db}.spec`);
  const reporters = ['--test-reporter=spec', `--test-reporter-destination=${first ? 'stdout' : spec}`, '--test-reporter=tap', `--test-reporter-destination=${tap}`];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...passFiles], {
      stdio: ['ignore', first ? 'inherit' : 'pipe', first ? 'inherit' : 'pipe'],
      env: { ...process.env, ...run.env },
    });
    let captured = '';
    child.stdout?.on('data', (chunk) => (captured += chunk));
    child.stderr?.on('data', (chunk) => (captured += chunk));
    child.on('close', (c) => {
      outputs[run.db] = captured;
      resolve(c ?? 1);
    });
  });
  const text = await readFile(tap, 'utf8').catch(() => '');
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  let fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  // A crashed runner counts as a failure even when it reported none.
  if (code !== 0 && fail === 0) fail += 1;
  const log = first ? '' : (await readFile(spec, 'utf8').catch(() => '')) + (outputs[run.db] ?? '');
  return { pass, fail, log };
}

const outputs: Record<string, string> = {};
console.log(`\n=== suite on ${runs.map((r) => r.db).join(' and ')} (at the same time; ${runs[0].db} shown live) ===`);
const results = await Promise.all(runs.map((run, i) => runPass(run, i === 0)));
let passed = 0;
let failed = 0;
for (const [i, run] of runs.entries()) {
  const { pass, fail, log } = results[i];
  if (i > 0) console.log(`\n=== suite on ${run.db} ===\n${log}`);
  passed += pass;
  failed += fail;
}
for (const [i, run] of runs.entries()) console.log(`${run.db}: ${results[i].pass} passed, ${results[i].fail} failed`);
await embedded.stop();
await rm(scratch, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
