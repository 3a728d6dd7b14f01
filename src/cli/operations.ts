import type { KeyMode } from '../platform/identity/api-keys.ts';
import { getUser } from '../platform/identity/users.ts';
import { createOrg, getOrg, listOrgs, type Org } from '../platform/orgs.ts';
import { formatId } from '../platform/ids.ts';
import { isIP } from 'node:net';
import { Type } from 'typebox';
import { DomainError, invalid } from '../platform/errors.ts';
import { operatorWrite, type OperatorServices } from '../platform/operator/command.ts';
import { checkScopes, idFrom, isoOrNull, Label, OperatorBody, operatorInput, Scopes, shown, Time, timeOf, trimmed, Uuid } from '../platform/operator/input.ts';
import { KEY_PREFIX, ORG_PREFIX, keyView, type KeyView } from '../platform/operator/key-view.ts';
import { SURFACES, surfaceKeyFormats } from '../surfaces.ts';

/*
 * The CLI's own operations: orgs and API keys, on the database directly, whether or not a
 * server runs (a revoke reaches every running server through PostgreSQL NOTIFY). Each
 * surface's own operations come with its manifest's commands.
 */

/** The surfaces that issue API keys, and the scopes each knows (none listed: any well-formed scope). */
const KEY_SURFACES = surfaceKeyFormats().surfaces();
const knownScopes = (surface: string) => {
  const scopes = SURFACES.find((s) => s.name === surface)?.apiKeys?.scopes ?? [];
  return scopes.length > 0 ? scopes : undefined;
};

/** The uuid of an org given as `org_<ULID>` or as the uuid itself. */
export const orgIdFrom = (value: unknown, field = 'org') => idFrom(ORG_PREFIX, 'an org', value, field);
/** The uuid of an API key given as `key_<ULID>` or as the uuid itself. */
export const keyIdFrom = (value: unknown, field = 'id') => idFrom(KEY_PREFIX, 'a key', value, field);

export interface NewOrgInput {
  name: string;
}

/** The body of "create an org". */
const NewOrgBody = OperatorBody({ name: Label(true) });
const checkNewOrg = operatorInput(NewOrgBody);

export const newOrgInput = (body: unknown): NewOrgInput => ({ name: trimmed(checkNewOrg(body).name)! });

export interface NewKeyInput {
  orgId: string;
  surface: string;
  scopes: string[];
  mode: KeyMode;
  expiresAt: Date | null;
  name: string | null;
  userId: string | null;
  /** The tenant of the app the key acts for only; null: the whole app. */
  tenant: string | null;
  /** Addresses and CIDR ranges the key may be used from; null: any. */
  ipAllowList: string[] | null;
}

/** The body of "create an API key"; which surfaces and scopes are known is checked after (newKeyInput). */
const NewKeyBody = OperatorBody({
  org: Type.String(),
  surface: Type.Optional(Type.String({ default: 'kontor' })),
  scopes: Scopes,
  mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('sandbox')], { default: 'live', errorMessage: 'must be live or sandbox' })),
  expires_at: Type.Optional(Type.Union([Time, Type.Null()])),
  name: Type.Optional(Type.Union([Label(false), Type.Null()])),
  user_id: Type.Optional(Type.Union([Uuid("a user's"), Type.Null()])),
  // As the surfaces name tenants (billing's X-Tenant-ID): visible ASCII.
  tenant: Type.Optional(Type.Union([Type.String({ pattern: '^[\\x21-\\x7e]{1,255}$', errorMessage: 'must be 1 to 255 visible ASCII characters' }), Type.Null()])),
  ip_allowlist: Type.Optional(Type.Union([Type.Array(Type.String({ maxLength: 64, errorMessage: { type: 'must be a string' } }), { maxItems: 100 }), Type.Null()])),
});

/** An address (`10.1.2.3`, `::1`) or a CIDR range (`10.0.0.0/8`), as node:net reads them. */
function ipRange(text: string): string {
  const [address, bits, extra] = text.trim().split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
    throw invalid('ip_allowlist', `ip_allowlist holds ${shown(text)}, which is neither an IP address nor a CIDR range such as 10.0.0.0/8`);
  }
  return bits === undefined ? address : `${address}/${Number(bits)}`;
}
const checkNewKey = operatorInput(NewKeyBody);

/** One of the surfaces that issue API keys. */
function keySurface(surface: string): string {
  if (!KEY_SURFACES.includes(surface)) throw invalid('surface', `surface must be one of ${KEY_SURFACES.join(', ')}, got ${shown(surface)}`);
  return surface;
}

/** Checks the body of "create an API key": `{ org, surface = "kontor", scopes: [...], mode = "live", expires_at?, name?, user_id?, tenant? }`. */
export function newKeyInput(body: unknown): NewKeyInput {
  const b = checkNewKey(body);
  const orgId = orgIdFrom(b.org);
  // The schema's defaults are filled in.
  const surface = keySurface(b.surface!);
  return {
    orgId,
    surface,
    scopes: checkScopes(b.scopes, knownScopes(surface), surface),
    mode: b.mode!,
    expiresAt: timeOf(b.expires_at),
    name: trimmed(b.name),
    userId: b.user_id ? b.user_id.trim().toLowerCase() : null,
    tenant: b.tenant ?? null,
    ipAllowList: b.ip_allowlist && b.ip_allowlist.length > 0 ? [...new Set(b.ip_allowlist.map(ipRange))] : null,
  };
}

export interface OrgView {
  id: string;
  object: 'org';
  name: string;
  created_at: string;
}

export const orgView = (org: Org): OrgView => ({
  id: formatId(ORG_PREFIX, org.id),
  object: 'org',
  name: org.name,
  created_at: isoOrNull(org.createdAt)!,
});

export interface AdminOperations {
  createOrg(body: unknown): Promise<OrgView>;
  listOrgs(): Promise<OrgView[]>;
  createKey(body: unknown): Promise<KeyView & { secret: string }>;
  listKeys(org: unknown): Promise<KeyView[]>;
  revokeKey(org: unknown, id: unknown): Promise<KeyView>;
}

export function adminOperations(services: OperatorServices): AdminOperations {
  const { db, clock, apiKeys } = services;
  const existingOrg = async (org: unknown): Promise<string> => {
    const orgId = orgIdFrom(org);
    if (!(await getOrg(db, orgId))) throw new DomainError('not_found', `org ${formatId(ORG_PREFIX, orgId)} not found`, 'org');
    return orgId;
  };
  const findKey = async (orgId: string, id: string) => (await apiKeys.list(orgId)).find((k) => k.id === id) ?? null;

  return {
    async createOrg(body) {
      const input = newOrgInput(body);
      return orgView(await operatorWrite(services, 'createOrg', null, (tx) => createOrg(tx, clock, input)));
    },
    async listOrgs() {
      return (await listOrgs(db)).map(orgView);
    },
    async createKey(body) {
      const input = newKeyInput(body);
      await existingOrg(input.orgId);
      if (input.userId) {
        const user = await getUser(db, input.orgId, input.userId);
        if (!user) throw new DomainError('not_found', `user ${input.userId} not found in this org`, 'user_id');
        if (user.surface !== input.surface) {
          throw invalid('user_id', `user ${input.userId} belongs to the ${user.surface} surface, not ${input.surface}`);
        }
      }
      const { key, secret } = await operatorWrite(services, 'createKey', input.orgId, (tx) => apiKeys.create(input, tx));
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
      if (!(await operatorWrite(services, 'revokeKey', orgId, (tx) => apiKeys.revoke(orgId, keyId, tx)))) {
        const key = await findKey(orgId, keyId);
        if (key?.revokedAt) throw new DomainError('conflict', `key ${shownId} is already revoked`, 'id');
        throw new DomainError('not_found', `key ${shownId} not found in org ${formatId(ORG_PREFIX, orgId)}`, 'id');
      }
      const key = await findKey(orgId, keyId);
      return keyView(key!, clock.now());
    },
  };
}
