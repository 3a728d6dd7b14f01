import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Clock } from '../clock.ts';

export interface SessionClaims {
  orgId: string;
  userId: string;
  surface: string;
}

/**
 * Session JWTs (HS256). The surface is the audience, so a token minted for one surface is
 * refused by every other.
 */
export class SessionTokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly clock: Clock,
    readonly ttlSeconds: number,
  ) {}

  async sign(claims: SessionClaims, ttlSeconds = this.ttlSeconds): Promise<string> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return new SignJWT({ org: claims.orgId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setAudience(claims.surface)
      .setIssuer('kontor')
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.secret);
  }

  /** The claims of a valid token for `surface`, or null (expired, tampered, other surface). */
  async verify(token: string, surface: string): Promise<SessionClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        audience: surface,
        issuer: 'kontor',
        algorithms: ['HS256'],
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || typeof payload.org !== 'string') return null;
      return { orgId: payload.org, userId: payload.sub, surface };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
}

/** The signing secret: from config, else generated once and kept in the data directory. */
export async function loadSessionSecret(configured: string | null, dataDir: string): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  } catch {
    await mkdir(dataDir, { recursive: true });
    const secret = randomBytes(32);
    await writeFile(file, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' }).catch(() => {});
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  }
}

/**
 * A key of its own for `purpose` (cursors, …), derived from the server secret with HMAC, so
 * a value signed for one purpose never verifies as another, and no JWT can be forged from it.
 */
export function deriveKey(secret: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`kontor:derived-key:${purpose}`).digest();
}
