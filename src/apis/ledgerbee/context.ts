import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../platform/errors.ts';
import { principalOf } from '../../platform/http/surface.ts';
import type { Core } from '../../core.ts';
import { operations } from '../../platform/http/operations.ts';
import { ensureCompany, findCompany, type Company, type LedgerBeeDeps } from '../../ledgerbee/company-store.ts';

/**
 * LedgerBee's scopes: kebab-case `resource-read` / `resource-write`, as the product names
 * them. Part 2's (invoices, products, subscriptions, portal, …) are listed already so keys made
 * today keep their meaning. The two portal partner scopes (`portal-provision`,
 * `portal-sso-mint`) cannot be granted to a generic key and are not here.
 */
export const LEDGERBEE_SCOPES = [
  'company-read',
  'accounts-read',
  'vat-codes-read',
  'journal-categories-read',
  'journal-entries-read',
  'journal-entries-write',
  'draft-journal-entries-read',
  'draft-journal-entries-write',
  'dimensions-read',
  'dimensions-write',
  'customers-read',
  'customers-write',
  'vendors-read',
  'vendors-write',
  'projects-read',
  'projects-write',
  'invoices-read',
  'invoices-write',
  'quotes-read',
  'quotes-write',
  'order-confirmations-read',
  'order-confirmations-write',
  'products-read',
  'products-write',
  'subscriptions-read',
  'subscriptions-write',
  'meter-report',
  'webhook-endpoints-read',
  'webhook-endpoints-write',
  'portal-catalog-read',
] as const;
export type LedgerBeeScope = (typeof LEDGERBEE_SCOPES)[number];

/** The route options of one resource's operations: `<resource>-read` to read, `<resource>-write` to write, under its tag. */
export const ledgerbeeOperations = (resource: string, tag: string) => operations({ read: `${resource}-read`, write: `${resource}-write`, tags: [tag] });

/** Licences a company may hold; each gates a group of operations (403 `LICENSE.REQUIRED`). */
export const LEDGERBEE_LICENCES = ['Subscription', 'CustomerPortal', 'MeteredProducts'] as const;
export type LedgerBeeLicence = (typeof LEDGERBEE_LICENCES)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** LedgerBee: the licence the company needs for this route (403 `LICENSE.REQUIRED`). */
    licence?: LedgerBeeLicence;
    /** LedgerBee: a deprecated v1 route and its v2 successor (the `Deprecation`, `Sunset` and `Link` headers). */
    deprecation?: { successor: string };
    /** LedgerBee: only an API key may call it (an OAuth token is 403, reason `endpoint_requires_api_key_auth`). */
    apiKeyOnly?: boolean;
  }
}

/** How a LedgerBee request authenticated. */
export type AuthMethod = 'api_key' | 'oauth';
const AUTH_METHOD = Symbol('ledgerbee.auth-method');

export function setAuthMethod(request: FastifyRequest, method: AuthMethod): void {
  (request as any)[AUTH_METHOD] = method;
}
export const authMethodOf = (request: FastifyRequest): AuthMethod => (request as any)[AUTH_METHOD] ?? 'api_key';

/** The LedgerBee domain's services, from the core. */
export const ledgerbeeDeps = (core: Core): LedgerBeeDeps => ({ db: core.db, clock: core.clock, ledger: core.ledger });

/** The company (org) of the caller. */
export const companyIdOf = (request: FastifyRequest): string => principalOf(request).orgId;

/**
 * The companies this server knows exist, so the first request of a company seeds its chart,
 * VAT codes and journal categories (one write, audited as `seedCompany`) and later ones read
 * nothing for it.
 */
export class Companies {
  private readonly known = new Set<string>();
  constructor(private readonly core: Core) {}

  /** Makes the org's company on first use. */
  async ensure(orgId: string, requestId: string | null = null): Promise<void> {
    if (this.known.has(orgId)) return;
    const deps = ledgerbeeDeps(this.core);
    await this.core.writes.execute({ orgId, principalId: 'ledgerbee', surface: 'ledgerbee', operation: 'seedCompany', requestId }, (tx) => ensureCompany(deps, tx, orgId));
    this.known.add(orgId);
  }

  /** The company as stored now (lock date and licences change from the CLI). */
  async get(orgId: string): Promise<Company> {
    await this.ensure(orgId);
    const company = await findCompany(this.core.db, orgId);
    if (!company) throw new DomainError('not_found', 'company not found');
    return company;
  }
}
