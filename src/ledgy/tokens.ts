import type { Queryable } from '../platform/db.ts';
import type { Clock } from '../platform/clock.ts';
import { DomainError } from '../platform/errors.ts';
import type { ApiKey, ApiKeys } from '../platform/identity/api-keys.ts';
import type { LedgyUser } from './users.ts';

/** Active (neither revoked nor expired) personal access tokens a Ledgy user may hold at once. */
export const MAX_ACTIVE_TOKENS = 25;

/** Neither revoked nor expired at `now`: the tokens the list shows and the limit counts. */
export const isActive = (k: Pick<ApiKey, 'revokedAt' | 'expiresAt'>, now: Date) => !k.revokedAt && (k.expiresAt === null || k.expiresAt.getTime() > now.getTime());

/** Thrown when a user already holds MAX_ACTIVE_TOKENS active tokens (a conflict). */
export class TokenLimitError extends DomainError {
  constructor() {
    super('conflict', `At most ${MAX_ACTIVE_TOKENS} active tokens per account; revoke one first`, undefined, { limit: MAX_ACTIVE_TOKENS });
  }
}

export interface NewLedgyToken {
  name: string;
  /** Already checked against LEDGY_SCOPES by the caller. */
  scopes: string[];
  expiresAt: Date | null;
}

/**
 * Mints a personal access token (`lgpat_…`) for a Ledgy user in `tx`, unless the user already
 * holds MAX_ACTIVE_TOKENS active ones. The one rule for the Ledgy API (`POST /api/auth/tokens`)
 * and the operator CLI; the secret is in the answer only.
 */
export async function mintLedgyToken(
  clock: Clock,
  apiKeys: ApiKeys,
  tx: Queryable,
  user: Pick<LedgyUser, 'orgId' | 'id'>,
  input: NewLedgyToken,
): Promise<{ key: ApiKey; secret: string }> {
  // The user's row serialises concurrent mints, so the limit holds.
  await tx.query('SELECT 1 FROM ledgy_users WHERE org_id = $1 AND id = $2 FOR UPDATE', [user.orgId, user.id]);
  const active = await apiKeys.countActive(user.orgId, { surface: 'ledgy', userId: user.id }, clock.now(), tx);
  if (active >= MAX_ACTIVE_TOKENS) throw new TokenLimitError();
  return apiKeys.create(
    { orgId: user.orgId, surface: 'ledgy', userId: user.id, name: input.name, scopes: input.scopes, mode: 'live', expiresAt: input.expiresAt },
    tx,
  );
}
