import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';

/*
 * OAuth 2.0 client credentials for LedgerBee: a client (id + secret, shown once, kept as
 * SHA-256) carries its scopes; `POST /api/v1/auth/token` exchanges it for an opaque access
 * token (`lbat_…`, kept as SHA-256) living 3600 s with the client's scopes.
 */

export const TOKEN_TTL_SECONDS = 3600;
export const TOKEN_PREFIX = 'lbat_';
const CLIENT_PREFIX = 'lbc_';
const SECRET_PREFIX = 'lbcs_';

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export interface OAuthClient {
  orgId: string;
  id: string;
  clientId: string;
  name: string | null;
  scopes: string[];
  createdAt: Date;
  revokedAt: Date | null;
}

export interface AccessToken {
  orgId: string;
  /** The client's row id: what idempotency and rate limits are scoped by. */
  clientRowId: string;
  scopes: string[];
  expiresAt: Date;
}

const toClient = (r: any): OAuthClient => ({ orgId: r.org_id, id: r.id, clientId: r.client_id, name: r.name, scopes: r.scopes, createdAt: r.created_at, revokedAt: r.revoked_at });

export async function createOAuthClient(tx: Queryable, input: { orgId: string; scopes: string[]; name: string | null }, now: Date): Promise<{ client: OAuthClient; secret: string }> {
  const clientId = CLIENT_PREFIX + randomBytes(16).toString('hex');
  const secret = SECRET_PREFIX + randomBytes(32).toString('base64url');
  const rows = await tx.query(
    `INSERT INTO ledgerbee_oauth_clients (org_id, id, client_id, secret_sha256, name, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [input.orgId, newId(), clientId, sha256(secret), input.name, input.scopes, now],
  );
  return { client: toClient(rows[0]), secret };
}

export async function listOAuthClients(db: Queryable, orgId: string): Promise<OAuthClient[]> {
  return (await db.query('SELECT * FROM ledgerbee_oauth_clients WHERE org_id = $1 ORDER BY id', [orgId])).map(toClient);
}

/** Revokes a client and every token it holds; false when there is no such live client. */
export async function revokeOAuthClient(tx: Queryable, orgId: string, clientId: string, now: Date): Promise<boolean> {
  const rows = await tx.query('UPDATE ledgerbee_oauth_clients SET revoked_at = $3 WHERE org_id = $1 AND client_id = $2 AND revoked_at IS NULL RETURNING id', [orgId, clientId, now]);
  if (rows.length === 0) return false;
  await tx.query('UPDATE ledgerbee_oauth_tokens SET revoked_at = $3 WHERE org_id = $1 AND client_row_id = $2 AND revoked_at IS NULL', [orgId, rows[0].id, now]);
  return true;
}

/** The live client whose id and secret these are, or null (compared in constant time). */
export async function verifyClient(db: Queryable, clientId: string, secret: string): Promise<OAuthClient | null> {
  const rows = await db.query('SELECT * FROM ledgerbee_oauth_clients WHERE client_id = $1 AND revoked_at IS NULL', [clientId]);
  if (rows.length === 0) return null;
  const given = sha256(secret);
  return timingSafeEqual(given, rows[0].secret_sha256) ? toClient(rows[0]) : null;
}

/** Mints an access token for a client; the token text is returned once. */
export async function issueToken(tx: Queryable, client: OAuthClient, now: Date): Promise<{ token: string; expiresIn: number; scopes: string[] }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  await tx.query(
    'INSERT INTO ledgerbee_oauth_tokens (token_sha256, org_id, client_row_id, scopes, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [sha256(token), client.orgId, client.id, client.scopes, new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000), now],
  );
  // Expired tokens are forgotten as new ones are made.
  await tx.query('DELETE FROM ledgerbee_oauth_tokens WHERE expires_at < $1', [new Date(now.getTime() - 86_400_000)]);
  return { token, expiresIn: TOKEN_TTL_SECONDS, scopes: client.scopes };
}

/** The live token behind this text, or null (unknown, expired, revoked, or its client revoked). */
export async function findToken(db: Queryable, token: string, now: Date): Promise<AccessToken | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const rows = await db.query(
    `SELECT org_id, client_row_id, scopes, expires_at FROM ledgerbee_oauth_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2`,
    [sha256(token), now],
  );
  return rows[0] ? { orgId: rows[0].org_id, clientRowId: rows[0].client_row_id, scopes: rows[0].scopes, expiresAt: rows[0].expires_at } : null;
}

/** Revokes one of the client's tokens (RFC 7009: an unknown, foreign or already revoked token is no error). */
export async function revokeToken(tx: Queryable, client: OAuthClient, token: string, now: Date): Promise<void> {
  await tx.query('UPDATE ledgerbee_oauth_tokens SET revoked_at = $4 WHERE token_sha256 = $1 AND org_id = $2 AND client_row_id = $3 AND revoked_at IS NULL', [sha256(token), client.orgId, client.id, now]);
}
