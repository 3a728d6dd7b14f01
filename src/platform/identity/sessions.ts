import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Clock } from '../clock.ts';
import { ConfigError, MIN_SECRET_LENGTH } from '../config.ts';
import { writeFileOnce } from '../files.ts';

export interface SessionClaims {
  orgId: string;
  userId: string;
  surface: string;
}

/**
 * Session JWTs (HS256). The surface is the audience, so a token minted for one surface is
 * refused by every other. The first secret signs; every secret verifies, so a new secret can
 * be put first while tokens signed with the old one stay valid until they expire.
 */
export class SessionTokens {
  private readonly secret: Uint8Array;
  constructor(
    private readonly secrets: Uint8Array[],
    private readonly clock: Clock,
    readonly ttlSeconds: number,
  ) {
    if (secrets.length === 0) throw new Error('SessionTokens needs at least one secret');
    this.secret = secrets[0];
  }

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
    for (const secret of this.secrets) {
      try {
        const { payload } = await jwtVerify(token, secret, {
          audience: surface,
          issuer: 'kontor',
          algorithms: ['HS256'],
          currentDate: this.clock.now(),
        });
        if (typeof payload.sub !== 'string' || typeof payload.org !== 'string') return null;
        return { orgId: payload.org, userId: payload.sub, surface };
      } catch (error) {
        // A bad signature may be another secret's: try the next. Any other refusal is final.
        if (error instanceof joseErrors.JWSSignatureVerificationFailed) continue;
        if (error instanceof joseErrors.JOSEError) return null;
        throw error;
      }
    }
    return null;
  }
}

export const SECRET_FILE = 'jwt-secret';

/**
 * The signing secrets: from config, else one generated once into `<dataDir>/jwt-secret`.
 * The file is written whole (to a scratch name, then linked into place, so a crash never
 * leaves it empty and two starting servers agree on one), and refused when shorter than
 * 32 bytes.
 */
export async function loadSessionSecrets(configured: string[] | null, dataDir: string): Promise<Uint8Array[]> {
  if (configured) return configured.map((s) => new TextEncoder().encode(s));
  const file = path.join(dataDir, SECRET_FILE);
  let text = await readFile(file, 'utf8').catch((error) => {
    if (error?.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) {
    await mkdir(dataDir, { recursive: true });
    text = await writeFileOnce(file, randomBytes(32).toString('base64url') + '\n', 0o600);
  }
  const secret = Buffer.from(text.trim(), 'base64url');
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${file} holds ${secret.length} bytes of secret, at least ${MIN_SECRET_LENGTH} are needed: remove it to generate a new one (this signs everyone out) or set JWT_SECRET`);
  }
  return [secret];
}

/**
 * A key of its own for `purpose` (cursors, …), derived from the server secret with HMAC, so
 * a value signed for one purpose never verifies as another, and no JWT can be forged from it.
 */
export function deriveKey(secret: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`kontor:derived-key:${purpose}`).digest();
}
