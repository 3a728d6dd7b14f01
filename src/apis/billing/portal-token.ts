import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { BillingScope } from '../../billing/scope.ts';

/** Who a portal link is for: one customer of one app world (org and mode), and where "back" goes. */
export interface PortalSession {
  orgId: string;
  mode: BillingScope['mode'];
  customerId: string;
  tenantId: string;
  returnUrl: string | null;
  /** The session's own id: the CSRF token of its forms is bound to it. */
  sessionId: string;
  expiresAt: Date;
}

export type PortalTokenCheck = { ok: true; session: PortalSession } | { ok: false; reason: 'expired' | 'invalid' };

const AUDIENCE = 'kontor:billing-portal';
const MODES = new Set(['live', 'sandbox']);

/**
 * Portal links are HS256 JWTs signed with a key derived from the server secret for this
 * purpose only (`core.deriveKey`), so a portal token is no session of any surface and no
 * session token is a portal token. The token is the whole credential: it sits in the URL's
 * path, the pages send `Referrer-Policy: no-referrer` so it never leaves in a Referer.
 */
export class PortalTokens {
  constructor(
    private readonly signingKey: Uint8Array,
    private readonly csrfKey: Uint8Array,
  ) {}

  async sign(claims: Omit<PortalSession, 'sessionId' | 'expiresAt'>, now: Date, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
    const issued = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT({ org: claims.orgId, mode: claims.mode, ten: claims.tenantId, ret: claims.returnUrl })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.customerId)
      .setAudience(AUDIENCE)
      .setIssuer('kontor')
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(issued)
      .setExpirationTime(issued + ttlSeconds)
      .sign(this.signingKey);
    return { token, expiresAt: new Date((issued + ttlSeconds) * 1000) };
  }

  /** The session of a token, or why not: `expired` only for a token this server signed whose time is up. */
  async verify(token: string, now: Date): Promise<PortalTokenCheck> {
    try {
      const { payload: p } = await jwtVerify(token, this.signingKey, { audience: AUDIENCE, issuer: 'kontor', algorithms: ['HS256'], currentDate: now, requiredClaims: ['exp', 'jti', 'sub'] });
      if (typeof p.org !== 'string' || typeof p.mode !== 'string' || !MODES.has(p.mode) || typeof p.ten !== 'string' || typeof p.sub !== 'string' || typeof p.jti !== 'string') {
        return { ok: false, reason: 'invalid' };
      }
      const returnUrl = typeof p.ret === 'string' ? p.ret : null;
      const session: PortalSession = { orgId: p.org, mode: p.mode as BillingScope['mode'], customerId: p.sub, tenantId: p.ten, returnUrl, sessionId: p.jti, expiresAt: new Date(p.exp! * 1000) };
      return { ok: true, session };
    } catch (error) {
      // jose checks the signature before the claims: an expired token is one this server signed.
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (error instanceof joseErrors.JOSEError) return { ok: false, reason: 'invalid' };
      throw error;
    }
  }

  /** The CSRF token of a session's forms: an HMAC of its id, so it is valid for that session only. */
  csrfToken(session: Pick<PortalSession, 'sessionId'>): string {
    return createHmac('sha256', this.csrfKey).update(session.sessionId).digest('base64url');
  }

  csrfMatches(session: Pick<PortalSession, 'sessionId'>, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(session));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
