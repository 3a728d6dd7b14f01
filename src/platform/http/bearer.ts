import type { FastifyRequest } from 'fastify';

// RFC 9110 §11.1: the auth scheme is case-insensitive; one or more spaces precede the token.
const BEARER = /^bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerToken(request: Pick<FastifyRequest, 'headers'>): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  return BEARER.exec(header)?.[1] ?? null;
}
