// npm test: first pass only (runs its own embedded PostgreSQL)
/**
 * The operator CLI and the server as operators run them: real processes on a temporary data
 * directory with its embedded PostgreSQL, first with no server (the CLI starts the database
 * for each command), then beside a running server (the CLI uses the server's database
 * directly; revokes reach the server through NOTIFY), then the server's own life: SIGTERM,
 * a second server on the same directory, `kill -9` and a restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { envFor, freePort } from '../helpers/server-process.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/run.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = /kt_live_[0-9A-Za-z]{38}/g;
const ORG_ID = /^org_[0-9A-HJKMNP-TV-Z]{26}$/;
const KEY_ID = /^key_[0-9A-HJKMNP-TV-Z]{26}$/;
const LGPAT = /lgpat_[0-9a-f]{64}/g;
const USER_ID = /^usr_[0-9A-HJKMNP-TV-Z]{26}$/;
const TOKEN_ID = /^tok_[0-9A-HJKMNP-TV-Z]{26}$/;
// The spawned processes run on their own embedded PostgreSQL: once, in the embedded run.
const skip = process.env.KONTOR_TEST_DB === 'postgres' ? 'runs on its own embedded PostgreSQL, in the embedded run' : false;

const children = new Set<ChildProcess>();
const scratch: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-cli-'));
  // Searchable by others: as root, the embedded PostgreSQL runs as the `postgres` user.
  await chmod(dir, 0o711);
  scratch.push(dir);
  return dir;
}

/** The postmaster serving a data directory, from PostgreSQL's own lock file; null when none runs. */
async function postmasterOf(dataDir: string): Promise<number | null> {
  const text = await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(() => null);
  const pid = text ? Number(text.split('\n')[0]) : NaN;
  if (!Number.isInteger(pid)) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/** Starts a server on `dataDir` as `npm start` does (scripts/start.mjs) and waits until it answers /health. */
async function startServer(dataDir: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const server = start('scripts/start.mjs', [], envFor(dataDir, { PORT: String(port), ...extra }));
  let exited = false;
  void server.exited.then(() => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (exited) throw new Error(`the server exited: ${server.out.stderr}`);
      return (await fetch(`${base}/health`).catch(() => null))?.status === 200;
    },
    'the server to answer /health',
    () => server.out.stderr,
  );
  return { ...server, base };
}

/** Polls until `check` holds, for at most `ms`: how long a revoke may take to reach a server. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) return Infinity;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (chunk) => (out.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk) => (out.stderr += chunk));
  const exited = new Promise<Result>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, ...out });
    });
  });
  return { child, out, exited };
}

/** Runs the CLI to completion (killed after 30 s). */
async function cli(dataDir: string, ...args: string[]): Promise<Result> {
  const { child, exited } = start('src/cli/main.ts', args, envFor(dataDir));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

/** Runs the CLI's code in this process: cheaper than a process, for the checks that need none. */
async function cliHere(dataDir: string, ...args: string[]): Promise<Result> {
  const out = { stdout: '', stderr: '' };
  const io = { env: envFor(dataDir), stdout: { write: (t: string) => (out.stdout += t) }, stderr: { write: (t: string) => (out.stderr += t) } };
  const code = await run(args, io);
  return { code, signal: null, ...out };
}

async function cliJson(dataDir: string, ...args: string[]): Promise<any> {
  const result = await cliHere(dataDir, ...args, '--json');
  assert.equal(result.code, 0, `kontor ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function assertOneLine(text: string, pattern: RegExp) {
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${text}`);
  assert.match(lines[0], pattern);
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, give: () => string, ms = 90_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${give()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('kontor CLI', { skip }, () => {
  let dataDir: string;
  let org: string;
  let keyId: string;
  // Ledgy: a user registered through the server's API, and tokens it minted there.
  const EMAIL = 'Ana@Example.test';
  let userId: string;
  const apiTokens: { id: string; token: string }[] = [];
  before(async () => {
    dataDir = await tempDir();
  });

  describe('with the server stopped, on its own database', () => {

    test('migrate applies the migrations', async () => {
      const result = await cli(dataDir, 'migrate');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^applied 0001_core$/m);
      assert.equal(await postmasterOf(dataDir), null, 'the PostgreSQL started for the command was stopped after it');
    });

    test('orgs create prints the new org', async () => {
      const created = await cliJson(dataDir, 'orgs', 'create', '--name', 'Acme Ltd');
      assert.match(created.id, ORG_ID);
      assert.equal(created.name, 'Acme Ltd');
      org = created.id;
    });

    test('keys create shows the secret once, keys list never, keys revoke revokes', async () => {
      const created = await cliHere(dataDir, 'keys', 'create', '--org', org, '--scopes', 'ledger:read,ledger:write', '--name', 'ci', '--expires', '30d');
      assert.equal(created.code, 0, created.stderr);
      const secrets = created.stdout.match(SECRET) ?? [];
      assert.equal(secrets.length, 1, created.stdout);
      assert.match(created.stdout, /^secret: +kt_live_[0-9A-Za-z]{38}$/m);
      keyId = /^id: +(\S+)$/m.exec(created.stdout)?.[1] ?? '';
      assert.match(keyId, KEY_ID);

      const listed = await cliHere(dataDir, 'keys', 'list', '--org', org, '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(!listed.stdout.includes(secrets[0]), 'no secret in keys list');
      const keys = JSON.parse(listed.stdout);
      assert.equal(keys.length, 1);
      assert.deepEqual(
        { id: keys[0].id, org_id: keys[0].org_id, scopes: keys[0].scopes, status: keys[0].status, name: keys[0].name, secret: keys[0].secret },
        { id: keyId, org_id: org, scopes: ['ledger:read', 'ledger:write'], status: 'active', name: 'ci', secret: undefined },
      );

      const revoked = await cliHere(dataDir, 'keys', 'revoke', '--org', org, '--id', keyId);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, `revoked ${keyId}\n`);
    });

    test('keys create --surface billing --mode sandbox --tenant: a bk_test_ key bound to that tenant', async () => {
      const created = await cliJson(dataDir, 'keys', 'create', '--org', org, '--surface', 'billing', '--scopes', 'billing:read,billing:write', '--mode', 'sandbox', '--tenant', 'acme-corp');
      assert.match(created.secret, /^bk_test_[0-9A-Za-z]{38}$/);
      assert.deepEqual([created.surface, created.mode, created.tenant], ['billing', 'sandbox', 'acme-corp']);
      const refused = await cliHere(dataDir, 'keys', 'create', '--org', org, '--surface', 'billing', '--scopes', 'billing:read', '--tenant', 'has space');
      assert.equal(refused.code, 2);
      assertOneLine(refused.stderr, /^kontor: --tenant must be 1 to 255 visible ASCII characters/);
    });

    test('a usage error is one line on stderr and exit code 2', async () => {
      const result = await cli(dataDir, 'keys', 'create', '--org', org);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assertOneLine(result.stderr, /^kontor: --scopes is required$/);
    });
  });

  describe('beside a running server, on its database', () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let base: string;

    before(async () => {
      server = await startServer(dataDir, { KEY_CACHE_TTL_MS: '600000' });
      base = server.base;
    });

    after(() => {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    });

    test('a key made through the CLI works at once, and stops within a second when revoked', async () => {
      const created = await cliJson(dataDir, 'keys', 'create', '--org', org, '--scopes', 'ledger:read');
      assert.match(created.secret, /^kt_live_[0-9A-Za-z]{38}$/);
      const headers = { authorization: `Bearer ${created.secret}` };

      const ok = await fetch(`${base}/kontor/v1/ledgers`, { headers });
      assert.equal(ok.status, 200);
      assert.deepEqual((await ok.json()).data, []);

      const revoked = await cli(dataDir, 'keys', 'revoke', '--org', org, '--id', created.id);
      assert.equal(revoked.code, 0, revoked.stderr);
      // The server caches keys for 10 minutes here: the revoke's NOTIFY cleared it.
      const ms = await within(1000, async () => (await fetch(`${base}/kontor/v1/ledgers`, { headers })).status === 401);
      assert.ok(ms <= 1000, 'the revoked key still worked after 1 s');

    });

    test('orgs and keys commands print the same through the server', async () => {
      const plain = await cliHere(dataDir, 'orgs', 'create', '--name', 'Beta GmbH');
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /^org_[0-9A-Z]{26}  Beta GmbH\n$/);
      const orgs = await cliHere(dataDir, 'orgs', 'list');
      assert.equal(orgs.code, 0, orgs.stderr);
      assert.match(orgs.stdout, /^ID +CREATED +NAME\norg_\S+ +\S+ +Acme Ltd\norg_\S+ +\S+ +Beta GmbH\n$/);

      const keys = await cliHere(dataDir, 'keys', 'list', '--org', org);
      assert.equal(keys.code, 0, keys.stderr);
      assert.doesNotMatch(keys.stdout, SECRET);
      assert.match(keys.stdout, new RegExp(`^${keyId} +kontor +live +kt_live_\\S+ +revoked .* ledger:read,ledger:write +ci$`, 'm'));

      const again = await cliHere(dataDir, 'keys', 'revoke', '--org', org, '--id', keyId);
      assert.equal(again.code, 1);
      assertOneLine(again.stderr, new RegExp(`^kontor: key ${keyId} is already revoked$`));
      const unknownOrg = await cliHere(dataDir, 'keys', 'list', '--org', 'org_01JD0000000000000000000000');
      assert.equal(unknownOrg.code, 1);
      assertOneLine(unknownOrg.stderr, /^kontor: org org_01JD0000000000000000000000 not found$/);
    });

    describe('Ledgy users', () => {
      let session: string;
      const accounts = (token: string) => fetch(`${base}/api/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });

      before(async () => {
        const registered = await fetch(`${base}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: EMAIL, password: 'correct horse', name: 'Ana' }),
        });
        const body = await registered.json();
        assert.equal(registered.status, 201, JSON.stringify(body));
        session = body.accessToken;
        userId = body.user.id;
        assert.match(userId, USER_ID);
      });

      test('ledgy subscription closes and opens the gate at once', async () => {
        assert.equal((await accounts(session)).status, 200);
        const closed = await cliHere(dataDir, 'ledgy', 'subscription', '--email', 'ana@example.TEST', '--status', 'inactive');
        assert.equal(closed.code, 0, closed.stderr);
        assert.match(closed.stdout, new RegExp(`^email: +${EMAIL}\nuser: +${userId}\ncurrency: +USD\nstatus: +inactive\ntrial ends: +\\S+Z\ngate: +closed\n$`));
        const refused = await accounts(session);
        assert.equal(refused.status, 403);
        assert.equal(refused.headers.get('x-subscription-required'), 'true');

        const opened = await cliHere(dataDir, 'ledgy', 'subscription', '--email', EMAIL, '--status', 'active', '--json');
        assert.equal(opened.code, 0, opened.stderr);
        assert.deepEqual(
          (({ id, email, subscription_status, gate_open }) => ({ id, email, subscription_status, gate_open }))(JSON.parse(opened.stdout)),
          { id: userId, email: EMAIL, subscription_status: 'active', gate_open: true },
        );
        assert.equal((await accounts(session)).status, 200);

        const users = await cliHere(dataDir, 'ledgy', 'users', 'list');
        assert.equal(users.code, 0, users.stderr);
        assert.match(users.stdout, new RegExp(`^EMAIL +ID +CURRENCY +STATUS +TRIAL ENDS +GATE\n${EMAIL} +${userId} +USD +active +\\S+Z +open\n$`));

        const unknown = await cliHere(dataDir, 'ledgy', 'subscription', '--email', 'nobody@example.test', '--status', 'active');
        assert.equal(unknown.code, 1);
        assert.equal(unknown.stdout, '');
        assertOneLine(unknown.stderr, /^kontor: no Ledgy user with email nobody@example\.test$/);
      });

      test('a Ledgy token minted through the CLI works at once, is listed without its secret, and stops at once when revoked', async () => {
        const created = await cliJson(dataDir, 'ledgy', 'tokens', 'create', '--email', EMAIL, '--name', 'ci', '--scopes', 'accounts:read', '--expires', '30d');
        assert.match(created.secret, /^lgpat_[0-9a-f]{64}$/);
        assert.match(created.id, TOKEN_ID);
        assert.deepEqual([created.user_id, created.scopes, created.status], [userId, ['accounts:read'], 'active']);
        assert.equal((await accounts(created.secret)).status, 200);

        const listed = await cliHere(dataDir, 'ledgy', 'tokens', 'list', '--email', EMAIL);
        assert.equal(listed.code, 0, listed.stderr);
        assert.doesNotMatch(listed.stdout, LGPAT);
        assert.match(listed.stdout, new RegExp(`^ID +START +STATUS +EXPIRES +LAST USED +SCOPES +NAME\n${created.id} +lgpat_\\S+ +active +\\S+Z +\\S+ +accounts:read +ci\n$`));

        const revoked = await cliHere(dataDir, 'ledgy', 'tokens', 'revoke', '--email', EMAIL, '--id', created.id);
        assert.equal(revoked.code, 0, revoked.stderr);
        assert.equal(revoked.stdout, `revoked ${created.id}\n`);
        // The server caches keys for 10 minutes here: the revoke's NOTIFY cleared it.
        assert.ok((await within(1000, async () => (await accounts(created.secret)).status === 401)) <= 1000, 'still accepted after 1 s');

        const again = await cliHere(dataDir, 'ledgy', 'tokens', 'revoke', '--email', EMAIL, '--id', created.id);
        assert.equal(again.code, 1);
        assertOneLine(again.stderr, new RegExp(`^kontor: token ${created.id} is already revoked$`));
      });

      test("ledgy tokens create keeps to the API's limit of 25 active tokens", async () => {
        for (let i = 0; i < 25; i++) {
          const minted = await fetch(`${base}/api/auth/tokens`, {
            method: 'POST',
            headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `api ${i}`, scopes: ['accounts:read'] }),
          });
          assert.equal(minted.status, 201);
          const { id, token } = await minted.json();
          apiTokens.push({ id, token });
        }
        const refused = await cliHere(dataDir, 'ledgy', 'tokens', 'create', '--email', EMAIL, '--name', 'one more', '--scopes', 'accounts:read');
        assert.equal(refused.code, 1);
        assert.equal(refused.stdout, '');
        assertOneLine(refused.stderr, new RegExp(`^kontor: Ledgy user ${EMAIL} already has 25 active tokens, the most allowed; revoke one first$`));
      });
    });

    test('a second server on the same data directory refuses to start with one line', async () => {
      const pid = await postmasterOf(dataDir);
      const second = start('scripts/start.mjs', [], envFor(dataDir, { PORT: String(await freePort()) }));
      const result = await second.exited;
      assert.equal(result.code, 1);
      assertOneLine(result.stderr, /^kontor: another Kontor is running on .*: its PostgreSQL \(pid \d+\) holds .*; stop that server first$/);
      assert.ok(result.stderr.includes(dataDir));
      // PostgreSQL's own lock refused it; the running server's database is untouched.
      assert.equal(await postmasterOf(dataDir), pid);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    });

    test('db url names the running embedded PostgreSQL, which takes a connection with it', async () => {
      const printed = await cliHere(dataDir, 'db', 'url');
      assert.equal(printed.code, 0, printed.stderr);
      const url = printed.stdout.trim();
      assert.match(url, /^postgres:\/\/kontor:[^@]+@127\.0\.0\.1:\d+\/kontor$/);
      const { default: pg } = await import('pg');
      const client = new pg.Client(url);
      await client.connect();
      assert.equal((await client.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n > 0, true);
      await client.end();
    });

    test('migrate runs beside the server: nothing left to apply', async () => {
      const result = await cliHere(dataDir, 'migrate');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'migrations: up to date\n');
    });

    test('SIGTERM stops the server and its PostgreSQL cleanly', async () => {
      const pid = await postmasterOf(dataDir);
      assert.ok(pid);
      server.child.kill('SIGTERM');
      const result = await server.exited;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await postmasterOf(dataDir), null);
      assert.ok(!existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 'PostgreSQL shut down cleanly');
      const url = await cliHere(dataDir, 'db', 'url');
      assert.equal(url.code, 1);
      assertOneLine(url.stderr, /^kontor: no embedded PostgreSQL is running on .*; start the server/);
    });

    test('the ledgy commands work on the database with the server stopped', async () => {
      const revoked = await cli(dataDir, 'ledgy', 'tokens', 'revoke', '--email', EMAIL, '--id', apiTokens[0].id);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, `revoked ${apiTokens[0].id}\n`);

      // 24 active now, so one more fits.
      const created = await cliHere(dataDir, 'ledgy', 'tokens', 'create', '--email', EMAIL, '--name', 'offline', '--scopes', 'accounts:read,accounts:write');
      assert.equal(created.code, 0, created.stderr);
      assert.equal((created.stdout.match(LGPAT) ?? []).length, 1, created.stdout);
      assert.match(created.stdout, /^id: +tok_[0-9A-Z]{26}\nuser: +usr_[0-9A-Z]{26}\n/);
      assert.match(created.stdout, /^scopes: +accounts:read,accounts:write\n(.*\n)*secret: +lgpat_[0-9a-f]{64}\n\nStore the secret now/m);

      const trial = await cliHere(dataDir, 'ledgy', 'subscription', '--email', EMAIL, '--status', 'trialing', '--trial-ends', '2001-01-01T00:00:00Z');
      assert.equal(trial.code, 0, trial.stderr);
      assert.match(trial.stdout, new RegExp(`^user: +${userId}\n(.*\n)*status: +trialing\ntrial ends: +2001-01-01T00:00:00Z\ngate: +closed\n$`, 'm'));
    });
  });
});

test('a bad configuration value stops start-up with one line naming it', { skip }, async () => {
  const dataDir = await tempDir();
  const server = start('scripts/start.mjs', [], envFor(dataDir, { PORT: 'abc' }));
  const result = await server.exited;
  assert.equal(result.code, 1);
  assertOneLine(result.stderr, /^kontor: configuration error: PORT /);
  assert.ok(!existsSync(path.join(dataDir, 'postgres')), 'nothing was started');
});

test('a bad surface setting stops start-up with one line, and the PostgreSQL started meanwhile with it', { skip }, async () => {
  const dataDir = await tempDir();
  const server = start('scripts/start.mjs', [], envFor(dataDir, { PORT: String(await freePort()), LEDGY_TRIAL_DAYS: 'soon' }));
  const result = await server.exited;
  assert.equal(result.code, 1);
  assertOneLine(result.stderr, /^kontor: configuration error: LEDGY_TRIAL_DAYS /);
  assert.ok(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION')), 'the surfaces are read while PostgreSQL starts');
  assert.ok(!existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 'and it was stopped');
});

describe('the server after kill -9', { skip }, () => {
  test('the next start stops the orphaned PostgreSQL and serves again, with every acknowledged write', async () => {
    const dataDir = await tempDir();
    const first = await startServer(dataDir);
    const registered = await fetch(`${first.base}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ org_name: 'Durable', email: 'ceo@durable.test', password: 'hunter22' }),
    });
    assert.equal(registered.status, 201);
    const orphan = await postmasterOf(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal(await postmasterOf(dataDir), orphan, 'PostgreSQL outlived the killed server');

    const second = await startServer(dataDir);
    try {
      const restarted = await postmasterOf(dataDir);
      assert.notEqual(restarted, orphan, 'the orphan was stopped and a new PostgreSQL started');
      const login = await fetch(`${second.base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ceo@durable.test', password: 'hunter22' }),
      });
      assert.equal(login.status, 200, 'the sign-up acknowledged before the kill is there');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  test('Idempotency-Key writes killed mid-load (shared commits and the write runner): after the restart every key had one effect and replays its first answer byte for byte', async () => {
    const dataDir = await tempDir();
    let server = await startServer(dataDir);
    const org = (await cliHere(dataDir, 'orgs', 'create', '--name', 'Crash', '--json')).stdout;
    const created = await cliHere(dataDir, 'keys', 'create', '--org', JSON.parse(org).id, '--scopes', 'ledger:read,ledger:write', '--json');
    const auth = { authorization: `Bearer ${JSON.parse(created.stdout).secret}`, 'content-type': 'application/json' };
    const post = (base: string, url: string, body: unknown, key?: string) =>
      fetch(base + url, { method: 'POST', headers: { ...auth, ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });
    const ledger = await (await post(server.base, '/kontor/v1/ledgers', { name: 'main' })).json();
    const account = async (code: string) => (await (await post(server.base, '/kontor/v1/accounts', { ledger_id: ledger.id, code, name: code, type: 'asset', asset: 'USD' })).json()).id;
    const [a, b] = [await account('a'), await account('b')];
    const batch = { entries: Array.from({ length: 50 }, () => ({ ledger_id: ledger.id, postings: [{ account_id: a, side: 'debit', amount: '1.00' }, { account_id: b, side: 'credit', amount: '1.00' }] })) };

    // Six clients posting batches (the ledger's shared commits) and three creating accounts (the
    // write runner's own transaction), each request with a new key, until the server is killed.
    const sent: string[] = [];
    const answers = new Map<string, string>();
    const accountKeys: string[] = [];
    const accountAnswers = new Map<string, string>();
    const newAccount = (key: string) => ({ ledger_id: ledger.id, code: key, name: key, type: 'asset', asset: 'USD' });
    let killed = false;
    const accountClients = Array.from({ length: 3 }, async (_, c) => {
      for (let n = 0; !killed; n++) {
        const key = `acct-${c}-${n}`;
        accountKeys.push(key);
        try {
          const res = await post(server.base, '/kontor/v1/accounts', newAccount(key), key);
          const text = await res.text();
          if (res.status === 201) accountAnswers.set(key, text);
        } catch {
          return;
        }
      }
    });
    const clients = Array.from({ length: 6 }, async (_, c) => {
      for (let n = 0; !killed; n++) {
        const key = `c${c}-${n}`;
        sent.push(key);
        try {
          const res = await post(server.base, '/kontor/v1/entries/batch', batch, key);
          const text = await res.text();
          if (res.status === 201) answers.set(key, text);
        } catch {
          return; // the server went away mid-request: this key's outcome is unknown
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    killed = true;
    server.child.kill('SIGKILL');
    await Promise.all([...clients, ...accountClients]);
    await server.exited;
    assert.ok(answers.size >= 6, `only ${answers.size} batches were acknowledged before the kill`);
    assert.ok(accountAnswers.size >= 3, `only ${accountAnswers.size} accounts were acknowledged before the kill`);

    server = await startServer(dataDir);
    try {
      for (const key of sent) {
        const res = await post(server.base, '/kontor/v1/entries/batch', batch, key);
        const text = await res.text();
        assert.equal(res.status, 201, `${key}: ${text}`);
        if (answers.has(key)) {
          assert.equal(res.headers.get('idempotent-replayed'), 'true', key);
          assert.equal(text, answers.get(key), `${key} replayed other bytes`);
        }
      }
      for (const key of accountKeys) {
        const res = await post(server.base, '/kontor/v1/accounts', newAccount(key), key);
        const text = await res.text();
        assert.equal(res.status, 201, `${key}: ${text}`);
        if (accountAnswers.has(key)) {
          assert.equal(res.headers.get('idempotent-replayed'), 'true', key);
          assert.equal(text, accountAnswers.get(key), `${key} replayed other bytes`);
        }
      }
      // Exactly one effect per key: 50 entries each, whether its first try committed or not;
      // one account and one audit row per account key.
      const { default: pg } = await import('pg');
      const client = new pg.Client((await cliHere(dataDir, 'db', 'url')).stdout.trim());
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM entries WHERE ledger_id = (SELECT id FROM ledgers WHERE name = $1)', ['main']);
      const accounts = await client.query(`SELECT count(*)::int AS n FROM accounts WHERE code LIKE 'acct-%'`);
      const audited = await client.query(`SELECT count(*)::int AS n FROM write_audit WHERE operation = 'createAccount' AND surface = 'kontor'`);
      await client.end();
      assert.equal(rows[0].n, 50 * sent.length, `${sent.length} keys`);
      assert.equal(accounts.rows[0].n, accountKeys.length, `${accountKeys.length} account keys`);
      // Two accounts (a, b) were made before the load, without keys.
      assert.equal(audited.rows[0].n, accountKeys.length + 2);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('a postmaster.pid naming a pid now used by an unrelated process does not block start', async () => {
    const dataDir = await tempDir();
    const first = await startServer(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    // Stop the orphan ourselves, then make its lock file name a live process that is not PostgreSQL.
    const orphan = (await postmasterOf(dataDir))!;
    const lockFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    const lockText = await readFile(lockFile, 'utf8');
    process.kill(orphan, 'SIGINT');
    await waitFor(async () => !existsSync(lockFile), 'the orphan to stop', () => '');
    const unrelated = spawn('sleep', ['60']);
    children.add(unrelated);
    await writeFile(lockFile, lockText.replace(/^\d+/, String(unrelated.pid)));
    const second = await startServer(dataDir);
    try {
      assert.notEqual(await postmasterOf(dataDir), unrelated.pid);
      assert.equal(unrelated.exitCode, null, 'the unrelated process was left alone');
    } finally {
      unrelated.kill();
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('command-line parsing', () => {
  async function runIn(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const io = { env: { DATA_DIR: '/nonexistent/never-opened' }, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
    const code = await run(args, io);
    return { code, stdout, stderr };
  }

  test('--help prints usage and exits 0', async () => {
    for (const args of [['--help'], ['help'], ['keys', 'create', '--help'], ['help', 'orgs', 'create'], ['keys', '-h'], ['ledgy', '--help'], ['help', 'ledgy', 'tokens'], ['ledgy', 'tokens', 'create', '-h']]) {
      const result = await runIn(...args);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /Usage|kontor/);
      assert.equal(result.stderr, '');
    }
    assert.match((await runIn('keys', 'create', '--help')).stdout, /--expires <when>/);
    assert.match((await runIn('ledgy', '--help')).stdout, /^Usage: kontor ledgy users list.*\n(Usage: kontor ledgy .*\n){4}$/);
    assert.match((await runIn('ledgy', 'subscription', '--help')).stdout, /--trial-ends <when>/);
  });

  test('usage errors are one line and exit code 2, before any database is opened', async () => {
    const org = 'org_01JD0000000000000000000000';
    const cases: [string[], RegExp][] = [
      [[], /missing command/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['orgs'], /missing subcommand: kontor orgs create\|list/],
      [['keys', 'delete'], /unknown command "keys delete"/],
      [['orgs', 'create'], /--name is required/],
      [['orgs', 'create', '--name'], /--name needs a value/],
      [['orgs', 'list', '--verbose'], /unknown option --verbose for "kontor orgs list"/],
      [['orgs', 'list', 'extra'], /unexpected argument "extra"/],
      [['keys', 'list'], /--org is required/],
      [['keys', 'list', '--org', 'acme'], /--org must be an org id \(org_<ULID>\) or a uuid, got "acme"/],
      [['keys', 'revoke', '--org', org, '--id', 'org_01JD0000000000000000000000'], /--id must be a key id/],
      [['keys', 'create', '--org', org, '--scopes', 'ledger:read', '--mode', 'test'], /--mode must be live or sandbox/],
      [['keys', 'create', '--org', org, '--scopes', 'ledger:read', '--surface', 'stripe'], /--surface must be one of kontor, ledgy, billing, ledgerbee, got "stripe"/],
      [['keys', 'create', '--org', org, '--scopes', 'ledger:reed'], /scope "ledger:reed" is not known to the kontor surface/],
      [['keys', 'create', '--org', org, '--scopes', ','], /--scopes must name at least one scope/],
      [['keys', 'create', '--org', org, '--scopes', 'ledger:read', '--expires', 'soon'], /--expires must be an ISO 8601 time/],
      [['keys', 'create', '--org', org, '--scopes', 'ledger:read', '--user', 'bob'], /--user must be a user's uuid/],
      [['ledgy'], /missing subcommand: kontor ledgy users\|subscription\|tokens/],
      [['ledgy', 'tokens'], /missing subcommand: kontor ledgy tokens create\|list\|revoke/],
      [['ledgy', 'tokens', 'delete'], /unknown command "ledgy tokens delete"; expected kontor ledgy tokens create\|list\|revoke/],
      [['ledgy', 'users', 'list', '--email', 'a@b.c'], /unknown option --email for "kontor ledgy users list"/],
      [['ledgy', 'subscription', '--status', 'active'], /--email is required/],
      [['ledgy', 'subscription', '--email', 'ana', '--status', 'active'], /--email must be an email address, got "ana"/],
      [['ledgy', 'subscription', '--email', 'a@b.c'], /--status is required/],
      [['ledgy', 'subscription', '--email', 'a@b.c', '--status', 'paused'], /--status must be active, inactive or trialing, got "paused"/],
      [['ledgy', 'subscription', '--email', 'a@b.c', '--status', 'trialing', '--trial-ends', 'later'], /--trial-ends must be an ISO 8601 time/],
      [['ledgy', 'subscription', '--email', 'a@b.c', '--status', 'active', '--trial-ends', '14d'], /--trial-ends is set only with status trialing/],
      [['ledgy', 'tokens', 'create', '--email', 'a@b.c', '--scopes', 'accounts:read'], /--name is required/],
      [['ledgy', 'tokens', 'create', '--email', 'a@b.c', '--name', 'x', '--scopes', 'ledger:read'], /scope "ledger:read" is not known to the ledgy surface/],
      [['ledgy', 'tokens', 'create', '--email', 'a@b.c', '--name', 'x', '--scopes', 'accounts:read', '--expires', '2001-01-01'], /--expires must be in the future/],
      [['ledgy', 'tokens', 'create', '--email', 'a@b.c', '--name', 'x'.repeat(101), '--scopes', 'accounts:read'], /--name must be at most 100 characters/],
      [['ledgy', 'tokens', 'list'], /--email is required/],
      [['ledgy', 'tokens', 'revoke', '--email', 'a@b.c', '--id', 'key_01JD0000000000000000000000'], /--id must be a Ledgy token id \(tok_<ULID>\)/],
    ];
    for (const [args, pattern] of cases) {
      const result = await runIn(...args);
      assert.equal(result.code, 2, `kontor ${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assertOneLine(result.stderr, pattern);
      assert.match(result.stderr, /^kontor: /);
    }
    assert.ok(!existsSync('/nonexistent/never-opened'));
  });

  test('a bad configuration value is one line and exit code 1', async () => {
    let stderr = '';
    const code = await run(['orgs', 'list'], { env: { DATABASE_URL: 'mysql://x' }, stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } });
    assert.equal(code, 1);
    assertOneLine(stderr, /^kontor: configuration error: DATABASE_URL /);
  });
});
