import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../platform/errors.ts';
import type { LedgyUser } from '../../ledgy/users.ts';

const users = new WeakMap<FastifyRequest, LedgyUser>();

/** The Ledgy user behind the request, loaded once by the surface's gate. */
export function ledgyUser(request: FastifyRequest): LedgyUser {
  const user = users.get(request);
  if (!user) throw new DomainError('unauthenticated', 'Missing or invalid token');
  return user;
}

export function setLedgyUser(request: FastifyRequest, user: LedgyUser): void {
  users.set(request, user);
}

export const LEDGY_SCOPES = [
  'accounts:read',
  'accounts:write',
  'categories:read',
  'categories:write',
  'budgets:read',
  'budgets:write',
  'groups:read',
  'groups:write',
  'transactions:read',
  'transactions:write',
  'tags:read',
  'tags:write',
  'recurring:read',
  'recurring:write',
  'settings:read',
  'settings:write',
] as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Not behind the subscription gate (token management). */
    ungated?: boolean;
    /** Only a session JWT may call it, not a personal access token. */
    sessionOnly?: boolean;
  }
}
