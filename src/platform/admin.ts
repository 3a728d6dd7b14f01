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
import { processAlive } from './data-dir-lock.ts';
import { classifyError, type ClassifiedError } from './http/errors.ts';
import { problemJson } from '../apis/kontor/errors.ts';
import { KONTOR_SCOPES } from '../apis/kontor/index.ts';
import { LEDGY_SCOPES } from '../apis/ledgy/context.ts';
import { findLedgyUserByEmail, setSubscription, subscriptionActive, type LedgyUser } from '../ledgy/users.ts';
import { MAX_ACTIVE_TOKENS, TokenLimitError, mintLedgyToken } from '../ledgy/tokens.ts';

/*
 * Operator administration: orgs, API keys, and Ledgy users (subscription state, personal
 * access tokens). The same operations run in two places, so an operator sees the same
 * answers either way:
 *   - in the CLI, on a database it opened itself while no server runs;
 *   - in a running server, behind the loopback-only `/_admin/v1` endpoint the CLI calls
 *     with the admin token from the data directory (so a revoke clears that server's key
 *     cache at once).
 */

export const ORG_PREFIX = 'org';
export const KEY_PREFIX = 'key';
/** Ledgy's own ids, as its API shows them (src/apis/ledgy/views.ts). */
export const LEDGY_USER_PREFIX = 'usr';
export const LEDGY_TOKEN_PREFIX = 'tok';
export const ADMIN_TOKEN_FILE = 'admin-token';
export const SERVER_INFO_FILE = 'server.json';

/** Scopes each surface knows; a surface not listed accepts any well-formed scope. */
const KNOWN_SCOPES: Record<string, readonly string[]> = { kontor: KONTOR_SCOPES };
const SUBSCRIPTION_STATUSES = ['active', 'inactive', 'trialing'] as const;
/** The Ledgy API's limit on a token's name (POST /api/auth/tokens). */
const MAX_LEDGY_TOKEN_NAME = 100;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL = 254;
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
/** The uuid of a Ledgy personal access token given as `tok_<ULID>` or as the uuid itself. */
export const ledgyTokenIdFrom = (value: unknown, field = 'id') => idFrom(LEDGY_TOKEN_PREFIX, 'a Ledgy token', value, field);

/** A Ledgy user's email address, as given (looked up without regard to case). */
export function emailFrom(value: unknown, field = 'email'): string {
  if (value === undefined || value === null || value === '') throw invalid(field, `${field} is required`);
  const text = typeof value === 'string' ? value.trim() : '';
  if (!EMAIL.test(text) || text.length > MAX_EMAIL) throw invalid(field, `${field} must be an email address, got ${shown(value)}`);
  return text;
}

function objectBody(body: unknown, fields: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the request body must be a JSON object');
  }
  for (const name of Object.keys(body)) if (!fields.includes(name)) throw invalid(name, `${name} is not a known field`);
  return body as Record<string, unknown>;
}

function label(value: unknown, field: string, required: boolean, max = MAX_NAME): string | null {
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
  if (text.length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(text)) throw invalid(field, `${field} must not contain control characters`);
  return text;
}

/** A non-empty list of distinct scopes, each in `known` when given, else well-formed. */
function scopesFrom(value: unknown, known: readonly string[] | undefined, surface: string): string[] {
  if (value === undefined || value === null) throw invalid('scopes', 'scopes is required');
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) throw invalid('scopes', 'scopes must be a list of strings');
  const scopes = [...new Set((value as string[]).map((s) => s.trim()).filter((s) => s !== ''))];
  if (scopes.length === 0) throw invalid('scopes', 'scopes must name at least one scope');
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
  return scopes;
}

/** An optional ISO 8601 time. */
function timeFrom(value: unknown, field: string): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !ISO_TIME.test(value.trim()) || Number.isNaN(Date.parse(value.trim()))) {
    throw invalid(field, `${field} must be an ISO 8601 time such as 2030-01-31T00:00:00Z, got ${shown(value)}`);
  }
  return new Date(value.trim());
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

  const scopes = scopesFrom(b.scopes, KNOWN_SCOPES[surface], surface);
  const expiresAt = timeFrom(b.expires_at, 'expires_at');

  let userId: string | null = null;
  if (b.user_id !== undefined && b.user_id !== null) {
    if (typeof b.user_id !== 'string' || !UUID.test(b.user_id.trim())) {
      throw invalid('user_id', `user_id must be a user's uuid, got ${shown(b.user_id)}`);
    }
    userId = b.user_id.trim().toLowerCase();
  }

  return { orgId, surface, scopes, mode, expiresAt, name: label(b.name, 'name', false), userId };
}

export interface LedgySubscriptionInput {
  email: string;
  status: LedgyUser['subscriptionStatus'];
  /** A new end of the trial (status trialing only); null keeps the one the user has. */
  trialEndsAt: Date | null;
}

/** Checks the body of "set a Ledgy user's subscription": `{ email, status, trial_ends_at? }`. */
export function ledgySubscriptionInput(body: unknown): LedgySubscriptionInput {
  const b = objectBody(body, ['email', 'status', 'trial_ends_at']);
  const email = emailFrom(b.email);
  if (b.status === undefined || b.status === null || b.status === '') throw invalid('status', 'status is required');
  const status = b.status as LedgyUser['subscriptionStatus'];
  if (!SUBSCRIPTION_STATUSES.includes(status)) {
    throw invalid('status', `status must be active, inactive or trialing, got ${shown(b.status)}`);
  }
  const trialEndsAt = timeFrom(b.trial_ends_at, 'trial_ends_at');
  if (trialEndsAt && status !== 'trialing') throw invalid('trial_ends_at', `trial_ends_at is set only with status trialing, not ${status}`);
  return { email, status, trialEndsAt };
}

export interface NewLedgyTokenInput {
  email: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
}

/**
 * Checks the body of "mint a Ledgy personal access token": `{ email, name, scopes: [...],
 * expires_at? }`; the scopes are Ledgy's (LEDGY_SCOPES).
 */
export function newLedgyTokenInput(body: unknown): NewLedgyTokenInput {
  const b = objectBody(body, ['email', 'name', 'scopes', 'expires_at']);
  return {
    email: emailFrom(b.email),
    name: label(b.name, 'name', true, MAX_LEDGY_TOKEN_NAME)!,
    scopes: scopesFrom(b.scopes, LEDGY_SCOPES, 'ledgy'),
    expiresAt: timeFrom(b.expires_at, 'expires_at'),
  };
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

export interface LedgyUserView {
  id: string;
  object: 'ledgy_user';
  email: string;
  name: string | null;
  primary_currency: string;
  subscription_status: LedgyUser['subscriptionStatus'];
  trial_ends_at: string | null;
  /** Whether the subscription gate lets the user's /api/v1 requests through now. */
  gate_open: boolean;
  created_at: string;
}

export interface LedgyTokenView {
  id: string;
  object: 'ledgy_token';
  user_id: string;
  email: string;
  name: string | null;
  /** The first characters of the secret; never the secret. */
  start: string;
  scopes: string[];
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type LedgyUserRow = Pick<LedgyUser, 'id' | 'email' | 'name' | 'createdAt' | 'primaryCurrency' | 'subscriptionStatus' | 'trialEndsAt'>;

export const ledgyUserView = (user: LedgyUserRow, now: Date): LedgyUserView => ({
  id: formatId(LEDGY_USER_PREFIX, user.id),
  object: 'ledgy_user',
  email: user.email,
  name: user.name,
  primary_currency: user.primaryCurrency,
  subscription_status: user.subscriptionStatus,
  trial_ends_at: iso(user.trialEndsAt),
  gate_open: subscriptionActive(user, now),
  created_at: iso(user.createdAt)!,
});

export function ledgyTokenView(key: ApiKey, user: Pick<LedgyUser, 'email'>, now: Date): LedgyTokenView {
  const { status, expires_at, revoked_at, last_used_at, created_at, start, scopes, name } = keyView(key, now);
  return {
    id: formatId(LEDGY_TOKEN_PREFIX, key.id),
    object: 'ledgy_token',
    user_id: formatId(LEDGY_USER_PREFIX, key.userId!),
    email: user.email,
    name,
    start,
    scopes,
    status,
    expires_at,
    revoked_at,
    last_used_at,
    created_at,
  };
}

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
  /** Every Ledgy user, oldest first. */
  listLedgyUsers(): Promise<LedgyUserView[]>;
  setLedgySubscription(body: unknown): Promise<LedgyUserView>;
  createLedgyToken(body: unknown): Promise<LedgyTokenView & { secret: string }>;
  /** A Ledgy user's personal access tokens, revoked and expired ones included. */
  listLedgyTokens(email: unknown): Promise<LedgyTokenView[]>;
  revokeLedgyToken(email: unknown, id: unknown): Promise<LedgyTokenView>;
}

export function adminOperations({ db, clock, apiKeys }: AdminCore): AdminOperations {
  const existingOrg = async (org: unknown): Promise<string> => {
    const orgId = orgIdFrom(org);
    if (!(await getOrg(db, orgId))) throw new DomainError('not_found', `org ${formatId(ORG_PREFIX, orgId)} not found`, 'org');
    return orgId;
  };
  const findKey = async (orgId: string, id: string) => (await apiKeys.list(orgId)).find((k) => k.id === id) ?? null;
  const ledgyUser = async (email: string): Promise<LedgyUser> => {
    const user = await findLedgyUserByEmail(db, email);
    if (!user) throw new DomainError('not_found', `no Ledgy user with email ${email}`, 'email');
    return user;
  };
  const ledgyTokens = (user: LedgyUser) => apiKeys.list(user.orgId, { surface: 'ledgy', userId: user.id });

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

    async listLedgyUsers() {
      const rows = await db.query(
        `SELECT u.id, u.email, u.name, u.created_at, l.primary_currency, l.subscription_status, l.trial_ends_at
           FROM users u JOIN ledgy_users l ON l.org_id = u.org_id AND l.id = u.id
          WHERE u.surface = 'ledgy'
          ORDER BY u.created_at, u.id`,
      );
      const now = clock.now();
      return rows.map((r) =>
        ledgyUserView(
          {
            id: r.id,
            email: r.email,
            name: r.name,
            createdAt: r.created_at,
            primaryCurrency: r.primary_currency,
            subscriptionStatus: r.subscription_status,
            trialEndsAt: r.trial_ends_at,
          },
          now,
        ),
      );
    },
    async setLedgySubscription(body) {
      const input = ledgySubscriptionInput(body);
      const user = await setSubscription(db, input.email, input.status, input.trialEndsAt);
      return ledgyUserView(user, clock.now());
    },
    async createLedgyToken(body) {
      const input = newLedgyTokenInput(body);
      const now = clock.now();
      if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw invalid('expires_at', 'expires_at must be in the future');
      const user = await ledgyUser(input.email);
      try {
        const { key, secret } = await mintLedgyToken({ db, clock }, apiKeys, user, input);
        return { ...ledgyTokenView(key, user, clock.now()), secret };
      } catch (error) {
        if (error instanceof TokenLimitError) {
          throw new DomainError(
            'conflict',
            `Ledgy user ${user.email} already has ${MAX_ACTIVE_TOKENS} active tokens, the most allowed; revoke one first`,
            undefined,
            error.details,
          );
        }
        throw error;
      }
    },
    async listLedgyTokens(email) {
      const user = await ledgyUser(emailFrom(email));
      const now = clock.now();
      return (await ledgyTokens(user)).map((k) => ledgyTokenView(k, user, now));
    },
    async revokeLedgyToken(email, id) {
      const keyId = ledgyTokenIdFrom(id);
      const user = await ledgyUser(emailFrom(email));
      const shownId = formatId(LEDGY_TOKEN_PREFIX, keyId);
      const owned = (await ledgyTokens(user)).find((k) => k.id === keyId);
      if (!owned) throw new DomainError('not_found', `token ${shownId} not found for Ledgy user ${user.email}`, 'id');
      if (owned.revokedAt || !(await apiKeys.revoke(user.orgId, keyId))) {
        throw new DomainError('conflict', `token ${shownId} is already revoked`, 'id');
      }
      const key = (await ledgyTokens(user)).find((k) => k.id === keyId)!;
      return ledgyTokenView(key, user, clock.now());
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
 * `/_admin/v1`: orgs, API keys and Ledgy users for the operator CLI. Answers only connections from the
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

      admin.get('/ledgy/users', hide, async () => ({ data: await ops.listLedgyUsers() }));
      admin.put('/ledgy/subscription', hide, async (request) => ops.setLedgySubscription(request.body));
      admin.post('/ledgy/tokens', hide, async (request, reply) => reply.code(201).send(await ops.createLedgyToken(request.body)));
      admin.get<{ Querystring: { email?: string } }>('/ledgy/tokens', hide, async (request) => ({
        data: await ops.listLedgyTokens(request.query.email),
      }));
      admin.delete<{ Params: { id: string }; Querystring: { email?: string } }>('/ledgy/tokens/:id', hide, async (request) =>
        ops.revokeLedgyToken(request.query.email, request.params.id),
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
  return info && info.pid !== process.pid && processAlive(info.pid) ? info : null;
}
