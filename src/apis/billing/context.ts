import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../platform/errors.ts';
import { principalOf } from '../../platform/http/surface.ts';
import type { BillingScope } from '../../billing/scope.ts';
import { operations } from '../../platform/http/operations.ts';

export const BILLING_SCOPES = ['billing:read', 'billing:write'] as const;

/** The route options of the billing operations tagged `tag`: `billing:read` to read, `billing:write` to write. */
export const billingOperations = (tag: string) => operations({ read: 'billing:read', write: 'billing:write', tags: [tag] });

/** The app (the key's org) and the key's mode: a sandbox key never sees live rows, nor the reverse. */
export function scopeOf(request: FastifyRequest): BillingScope {
  const principal = principalOf(request);
  return { orgId: principal.orgId, mode: principal.mode };
}

/** Tenant ids as the app names its tenants: 1 to 255 visible ASCII characters. */
const TENANT_ID = /^[\x21-\x7e]{1,255}$/;

/**
 * The tenant in context: the `X-Tenant-ID` header, else the tenant the key is bound to, else
 * null. A malformed header is no valid tenant context: 401, as the reference answers requests
 * without one. A key bound to a tenant acts for it only: another tenant in the header is 403.
 */
export function tenantOf(request: FastifyRequest): string | null {
  const bound = principalOf(request).tenant ?? null;
  const header = request.headers['x-tenant-id'];
  if (header === undefined) return bound;
  if (typeof header !== 'string' || !TENANT_ID.test(header)) {
    throw new DomainError('unauthenticated', 'X-Tenant-ID must be 1 to 255 visible ASCII characters', 'X-Tenant-ID');
  }
  if (bound !== null && header !== bound) {
    throw new DomainError('forbidden', 'this key is bound to another tenant than X-Tenant-ID names', 'X-Tenant-ID');
  }
  return header;
}

/** A tenant-scoped operation: without tenant context, 401. */
export function requireTenant(request: FastifyRequest): string {
  const tenant = tenantOf(request);
  if (tenant === null) throw new DomainError('unauthenticated', 'this operation needs tenant context: send the X-Tenant-ID header', 'X-Tenant-ID');
  return tenant;
}
