import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from './db.ts';
import type { Clock } from './clock.ts';
import type { Kontor } from './kontor.ts';
import { KEY_FORMATS, type ApiKey, type ApiKeys, type KeyMode } from './identity/api-keys.ts';
import { createOrg, getOrg, listOrgs, type Org } from './orgs.ts';
import { formatId, parseId } from './ids.ts';
import { DomainError, invalid } from './errors.ts';
import { classifyError, type ClassifiedError } from './http/errors.ts';
import { problemJson } from '../apis/kontor/errors.ts';
import { KONTOR_SCOPES } from '../apis/kontor/index.ts';

/*
 * Operator administration: orgs and API keys. The same operations run in two places, so an
 * operator sees the same answers either way:
 *   - in the CLI, on a database it opened itself while no server runs;
 *   - in a running server, behind the loopback-only `/_admin/v1` endpoint the CLI calls
 *     with the admin token from the data directory (so a revoke clears that server's key
 *     cache at once).
 */

export const ORG_PREFIX = 'org';
export const KEY_PREFIX = 'key';
export const ADMIN_TOKEN_FILE = 'admin-token';
export const SERVER_INFO_FILE = 'server.json';

/** Scopes each surface knows; a surface not listed accepts any well-formed scope. */
const KNOWN_SCOPES: Record<string, readonly string[]> = { kontor: KONTOR_SCOPES };
const SCOPE = /^[a-z][a-z0-9_.-]*(:[a-z][a-z0-9_.-]*)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const MAX_NAME = 200;

// ---------------------------------------------------------------------------------------
// Input

const shown = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
};

function idFrom(prefix: string, what: string, value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') throw invalid(field, `${field} is required`);
  if (typeof value === 'string') {
    const text = value.trim();
    if (UUID.test(text)) return text.toLowerCase();
    const id = parseId(prefix, text);
    if (id) return id;
  }
  throw invalid(field, `${field} must be ${what} id (${prefix}_<ULID>) or a uuid, got ${shown(value)}`);
}

/** The uuid of an org given as `org_<ULID>` or as the uuid itself. */
export const orgIdFrom = (value: unknown, field = 'org') => idFrom(ORG_PREFIX, 'an org', value, field);
/** The uuid of an API key given as `key_<ULID>` or as the uuid itself. */
export const keyIdFrom = (value: unknown, field = 'id') => idFrom(KEY_PREFIX, 'a key', value, field);

function objectBody(body: unknown, fields: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the request body must be a JSON object');
  }
  for (const name of Object.keys(body)) if (!fields.includes(name)) throw invalid(name, `${name} is not a known field`);
  return body as Record<string, unknown>;
}

function label(value: unknown, field: string, required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) throw invalid(field, `${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw invalid(field, `${field} must be a string`);
  const text = value.trim();
  if (text === '') {
    if (required) throw invalid(field, `${field} must not be empty`);
    return null;
  }
  if (text.length > MAX_NAME) throw invalid(field, `${field} must be at most ${MAX_NAME} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw invalid(field, `${field} must not contain control characters`);
  return text;
}

export interface NewOrgInput {
  name: string;
}

/** Checks the body of "create an org": `{ name }`. */
export function newOrgInput(body: unknown): NewOrgInput {
  const b = objectBody(body, ['name']);
  return { name: label(b.name, 'name', true)! };
}

export interface NewKeyInput {
  orgId: string;
  surface: string;
  scopes: string[];
  mode: KeyMode;
  expiresAt: Date | null;
  name: string | null;
  userId: string | null;
}

/**
 * Checks the body of "create an API key":
 * `{ org, surface = "kontor", scopes: [...], mode = "live", expires_at?, name?, user_id? }`.
 */
export function newKeyInput(body: unknown): NewKeyInput {
  const b = objectBody(body, ['org', 'surface', 'scopes', 'mode', 'expires_at', 'name', 'user_id']);
  const orgId = orgIdFrom(b.org);

  const surface = b.surface ?? 'kontor';
  if (typeof surface !== 'string' || !Object.hasOwn(KEY_FORMATS, surface)) {
    throw invalid('surface', `surface must be one of ${Object.keys(KEY_FORMATS).join(', ')}, got ${shown(surface)}`);
  }

  const mode = b.mode ?? 'live';
  if (mode !== 'live' && mode !== 'sandbox') throw invalid('mode', `mode must be live or sandbox, got ${shown(mode)}`);

  if (b.scopes === undefined || b.scopes === null) throw invalid('scopes', 'scopes is required');
  if (!Array.isArray(b.scopes) || b.scopes.some((s) => typeof s !== 'string')) {
    throw invalid('scopes', 'scopes must be a list of strings');
  }
  const scopes = [...new Set((b.scopes as string[]).map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) throw invalid('scopes', 'scopes must name at least one scope');
  const known = KNOWN_SCOPES[surface];
  for (const scope of scopes) {
    if (known ? !known.includes(scope) : !SCOPE.test(scope) || scope.length > 100) {
      throw invalid(
        'scopes',
        known
          ? `scope ${shown(scope)} is not known to the ${surface} surface (known: ${known.join(', ')})`
          : `scope ${shown(scope)} is not a valid scope name`,
      );
    }
  }

  let expiresAt: Date | null = null;
  if (b.expires_at !== undefined && b.expires_at !== null) {
    const text = b.expires_at;
    if (typeof text !== 'string' || !ISO_TIME.test(text.trim()) || Number.isNaN(Date.parse(text.trim()))) {
      throw invalid('expires_at', `expires_at must be an ISO 8601 time such as 2030-01-31T00:00:00Z, got ${shown(text)}`);
    }
    expiresAt = new Date(text.trim());
  }

  let userId: string | null = null;
  if (b.user_id !== undefined && b.user_id !== null) {
    if (typeof b.user_id !== 'string' || !UUID.test(b.user_id.trim())) {
      throw invalid('user_id', `user_id must be a user's uuid, got ${shown(b.user_id)}`);
    }
    userId = b.user_id.trim().toLowerCase();
  }

  return { orgId, surface, scopes, mode, expiresAt, name: label(b.name, 'name', false), userId };
}

// ---------------------------------------------------------------------------------------
// Views: what operators see, in the CLI and on the admin endpoint

export interface OrgView {
  id: string;
  object: 'org';
  name: string;
  created_at: string;
}

export interface KeyView {
  id: string;
  object: 'api_key';
  org_id: string;
  surface: string;
  mode: KeyMode;
  name: string | null;
  user_id: string | null;
  /** The first characters of the secret, to tell keys apart; never the secret. */
  start: string;
  scopes: string[];
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const orgView = (org: Org): OrgView => ({
  id: formatId(ORG_PREFIX, org.id),
  object: 'org',
  name: org.name,
  created_at: iso(org.createdAt)!,
});

export function keyView(key: ApiKey, now: Date): KeyView {
  const expired = key.expiresAt !== null && new Date(key.expiresAt).getTime() <= now.getTime();
  return {
    id: formatId(KEY_PREFIX, key.id),
    object: 'api_key',
    org_id: formatId(ORG_PREFIX, key.orgId),
    surface: key.surface,
    mode: key.mode,
    name: key.name,
    user_id: key.userId,
    start: key.start,
    scopes: key.scopes,
    status: key.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    last_used_at: iso(key.lastUsedAt),
    created_at: iso(key.createdAt)!,
  };
}

// ---------------------------------------------------------------------------------------
// Operations

/** What the operations need: a running server's Kontor, or the CLI's own database. */
export interface AdminCore {
  db: Db;
  clock: Clock;
  apiKeys: ApiKeys;
}

export interface AdminOperations {
  createOrg(body: unknown): Promise<OrgView>;
  listOrgs(): Promise<OrgView[]>;
  createKey(body: unknown): Promise<KeyView & { secret: string }>;
  listKeys(org: unknown): Promise<KeyView[]>;
  revokeKey(org: unknown, id: unknown): Promise<KeyView>;
}

export function adminOperations({ db, clock, apiKeys }: AdminCore): AdminOperations {
  const existingOrg = async (org: unknown): Promise<string> => {
    const orgId = orgIdFrom(org);
    if (!(await getOrg(db, orgId))) throw new DomainError('not_found', `org ${formatId(ORG_PREFIX, orgId)} not found`, 'org');
    return orgId;
  };
  const findKey = async (orgId: string, id: string) => (await apiKeys.list(orgId)).find((k) => k.id === id) ?? null;

  return {
    async createOrg(body) {
      return orgView(await createOrg(db, clock, newOrgInput(body)));
    },
    async listOrgs() {
      return (await listOrgs(db)).map(orgView);
    },
    async createKey(body) {
      const input = newKeyInput(body);
      await existingOrg(input.orgId);
      if (input.userId) {
        const [user] = await db.query<{ surface: string }>('SELECT surface FROM users WHERE org_id = $1 AND id = $2', [
          input.orgId,
          input.userId,
        ]);
        if (!user) throw new DomainError('not_found', `user ${input.userId} not found in this org`, 'user_id');
        if (user.surface !== input.surface) {
          throw invalid('user_id', `user ${input.userId} belongs to the ${user.surface} surface, not ${input.surface}`);
        }
      }
      const { key, secret } = await apiKeys.create(input);
      return { ...keyView(key, clock.now()), secret };
    },
    async listKeys(org) {
      const orgId = await existingOrg(org);
      const now = clock.now();
      return (await apiKeys.list(orgId)).map((k) => keyView(k, now));
    },
    async revokeKey(org, id) {
      const keyId = keyIdFrom(id);
      const orgId = await existingOrg(org);
      const shownId = formatId(KEY_PREFIX, keyId);
      if (!(await apiKeys.revoke(orgId, keyId))) {
        const key = await findKey(orgId, keyId);
        if (key?.revokedAt) throw new DomainError('conflict', `key ${shownId} is already revoked`, 'id');
        throw new DomainError('not_found', `key ${shownId} not found in org ${formatId(ORG_PREFIX, orgId)}`, 'id');
      }
      const key = await findKey(orgId, keyId);
      return keyView(key!, clock.now());
    },
  };
}

// ---------------------------------------------------------------------------------------
// The loopback admin endpoint

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `/_admin/v1`: orgs and API keys for the operator CLI. Answers only connections from the
 * loopback interface (403 otherwise) that carry the admin token (401 otherwise).
 */
export async function registerAdminRoutes(app: FastifyInstance, kontor: Kontor, adminToken: string): Promise<void> {
  if (adminToken.length < 32) throw new Error('the admin token must be at least 32 characters');
  const expected = digest(adminToken);
  const ops = adminOperations(kontor);
  const hide = { schema: { hide: true } };

  await app.register(
    async (admin) => {
      const send = (reply: FastifyReply, error: ClassifiedError) => {
        const { status, body, contentType } = problemJson(error, reply.request.id);
        if (status >= 500) reply.request.log.error({ err: error }, 'admin request failed');
        return reply.code(status).type(contentType!).send(body);
      };
      admin.setErrorHandler((error, request, reply) => {
        const classified = classifyError(error);
        if (classified.kind === 'internal') request.log.error({ err: error }, 'unexpected error');
        return send(reply, classified);
      });

      admin.addHook('onRequest', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        // The socket's own address: no proxy header can make a remote caller look local.
        if (!isLoopback(request.socket.remoteAddress)) {
          throw new DomainError('forbidden', 'the admin API answers only on the loopback interface');
        }
        const header = request.headers.authorization;
        const given = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
        // Equal-length digests, compared in constant time.
        if (!timingSafeEqual(digest(given), expected)) {
          throw new DomainError('unauthenticated', 'missing or invalid admin token');
        }
      });

      admin.setNotFoundHandler((request, reply) =>
        send(reply, { kind: 'route_not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
      );

      admin.post('/orgs', hide, async (request, reply) => reply.code(201).send(await ops.createOrg(request.body)));
      admin.get('/orgs', hide, async () => ({ data: await ops.listOrgs() }));
      admin.post('/keys', hide, async (request, reply) => reply.code(201).send(await ops.createKey(request.body)));
      admin.get<{ Querystring: { org?: string } }>('/keys', hide, async (request) => ({
        data: await ops.listKeys(request.query.org),
      }));
      admin.delete<{ Params: { id: string }; Querystring: { org?: string } }>('/keys/:id', hide, async (request) =>
        ops.revokeKey(request.query.org, request.params.id),
      );
    },
    { prefix: '/_admin/v1' },
  );
}

// ---------------------------------------------------------------------------------------
// Files in the data directory the CLI finds a running server by

/** The admin token: `<dataDir>/admin-token`, made once (32 random bytes, base64url, mode 0600). */
export async function loadAdminToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const existing = await readAdminToken(dataDir).catch((error) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' }).catch((error) => {
    // Another process made it first: use theirs.
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readAdminToken(dataDir))!;
}

/** The admin token as kept in the data directory; throws (ENOENT, EACCES) when unreadable. */
export async function readAdminToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const token = (await readFile(file, 'utf8')).trim();
  if (token.length < 32) throw new Error(`the admin token in ${file} is too short; delete the file and restart the server`);
  return token;
}

export interface ServerInfo {
  pid: number;
  port: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: any) {
    return error.code === 'EPERM';
  }
}

/** Written once the server listens; replaced whole, so a reader never sees half a file. */
export async function writeServerInfo(dataDir: string, info: ServerInfo): Promise<void> {
  const file = path.join(dataDir, SERVER_INFO_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ pid: info.pid, port: info.port }) + '\n');
  await rename(temporary, file);
}

/** Removes `server.json` if this process (`pid`) wrote it, not another server on a shared directory. */
export async function removeServerInfo(dataDir: string, pid = process.pid): Promise<void> {
  const file = path.join(dataDir, SERVER_INFO_FILE);
  const info = await readServerFile(file);
  if (info?.pid === pid) await unlink(file).catch(() => {});
}

async function readServerFile(file: string): Promise<ServerInfo | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    if (Number.isSafeInteger(parsed?.pid) && parsed.pid > 0 && Number.isSafeInteger(parsed?.port) && parsed.port > 0 && parsed.port < 65536) {
      return { pid: parsed.pid, port: parsed.port };
    }
    return null;
  } catch {
    return null;
  }
}

/** The server running on this data directory, or null (no `server.json`, or its process is gone). */
export async function readServerInfo(dataDir: string): Promise<ServerInfo | null> {
  const info = await readServerFile(path.join(dataDir, SERVER_INFO_FILE));
  return info && info.pid !== process.pid && alive(info.pid) ? info : null;
}
