/** The loopback admin endpoint the CLI calls while a server runs, in process. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { openTestDb } from '../helpers/db.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createKontor, type Kontor } from '../../src/platform/kontor.ts';
import { buildApp } from '../../src/app.ts';
import { isLoopback, loadAdminToken } from '../../src/platform/admin.ts';
import type { Db } from '../../src/platform/db.ts';
import { formatId, newId } from '../../src/platform/ids.ts';

const TOKEN = 'a'.repeat(43);

describe('admin endpoint', () => {
  let db: Db;
  let kontor: Kontor;
  let app: FastifyInstance;
  let dataDir: string;
  const admin = (options: InjectOptions) =>
    app.inject({ ...options, headers: { authorization: `Bearer ${TOKEN}`, ...(options.headers ?? {}) } });

  before(async () => {
    db = await openTestDb();
    dataDir = await mkdtemp(path.join(tmpdir(), 'kontor-admin-'));
    kontor = await createKontor(loadConfig({ DATA_DIR: dataDir }), db);
    app = await buildApp(kontor, { adminToken: TOKEN });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await kontor?.close();
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('answers loopback callers only, whatever the headers say', async () => {
    for (const remoteAddress of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      const response = await admin({ method: 'GET', url: '/_admin/v1/orgs', remoteAddress });
      assert.equal(response.statusCode, 200, remoteAddress);
    }
    for (const remoteAddress of ['10.0.0.5', '192.0.2.2', '::ffff:10.0.0.1', 'fd00::2', '::2', '128.0.0.1']) {
      const response = await admin({
        method: 'GET',
        url: '/_admin/v1/orgs',
        remoteAddress,
        headers: { 'x-forwarded-for': '127.0.0.1', host: 'localhost' },
      });
      assert.equal(response.statusCode, 403, remoteAddress);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(response.json().status, 403);
    }
    // Unknown admin routes are refused the same way before they are looked up.
    assert.equal((await admin({ method: 'GET', url: '/_admin/v1/nothing', remoteAddress: '10.0.0.5' })).statusCode, 403);
    assert.equal(isLoopback(undefined), false);
  });

  test('refuses a missing or wrong token with 401', async () => {
    for (const authorization of [undefined, 'Bearer ' + 'b'.repeat(43), `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      const response = await app.inject({ method: 'GET', url: '/_admin/v1/orgs', headers: authorization ? { authorization } : {} });
      assert.equal(response.statusCode, 401, String(authorization));
      assert.equal(response.json().type, 'https://kontor.dev/problems/unauthenticated');
    }
  });

  test('is absent when no token is configured, and hidden from every OpenAPI document', async () => {
    const bare = await buildApp(kontor);
    try {
      const response = await bare.inject({ method: 'GET', url: '/_admin/v1/orgs', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.statusCode, 404);
    } finally {
      await bare.close();
    }
    for (const name of kontor.openapi.keys()) {
      const document = (await app.inject({ method: 'GET', url: `/openapi/${name}.json` })).body;
      assert.ok(!document.includes('_admin'), name);
    }
  });

  test('creates and lists orgs and keys, and revokes a key at once', async () => {
    const org = await admin({ method: 'POST', url: '/_admin/v1/orgs', payload: { name: '  Acme  ' } });
    assert.equal(org.statusCode, 201);
    assert.equal(org.headers['cache-control'], 'no-store');
    const orgId = org.json().id;
    assert.match(orgId, /^org_[0-9A-Z]{26}$/);
    assert.equal(org.json().name, 'Acme');
    assert.ok((await admin({ method: 'GET', url: '/_admin/v1/orgs' })).json().data.some((o: any) => o.id === orgId));

    const created = await admin({ method: 'POST', url: '/_admin/v1/keys', payload: { org: orgId, scopes: ['ledger:read'] } });
    assert.equal(created.statusCode, 201);
    const key = created.json();
    assert.match(key.secret, /^kt_live_[0-9A-Za-z]{38}$/);
    assert.equal(key.surface, 'kontor');
    assert.equal(key.mode, 'live');

    const headers = { authorization: `Bearer ${key.secret}` };
    assert.equal((await app.inject({ method: 'GET', url: '/kontor/v1/ledgers', headers })).statusCode, 200);

    const listed = (await admin({ method: 'GET', url: `/_admin/v1/keys?org=${orgId}` })).json().data;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].secret, undefined);
    assert.ok(!JSON.stringify(listed).includes(key.secret));

    // The uuid form of an id is accepted too.
    const orgUuid = (await kontor.db.query('SELECT id FROM orgs WHERE name = $1', ['Acme']))[0].id;
    const revoked = await admin({ method: 'DELETE', url: `/_admin/v1/keys/${key.id}?org=${orgUuid}` });
    assert.equal(revoked.statusCode, 200);
    assert.equal(revoked.json().status, 'revoked');
    assert.equal((await app.inject({ method: 'GET', url: '/kontor/v1/ledgers', headers })).statusCode, 401);

    const again = await admin({ method: 'DELETE', url: `/_admin/v1/keys/${key.id}?org=${orgId}` });
    assert.equal(again.statusCode, 409);
    const unknown = await admin({ method: 'DELETE', url: `/_admin/v1/keys/${formatId('key', newId())}?org=${orgId}` });
    assert.equal(unknown.statusCode, 404);
  });

  test('checks its input, with problem+json naming the field', async () => {
    const org = (await admin({ method: 'POST', url: '/_admin/v1/orgs', payload: { name: 'Checks' } })).json().id;
    const missingOrg = formatId('org', newId());
    const cases: [InjectOptions, number, string | undefined, RegExp][] = [
      [{ method: 'POST', url: '/_admin/v1/orgs', payload: {} }, 400, 'name', /name is required/],
      [{ method: 'POST', url: '/_admin/v1/orgs', payload: { name: 'x', extra: 1 } }, 400, 'extra', /not a known field/],
      [{ method: 'POST', url: '/_admin/v1/orgs', payload: [] }, 400, 'body', /JSON object/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: ['ledger:admin'] } }, 400, 'scopes', /not known to the kontor surface/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: [] } }, 400, 'scopes', /at least one/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: ['ledger:read'], mode: 'test' } }, 400, 'mode', /live or sandbox/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: ['ledger:read'], expires_at: 'tomorrow' } }, 400, 'expires_at', /ISO 8601/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: ['ledger:read'], expires_at: '2001-01-01T00:00:00Z' } }, 400, 'expires_at', /future/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org: missingOrg, scopes: ['ledger:read'] } }, 404, 'org', /not found/],
      [{ method: 'POST', url: '/_admin/v1/keys', payload: { org, scopes: ['ledger:read'], user_id: newId() } }, 404, 'user_id', /not found/],
      [{ method: 'GET', url: '/_admin/v1/keys' }, 400, 'org', /org is required/],
      [{ method: 'GET', url: '/_admin/v1/keys?org=acme' }, 400, 'org', /org id/],
      [{ method: 'DELETE', url: `/_admin/v1/keys/nope?org=${org}` }, 400, 'id', /key id/],
    ];
    for (const [options, status, field, pattern] of cases) {
      const response = await admin(options);
      assert.equal(response.statusCode, status, `${options.method} ${options.url} ${JSON.stringify(options.payload)}: ${response.body}`);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(response.json().field, field);
      assert.match(response.json().detail, pattern);
    }
    const sandbox = await admin({ method: 'POST', url: '/_admin/v1/keys', payload: { org, surface: 'ledgy', scopes: ['read'], mode: 'sandbox', expires_at: '2099-01-01' } });
    assert.equal(sandbox.statusCode, 201, sandbox.body);
    assert.match(sandbox.json().secret, /^lgpat_[0-9a-f]{64}$/);
    assert.equal(sandbox.json().expires_at, '2099-01-01T00:00:00.000Z');
  });

  test('sets Ledgy subscriptions and mints, lists and revokes Ledgy tokens', async () => {
    const register = async (email: string) => {
      const response = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'correct horse', name: 'Bea' } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { user: { id: string }; accessToken: string };
    };
    const bea = await register('bea@ledgy.test');
    await register('cy@ledgy.test');
    const accounts = (token: string) => app.inject({ method: 'GET', url: '/api/v1/accounts', headers: { authorization: `Bearer ${token}` } });

    const users = (await admin({ method: 'GET', url: '/_admin/v1/ledgy/users' })).json().data;
    const listed = users.find((u: any) => u.email === 'bea@ledgy.test');
    assert.deepEqual(
      { ...listed, trial_ends_at: typeof listed.trial_ends_at, created_at: typeof listed.created_at },
      {
        id: bea.user.id,
        object: 'ledgy_user',
        email: 'bea@ledgy.test',
        name: 'Bea',
        primary_currency: 'USD',
        subscription_status: 'trialing',
        trial_ends_at: 'string',
        gate_open: true,
        created_at: 'string',
      },
    );

    const closed = await admin({ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'BEA@ledgy.test', status: 'inactive' } });
    assert.equal(closed.statusCode, 200, closed.body);
    assert.deepEqual([closed.json().subscription_status, closed.json().gate_open], ['inactive', false]);
    assert.equal((await accounts(bea.accessToken)).statusCode, 403);
    const trial = await admin({ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'bea@ledgy.test', status: 'trialing', trial_ends_at: '2099-01-01T00:00:00Z' } });
    assert.deepEqual([trial.json().trial_ends_at, trial.json().gate_open], ['2099-01-01T00:00:00.000Z', true]);
    assert.equal((await accounts(bea.accessToken)).statusCode, 200);

    const mint = (email: string, name = 'ci') => admin({ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email, name, scopes: ['accounts:read'] } });
    const created = await mint('bea@ledgy.test');
    assert.equal(created.statusCode, 201, created.body);
    const token = created.json();
    assert.match(token.secret, /^lgpat_[0-9a-f]{64}$/);
    assert.match(token.id, /^tok_[0-9A-Z]{26}$/);
    assert.equal(token.user_id, bea.user.id);
    assert.equal((await accounts(token.secret)).statusCode, 200);
    // The same token as the Ledgy API sees it.
    const own = (await app.inject({ method: 'GET', url: '/api/auth/tokens', headers: { authorization: `Bearer ${bea.accessToken}` } })).json();
    assert.deepEqual(own.items.map((t: any) => t.id), [token.id]);

    const list = await admin({ method: 'GET', url: '/_admin/v1/ledgy/tokens?email=bea@ledgy.test' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().data.map((t: any) => [t.id, t.status, t.secret]), [[token.id, 'active', undefined]]);
    assert.ok(!list.body.includes(token.secret));

    // 25 active at most, counted as the Ledgy API counts them.
    for (let i = 1; i < 25; i++) assert.equal((await mint('bea@ledgy.test', `t${i}`)).statusCode, 201);
    const full = await mint('bea@ledgy.test');
    assert.equal(full.statusCode, 409);
    assert.match(full.json().detail, /^Ledgy user bea@ledgy\.test already has 25 active tokens, the most allowed; revoke one first$/);
    const api = await app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { authorization: `Bearer ${bea.accessToken}` }, payload: { name: 'x', scopes: [] } });
    assert.equal(api.statusCode, 409);

    // Another user's token is not found under this email.
    const cyToken = (await mint('cy@ledgy.test')).json();
    assert.equal((await admin({ method: 'DELETE', url: `/_admin/v1/ledgy/tokens/${cyToken.id}?email=bea@ledgy.test` })).statusCode, 404);

    const revoked = await admin({ method: 'DELETE', url: `/_admin/v1/ledgy/tokens/${token.id}?email=bea@ledgy.test` });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.json().status, 'revoked');
    assert.equal((await accounts(token.secret)).statusCode, 401);
    assert.equal((await admin({ method: 'DELETE', url: `/_admin/v1/ledgy/tokens/${token.id}?email=bea@ledgy.test` })).statusCode, 409);
    assert.equal((await mint('bea@ledgy.test')).statusCode, 201);
  });

  test('checks Ledgy input, with problem+json naming the field', async () => {
    const cases: [InjectOptions, number, string | undefined, RegExp][] = [
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { status: 'active' } }, 400, 'email', /email is required/],
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'x', status: 'active' } }, 400, 'email', /email address/],
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'a@b.c', status: 'paused' } }, 400, 'status', /active, inactive or trialing/],
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'a@b.c', status: 'active', trial_ends_at: '2099-01-01' } }, 400, 'trial_ends_at', /only with status trialing/],
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'a@b.c', status: 'trialing', trial_ends_at: 'soon' } }, 400, 'trial_ends_at', /ISO 8601/],
      [{ method: 'PUT', url: '/_admin/v1/ledgy/subscription', payload: { email: 'nobody@ledgy.test', status: 'active' } }, 404, 'email', /^no Ledgy user with email nobody@ledgy\.test$/],
      [{ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email: 'a@b.c', name: 'x', scopes: ['ledger:read'] } }, 400, 'scopes', /not known to the ledgy surface/],
      [{ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email: 'a@b.c', scopes: ['accounts:read'] } }, 400, 'name', /name is required/],
      [{ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email: 'a@b.c', name: 'x', scopes: ['accounts:read'], mode: 'live' } }, 400, 'mode', /not a known field/],
      [{ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email: 'a@b.c', name: 'x', scopes: ['accounts:read'], expires_at: '2001-01-01' } }, 400, 'expires_at', /future/],
      [{ method: 'POST', url: '/_admin/v1/ledgy/tokens', payload: { email: 'nobody@ledgy.test', name: 'x', scopes: ['accounts:read'] } }, 404, 'email', /no Ledgy user/],
      [{ method: 'GET', url: '/_admin/v1/ledgy/tokens' }, 400, 'email', /email is required/],
      [{ method: 'DELETE', url: '/_admin/v1/ledgy/tokens/key_01JD0000000000000000000000?email=a@b.c' }, 400, 'id', /Ledgy token id/],
    ];
    for (const [options, status, field, pattern] of cases) {
      const response = await admin(options);
      assert.equal(response.statusCode, status, `${options.method} ${options.url} ${JSON.stringify(options.payload)}: ${response.body}`);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal(response.json().field, field);
      assert.match(response.json().detail, pattern);
    }
  });

  test('the admin token is made once and then kept', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kontor-admin-token-'));
    try {
      const first = await loadAdminToken(dir);
      assert.equal(Buffer.from(first, 'base64url').length, 32);
      assert.equal(await loadAdminToken(dir), first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
