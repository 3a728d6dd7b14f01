import type { Db, Queryable } from '../platform/db.ts';
import type { WriteRunner } from '../platform/write-runner.ts';
import type { Clock } from '../platform/clock.ts';
import type { ApiKey, ApiKeys, KeyMode } from '../platform/identity/api-keys.ts';
import { SURFACES, surfaceKeyFormats } from '../surfaces.ts';
import { createOrg, getOrg, listOrgs, type Org } from '../platform/orgs.ts';
import { formatId, parseId } from '../platform/ids.ts';
import { DomainError, invalid } from '../platform/errors.ts';
import { LEDGY_SCOPES } from '../apis/ledgy/context.ts';
import { findLedgyUserByEmail, setSubscription, subscriptionActive, type LedgyUser } from '../ledgy/users.ts';
import { MAX_ACTIVE_TOKENS, TokenLimitError, mintLedgyToken } from '../ledgy/tokens.ts';

/*
 * Operator administration: orgs, API keys, and Ledgy users (subscription state, personal
 * access tokens). The CLI runs them on the database directly, whether or not a server runs:
 * a revoke reaches every running server through PostgreSQL NOTIFY (platform/identity).
 */

export const ORG_PREFIX = 'org';
export const KEY_PREFIX = 'key';
/** Ledgy's own ids, as its API shows them (src/apis/ledgy/views.ts). */
export const LEDGY_USER_PREFIX = 'usr';
export const LEDGY_TOKEN_PREFIX = 'tok';

/** The surfaces that issue API keys, and the scopes each knows (none listed: any well-formed scope). */
const KEY_SURFACES = surfaceKeyFormats().surfaces();
const knownScopes = (surface: string) => {
  const scopes = SURFACES.find((s) => s.name === surface)?.scopes ?? [];
  return scopes.length > 0 ? scopes : undefined;
};
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
  if (typeof surface !== 'string' || !KEY_SURFACES.includes(surface)) {
    throw invalid('surface', `surface must be one of ${KEY_SURFACES.join(', ')}, got ${shown(surface)}`);
  }

  const mode = b.mode ?? 'live';
  if (mode !== 'live' && mode !== 'sandbox') throw invalid('mode', `mode must be live or sandbox, got ${shown(mode)}`);

  const scopes = scopesFrom(b.scopes, knownScopes(surface), surface);
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
// Views: what operators see in the CLI

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

/** What the operations need: the CLI's database connection, the key store and the write runner on it. */
export interface AdminCore {
  db: Db;
  clock: Clock;
  apiKeys: ApiKeys;
  writes: WriteRunner;
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

export function adminOperations({ db, clock, apiKeys, writes }: AdminCore): AdminOperations {
  // Every change an operator makes goes through the write runner, audited as the CLI's.
  const write = <T>(operation: string, orgId: string | null, command: (tx: Queryable) => Promise<T>) =>
    writes.execute({ orgId, principalId: 'operator', surface: 'cli', operation, requestId: null }, command);
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
      const input = newOrgInput(body);
      return orgView(await write('createOrg', null, (tx) => createOrg(tx, clock, input)));
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
      const { key, secret } = await write('createKey', input.orgId, (tx) => apiKeys.create(input, tx));
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
      if (!(await write('revokeKey', orgId, (tx) => apiKeys.revoke(orgId, keyId, tx)))) {
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
        const { key, secret } = await db.transaction((tx) => mintLedgyToken(clock, apiKeys, tx, user, input));
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
