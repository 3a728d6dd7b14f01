import type { ApiKey, KeyMode } from '../identity/api-keys.ts';
import { formatId } from '../ids.ts';
import { isoOrNull } from './input.ts';

export const ORG_PREFIX = 'org';
export const KEY_PREFIX = 'key';

/** An API key as operators see it: never its secret. */
export interface KeyView {
  id: string;
  object: 'api_key';
  org_id: string;
  surface: string;
  mode: KeyMode;
  name: string | null;
  user_id: string | null;
  /** The one tenant of its app the key acts for; null: the whole app. */
  tenant: string | null;
  /** The first characters of the secret, to tell keys apart; never the secret. */
  start: string;
  scopes: string[];
  /** Addresses and CIDR ranges the key may be used from; null: any. */
  ip_allowlist?: string[] | null;
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

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
    tenant: key.tenant,
    start: key.start,
    scopes: key.scopes,
    ip_allowlist: key.ipAllowList,
    status: key.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    expires_at: isoOrNull(key.expiresAt),
    revoked_at: isoOrNull(key.revokedAt),
    last_used_at: isoOrNull(key.lastUsedAt),
    created_at: isoOrNull(key.createdAt)!,
  };
}
