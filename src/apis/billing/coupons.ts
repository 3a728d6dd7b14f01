import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { pageRequest } from '../../billing/scope.ts';
import { moneyView } from '../../billing/money-view.ts';
import { createCoupon, deleteCoupon, getCouponByCode, getCouponById, listCoupons, redeemCoupon, updateCoupon, type Coupon, type Redemption } from '../../billing/coupon-store.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import * as C from './coupon-schemas.ts';
import { scopeOf, tenantOf } from './context.ts';
import { PREFIX, idOf, pageView, uuidOf } from './views.ts';

const tags = ['coupons'];
const COUPON = 'cpn';
const CodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: "The coupon's code." }) });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'A coupon id, cpn_…' }) });
/**
 * PUT and DELETE take the coupon's id where GET takes its code (as the reference has them);
 * the segment keeps one name so the document has one path, not two that differ by a name.
 */
const IdAsCodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: "For PUT and DELETE, the coupon's id (cpn_…), not its code." }) });
const time = (d: Date | null) => (d === null ? null : d.toISOString());

export function couponView(c: Coupon) {
  return {
    id: idOf(COUPON, c.id),
    code: c.code,
    name: c.name,
    type: c.type,
    percentage: c.percentage,
    amount: c.amount === null || c.currency === null ? null : moneyView({ amount: c.amount, currency: c.currency }),
    currency: c.currency,
    max_redemptions: c.maxRedemptions,
    times_redeemed: c.timesRedeemed,
    valid_from: time(c.validFrom),
    valid_until: time(c.validUntil),
    app_id: c.orgId,
    metadata: c.metadata,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

const redemptionView = (r: Redemption) => ({
  coupon_id: idOf(COUPON, r.couponId),
  code: r.code,
  discount_type: r.type,
  discount_value: r.value,
  subscription_id: idOf(PREFIX.subscription, r.subscriptionId),
  applied_at: r.appliedAt.toISOString(),
});

/** Coupons are the app's (the key alone); a redeem with a tenant in context finds only that tenant's subscriptions. */
export function couponRoutes(api: SurfaceApp, { db, clock }: Core) {
  api.post(
    '/coupons',
    {
      config: { scope: 'billing:write' },
      schema: { operationId: 'createCoupon', summary: 'Create a coupon: a percentage or an amount off, with an optional validity window and redemption cap.', tags, body: C.NewCoupon, response: { 201: C.Coupon, ...S.errorResponses(400, 401, 403, 409) } },
    },
    write(async (tx, request, reply) => {
      reply.code(201);
      return couponView(await createCoupon(tx, scopeOf(request), request.body, await worldNow(tx, scopeOf(request), clock)));
    }),
  );

  api.get(
    '/coupons',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'listCoupons',
        summary: "List the app's coupons, newest first; active=true keeps those valid now.",
        tags,
        querystring: Type.Object({ active: Type.Optional(Type.Boolean()), ...S.PageQuery }),
        response: { 200: S.PageOf(C.Coupon), ...S.errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { active, limit, offset } = request.query;
      const activeAt = active === true ? await worldNow(db, scopeOf(request), clock) : null;
      return pageView(await listCoupons(db, scopeOf(request), activeAt, pageRequest(limit, offset)), couponView);
    },
  );

  api.get(
    '/coupons/:code',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'getCoupon', summary: 'Get a coupon by its code.', tags, params: CodeParams, response: { 200: C.Coupon, ...S.errorResponses(401, 403, 404) } },
    },
    async (request) => couponView(await getCouponByCode(db, scopeOf(request), request.params.code)),
  );

  api.get(
    '/coupons/id/:id',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'getCouponById', summary: 'Get a coupon by its id.', tags, params: IdParams, response: { 200: C.Coupon, ...S.errorResponses(401, 403, 404) } },
    },
    async (request) => couponView(await getCouponById(db, scopeOf(request), uuidOf(COUPON, request.params.id))),
  );

  api.put(
    '/coupons/:code',
    {
      config: { scope: 'billing:write' },
      schema: { operationId: 'updateCoupon', summary: "Update a coupon's name, redemption cap, validity window or metadata.", tags, params: IdAsCodeParams, body: C.CouponPatch, response: { 200: C.Coupon, ...S.errorResponses(400, 401, 403, 404) } },
    },
    write(async (tx, request) => couponView(await updateCoupon(tx, scopeOf(request), uuidOf(COUPON, request.params.code), request.body, await worldNow(tx, scopeOf(request), clock)))),
  );

  api.delete(
    '/coupons/:code',
    {
      config: { scope: 'billing:write' },
      schema: { operationId: 'deleteCoupon', summary: 'Delete a coupon; subscriptions that redeemed it keep their discount.', tags, params: IdAsCodeParams, response: { 204: Type.Null({ description: 'Deleted.' }), ...S.errorResponses(401, 403, 404) } },
    },
    write(async (tx, request, reply) => {
      await deleteCoupon(tx, scopeOf(request), uuidOf(COUPON, request.params.code), await worldNow(tx, scopeOf(request), clock));
      reply.code(204);
      return null;
    }),
  );

  api.post(
    '/coupons/:code/redeem',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'redeemCoupon',
        summary: "Apply a coupon to a subscription: each of its invoices gets the discount. Checks the window and the cap atomically.",
        tags,
        params: CodeParams,
        body: C.Redeem,
        response: { 200: C.Redemption, ...S.errorResponses(400, 401, 403, 404, 409) },
      },
    },
    write(async (tx, request) => {
      const given = request.body.subscription_id;
      if (!given) throw billingError('invalid_input', 'subscription_id is required', 'subscription_id');
      const scope = scopeOf(request);
      return redemptionView(await redeemCoupon(tx, scope, request.params.code, uuidOf(PREFIX.subscription, given), tenantOf(request), await worldNow(tx, scope, clock)));
    }),
  );
}
