/**
 * `npm test`: the whole suite on PGlite, then again on PostgreSQL when TEST_DATABASE_URL is
 * set (and with Redis when TEST_REDIS_URL is). Ends with one combined "N passed, N failed" line.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

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
const runs: { db: string; env: Record<string, string> }[] = [{ db: 'pglite', env: { KONTOR_TEST_DB: 'pglite' } }];
if (process.env.TEST_DATABASE_URL) runs.push({ db: 'postgres', env: { KONTOR_TEST_DB: 'postgres' } });

const scratch = await mkdtemp(path.join(tmpdir(), 'kontor-test-'));
let passed = 0;
let failed = 0;
for (const run of runs) {
  console.log(`\n=== suite on ${run.db} ===`);
  const tap = path.join(scratch, `${run.db}.tap`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
      { stdio: 'inherit', env: { ...process.env, ...run.env } },
    );
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const text = await readFile(tap, 'utf8').catch(() => '');
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  passed += pass;
  failed += fail;
  // A crashed runner counts as a failure even when it reported none.
  if (code !== 0 && fail === 0) failed += 1;
  console.log(`${run.db}: ${pass} passed, ${fail} failed`);
}
await rm(scratch, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
