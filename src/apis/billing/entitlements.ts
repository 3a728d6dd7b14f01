import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { getCustomer } from '../../billing/customer-store.ts';
import type { EntitlementCache } from '../../billing/entitlement-cache.ts';
import { noticeTenant } from '../../billing/entitlement-notices.ts';
import type { Entitlement } from '../../billing/entitlements.ts';
import * as S from './schemas.ts';
import { requireTenant, scopeOf, tenantOf } from './context.ts';
import { PREFIX, idOf, uuidOf } from './views.ts';

const tags = ['entitlements'];
const CustomerParams = Type.Object({ customerId: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) });
const Count = Type.Unsafe<bigint>(Type.Integer({ description: '−1 means unlimited.' }));
export const Check = Type.Object({
  allowed: Type.Boolean(),
  feature: Type.String(),
  used: Count,
  limit: Count,
  remaining: Count,
  soft_limit: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'quota exceeded, over soft limit, feature not in plan or feature not enabled' })),
});
const BatchItem = Type.Object({ allowed: Type.Boolean(), used: Count, limit: Count, remaining: Count, reason: Type.Optional(Type.String()) });
const Listed = Type.Object({ feature: Type.String(), allowed: Type.Boolean(), used: Count, limit: Count, remaining: Count, type: Type.String(), reason: Type.Optional(Type.String()) });

const reasonOf = (e: Entitlement) => (e.reason ? { reason: e.reason } : {});
export const checkView = (e: Entitlement) => ({ allowed: e.allowed, feature: e.feature, used: e.used, limit: e.limit, remaining: e.remaining, soft_limit: e.softLimit, ...reasonOf(e) });

/** Checks are tenant-scoped (X-Tenant-ID); answered from this server's entitlement cache (metered use read fresh). */
export function entitlementRoutes(api: SurfaceApp, { db }: Core, cache: EntitlementCache) {
  api.post(
    '/entitlements/check',
    {
      // Changes nothing: not a write for the write runner.
      config: { scope: 'billing:read', readOnly: true },
      schema: {
        operationId: 'checkEntitlement',
        summary: 'Whether the tenant in context may use a feature, with its use and quota.',
        tags,
        body: Type.Object({ feature_key: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Check, ...S.errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const tenant = requireTenant(request);
      const key = request.body.feature_key?.trim();
      if (!key) throw billingError('invalid_input', 'feature_key is required', 'feature_key');
      const [result] = await cache.check(scopeOf(request), tenant, [key]);
      return checkView(result);
    },
  );

  api.post(
    '/entitlements/check-batch',
    {
      config: { scope: 'billing:read', readOnly: true },
      schema: {
        operationId: 'checkEntitlements',
        summary: 'Check several features of the tenant in context at once.',
        tags,
        body: Type.Object({ feature_keys: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })) }),
        response: { 200: Type.Object({ results: Type.Record(Type.String(), BatchItem) }), ...S.errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const tenant = requireTenant(request);
      const keys = (request.body.feature_keys ?? []).map((k) => k.trim());
      if (keys.length === 0 || keys.some((k) => !k)) throw billingError('invalid_input', 'feature_keys must list at least one feature key', 'feature_keys');
      const results = await cache.check(scopeOf(request), tenant, keys);
      return { results: Object.fromEntries(results.map((e, i) => [keys[i], { allowed: e.allowed, used: e.used, limit: e.limit, remaining: e.remaining, ...reasonOf(e) }])) };
    },
  );

  api.get(
    '/entitlements/:customerId',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'listEntitlements',
        summary: "Every feature of a customer's current plan, with use and quota.",
        tags,
        params: CustomerParams,
        response: {
          200: Type.Object({ customer_id: S.Id('cst'), plan: Type.String(), plan_id: S.Id('plan'), entitlements: Type.Array(Listed) }),
          ...S.errorResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, uuidOf(PREFIX.customer, request.params.customerId), tenantOf(request));
      const { plan, entitlements } = await cache.all(scope, customer.tenantId);
      return {
        customer_id: idOf(PREFIX.customer, customer.id),
        plan: plan.name,
        plan_id: idOf(PREFIX.plan, plan.id),
        entitlements: entitlements.map((e) => ({ feature: e.feature, allowed: e.allowed, used: e.used, limit: e.limit, remaining: e.remaining, type: e.type ?? 'boolean', ...reasonOf(e) })),
      };
    },
  );

  api.post(
    '/entitlements/:customerId/invalidate',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'invalidateEntitlements',
        summary: "Drop a customer's cached entitlements on every server (after manual plan changes or data corrections).",
        tags,
        params: CustomerParams,
        response: { 204: Type.Null(), ...S.errorResponses(401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(tx, scope, uuidOf(PREFIX.customer, request.params.customerId), tenantOf(request));
      // Delivered to every server (this one included) when the write commits.
      await noticeTenant(tx, scope, customer.tenantId);
      reply.code(204);
    }),
  );
}
