/**
 * Crash safety: a child process posts atomic batches in a loop and is killed with SIGKILL in
 * the middle of its work, several times over on the same database; then every batch must be
 * whole or absent, every batch the child saw commit must be there, and the balances must
 * still replay from the postings and sum to zero per asset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chmod } from 'node:fs/promises';
import { testDatabaseUrl, testDbKind } from '../helpers/db.ts';
import { openPostgres, type Db } from '../../src/platform/db.ts';
import { openConfiguredDatabase } from '../../src/platform/database.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { migrate } from '../../src/platform/migrate.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const BATCH_SIZE = 50;
/** The writer's batches: 40 entries of two postings, 10 in two currencies with four. */
const POSTINGS_PER_BATCH = 40 * 2 + 10 * 4;
const ROUNDS = 3;
/** Batches a round must see commit before it starts looking for a moment to kill. */
const COMMITS_BEFORE_KILL = 3;

interface Round {
  /** The first batch number the writer said it would post. */
  next: number;
  /** The highest batch the writer said had committed. */
  committed: number;
}

/** Runs the writer until it has committed a few batches, then kills it inside the next one. */
function crashRound(env: Record<string, string>): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER], {
      cwd: ROOT,
      env: { ...process.env, ...env, CRASH_BATCH_SIZE: String(BATCH_SIZE) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const round: Round = { next: -1, committed: -1 };
    let seen = 0;
    let killing = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer did not get going within 30 s; stderr:\n${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, rest] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      if (word === 'ready') round.next = JSON.parse(rest).next;
      if (word === 'committed') {
        round.committed = Number(rest);
        seen++;
      }
      if (word === 'begin' && seen >= COMMITS_BEFORE_KILL && !killing) {
        killing = true;
        // Somewhere inside the batch: it is being built, written or committed.
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 25));
      }
    });
    // 'close', not 'exit': only then has every line the writer printed been read.
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`the writer ended by itself (code ${code}, signal ${signal}); stderr:\n${stderr}`));
      else resolve(round);
    });
  });
}

/** Kills the writer ROUNDS times on one database, then checks what it left there. */
async function crashAndCheck(env: Record<string, string>, reopen: () => Promise<Db>) {
  let acknowledged = -1;
  for (let r = 0; r < ROUNDS; r++) {
    const round = await crashRound(env);
    // A restarted writer goes on after the last batch it finds: none that committed is lost.
    assert.ok(round.next > acknowledged, `round ${r} starts at batch ${round.next}, but batch ${acknowledged} had committed`);
    assert.ok(round.next <= acknowledged + 2, `round ${r} starts at batch ${round.next}, after ${acknowledged}`);
    assert.ok(round.committed >= round.next + COMMITS_BEFORE_KILL - 1);
    acknowledged = round.committed;
  }

  const db = await reopen();
  try {
    const batches = await db.query<{ n: number; entries: number; seqs: number; postings: number }>(
      `SELECT substring(e.external_id FROM '^b([0-9]+)-')::int AS n, count(*)::int AS entries,
              count(DISTINCT substring(e.external_id FROM '-([0-9]+)$'))::int AS seqs,
              sum((SELECT count(*) FROM postings p WHERE p.org_id = e.org_id AND p.entry_id = e.id))::int AS postings
         FROM entries e GROUP BY 1 ORDER BY 1`,
    );
    // Whole or absent: each batch present has all its entries, each with all its postings.
    for (const b of batches) {
      assert.notEqual(b.n, null, 'an entry without a batch id');
      assert.deepEqual(b, { n: b.n, entries: BATCH_SIZE, seqs: BATCH_SIZE, postings: POSTINGS_PER_BATCH }, `batch ${b.n} is partial`);
    }
    // Batches post one after another, so the ones present are 0..k without gaps, and k is at
    // least the last the writer saw commit (and at most the one it was killed in).
    assert.deepEqual(batches.map((b) => b.n), batches.map((_, i) => i));
    assert.ok(batches.length - 1 >= acknowledged, `batch ${acknowledged} committed but is gone (have 0..${batches.length - 1})`);
    assert.ok(batches.length - 1 <= acknowledged + 1);

    // Stored balances replay from the postings and from the per-day deltas.
    const accounts = await db.query<{ code: string; currency: string; scale: number; balance: bigint; replay: bigint; days: bigint }>(
      `SELECT a.code, a.currency, a.scale, a.balance,
              coalesce((SELECT sum(p.amount) FROM postings p WHERE p.org_id = a.org_id AND p.account_id = a.id), 0)::int8 AS replay,
              coalesce((SELECT sum(d.delta) FROM account_day_totals d WHERE d.org_id = a.org_id AND d.account_id = a.id), 0)::int8 AS days
         FROM accounts a ORDER BY a.code`,
    );
    assert.equal(accounts.length, 9, 'seven accounts and two trading accounts');
    for (const a of accounts) {
      assert.equal(a.replay, a.balance, `postings of ${a.code} replay to ${a.replay}, stored ${a.balance}`);
      assert.equal(a.days, a.balance, `account_days of ${a.code} sum to ${a.days}, stored ${a.balance}`);
    }
    assert.ok(accounts.some((a) => a.balance !== 0n), 'nothing was posted at all');
    // Every asset sums to zero.
    const sums = new Map<string, bigint>();
    for (const a of accounts) sums.set(`${a.currency}/${a.scale}`, (sums.get(`${a.currency}/${a.scale}`) ?? 0n) + a.balance);
    assert.deepEqual([...sums.keys()].sort(), ['EUR/2', 'JPY/0', 'USD/2']);
    for (const [asset, sum] of sums) assert.equal(sum, 0n, `${asset} sums to ${sum}`);
    // No postings or day rows of entries that are not there.
    const [orphans] = await db.query<{ postings: number; entries: number }>(
      `SELECT (SELECT count(*)::int FROM postings p WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.org_id = p.org_id AND e.id = p.entry_id)) AS postings,
              (SELECT count(*)::int FROM entries e WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.org_id = e.org_id AND p.entry_id = e.id)) AS entries`,
    );
    assert.deepEqual(orphans, { postings: 0, entries: 0 });
    return { batches: batches.length };
  } finally {
    await db.close();
  }
}

test(
  'a writer killed mid-batch, with the embedded PostgreSQL it started, leaves whole batches',
  // Its own data directory: once is enough, on the suite's first run.
  { skip: testDbKind !== 'embedded' ? 'run once, in the embedded run' : false, timeout: 180_000 },
  async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kontor-crash-'));
    await chmod(dir, 0o711);
    t.after(() => rm(dir, { recursive: true, force: true }));
    // Each kill orphans the writer's PostgreSQL; the next writer (and the check) must recover.
    const { batches } = await crashAndCheck({ CRASH_DB: 'embedded', CRASH_DIR: dir }, () => openConfiguredDatabase(loadConfig({ DATA_DIR: dir })));
    t.diagnostic(`${batches} whole batches after ${ROUNDS} kills`);
  },
);

test(
  'a writer killed mid-batch leaves whole batches on PostgreSQL',
  { timeout: 120_000 },
  async (t) => {
    const url = testDatabaseUrl();
    const schema = `kontor_crash_${randomBytes(6).toString('hex')}`;
    const admin = openPostgres(url, { max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    t.after(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    });
    const setup = openPostgres(url, { schema, max: 2 });
    await migrate(setup);
    await setup.close();
    const { batches } = await crashAndCheck({ CRASH_DB: 'postgres', CRASH_DATABASE_URL: url, CRASH_SCHEMA: schema }, async () =>
      openPostgres(url, { schema, max: 2 }),
    );
    t.diagnostic(`${batches} whole batches after ${ROUNDS} kills`);
  },
);
