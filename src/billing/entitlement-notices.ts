import type { Queryable } from '../platform/db.ts';
import type { BillingScope } from './scope.ts';

/**
 * Entitlement cache invalidation across server instances: every change to what an
 * entitlement check reads (a subscription, a plan, an app's sandbox time) sends a
 * PostgreSQL NOTIFY in the transaction that makes it, so it is delivered when, and only if,
 * that transaction commits (src/billing/entitlement-cache.ts listens).
 */
export const ENTITLEMENT_CHANNEL = 'kontor_billing_entitlements';

/** What a notice names: one tenant of an app's world, or (tenant null) the whole world. */
export interface EntitlementNotice {
  orgId: string;
  mode: string;
  tenantId: string | null;
}

/** `org|mode|tenant`: the tenant last, as it may itself hold a `|`; empty for the whole world. */
export const noticeText = (n: EntitlementNotice) => `${n.orgId}|${n.mode}|${n.tenantId ?? ''}`;

export function parseNotice(payload: string): EntitlementNotice | null {
  const first = payload.indexOf('|');
  const second = payload.indexOf('|', first + 1);
  if (first < 0 || second < 0) return null;
  const tenant = payload.slice(second + 1);
  return { orgId: payload.slice(0, first), mode: payload.slice(first + 1, second), tenantId: tenant === '' ? null : tenant };
}

/** A tenant's subscription changed. */
export async function noticeTenant(tx: Queryable, scope: BillingScope, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_notify($1, $2)`, [ENTITLEMENT_CHANNEL, noticeText({ ...scope, tenantId })]);
}

/** Beyond this many tenants in one transaction, one notice for the whole world is cheaper. */
const MANY_TENANTS = 100;

/** Several tenants at once (the clock's batches): one statement. */
export async function noticeTenants(tx: Queryable, scope: BillingScope, tenantIds: readonly string[]): Promise<void> {
  if (tenantIds.length === 0) return;
  if (new Set(tenantIds).size > MANY_TENANTS) return noticeWorld(tx, scope);
  await tx.query(`SELECT pg_notify($1, $2 || t) FROM unnest($3::text[]) AS t`, [ENTITLEMENT_CHANNEL, `${scope.orgId}|${scope.mode}|`, [...new Set(tenantIds)]]);
}

/** Something every tenant of the world reads changed (a plan, the sandbox time). */
export async function noticeWorld(tx: Queryable, scope: BillingScope): Promise<void> {
  await tx.query(`SELECT pg_notify($1, $2)`, [ENTITLEMENT_CHANNEL, noticeText({ ...scope, tenantId: null })]);
}
