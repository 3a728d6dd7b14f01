import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingCodeOf, billingError } from './errors.ts';
import { assertFits, assertRedeemable, discountLines, patchCoupon, validateCoupon, type CouponDefinition, type CouponInput, type CouponPatch, type DiscountLine } from './coupons.ts';
import { getPlanById } from './plan-store.ts';
import { getSubscription } from './subscription-store.ts';
import { jsonText, pageOf, violates, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** A stored coupon. */
export interface Coupon extends CouponDefinition {
  id: string;
  orgId: string;
  mode: string;
  timesRedeemed: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Redemption {
  couponId: string;
  code: string;
  type: Coupon['type'];
  /** The percentage, or the amount in minor units. */
  value: bigint;
  subscriptionId: string;
  appliedAt: Date;
}

const toCoupon = (r: any): Coupon => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  code: r.code,
  name: r.name,
  type: r.type,
  percentage: r.percentage,
  amount: r.amount,
  currency: r.currency,
  maxRedemptions: r.max_redemptions,
  timesRedeemed: r.times_redeemed,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  metadata: r.metadata,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const notFound = (what: string, param: string) => billingError('coupon_not_found', `coupon ${what} does not exist`, param);

export async function createCoupon(tx: Queryable, scope: BillingScope, input: CouponInput, now: Date): Promise<Coupon> {
  const c = validateCoupon(input);
  try {
    const rows = await tx.query(
      `INSERT INTO billing_coupons (org_id, mode, id, code, name, type, percentage, amount, currency, max_redemptions, valid_from, valid_until, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING *`,
      [scope.orgId, scope.mode, newId(), c.code, c.name, c.type, c.percentage, c.amount, c.currency, c.maxRedemptions, c.validFrom, c.validUntil, jsonText(c.metadata), now],
    );
    return toCoupon(rows[0]);
  } catch (error) {
    if (violates(error, 'billing_coupons_code')) throw billingError('already_exists', `a coupon with code ${c.code} already exists`, 'code');
    throw error;
  }
}

/** Coupons newest first (ties by id); `activeAt` keeps those whose window holds that instant. */
export async function listCoupons(db: Queryable, scope: BillingScope, activeAt: Date | null, page: PageRequest): Promise<Page<Coupon>> {
  const where = `org_id = $1 AND mode = $2 AND deleted_at IS NULL
    AND ($3::timestamptz IS NULL OR ((valid_from IS NULL OR valid_from <= $3) AND (valid_until IS NULL OR valid_until > $3)))`;
  const params = [scope.orgId, scope.mode, activeAt];
  const rows = await db.query(`SELECT * FROM billing_coupons WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_coupons WHERE ${where}`, params);
  return pageOf(rows.map(toCoupon), n, page);
}

export async function getCouponByCode(db: Queryable, scope: BillingScope, code: string, param = 'code'): Promise<Coupon> {
  const rows = await db.query(`SELECT * FROM billing_coupons WHERE org_id = $1 AND mode = $2 AND code = $3 AND deleted_at IS NULL`, [scope.orgId, scope.mode, code.trim()]);
  if (rows.length === 0) throw notFound(`with code ${code}`, param);
  return toCoupon(rows[0]);
}

/** A coupon by id (null: text that is no coupon id). */
export async function getCouponById(db: Queryable, scope: BillingScope, id: string | null, lock = ''): Promise<Coupon> {
  const rows = id === null ? [] : await db.query(`SELECT * FROM billing_coupons WHERE org_id = $1 AND mode = $2 AND id = $3 AND deleted_at IS NULL ${lock}`, [scope.orgId, scope.mode, id]);
  if (rows.length === 0) throw notFound('with that id', 'id');
  return toCoupon(rows[0]);
}

/** `PUT /ledger/coupons/{id}`: name, max_redemptions, validity and metadata only. */
export async function updateCoupon(tx: Queryable, scope: BillingScope, id: string | null, patch: CouponPatch, now: Date): Promise<Coupon> {
  const current = await getCouponById(tx, scope, id, 'FOR UPDATE');
  const c = patchCoupon(current, patch);
  const rows = await tx.query(
    `UPDATE billing_coupons SET name = $4, max_redemptions = $5, valid_from = $6, valid_until = $7, metadata = $8, updated_at = $9
      WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`,
    [scope.orgId, scope.mode, current.id, c.name, c.maxRedemptions, c.validFrom, c.validUntil, jsonText(c.metadata), now],
  );
  return toCoupon(rows[0]);
}

/**
 * `DELETE /ledger/coupons/{id}`: the coupon can no longer be found or redeemed and its code is
 * free again; subscriptions that redeemed it keep their discount (the row stays, marked).
 */
export async function deleteCoupon(tx: Queryable, scope: BillingScope, id: string | null, now: Date): Promise<void> {
  const current = await getCouponById(tx, scope, id, 'FOR UPDATE');
  await tx.query(`UPDATE billing_coupons SET deleted_at = $4, updated_at = $4 WHERE org_id = $1 AND mode = $2 AND id = $3`, [scope.orgId, scope.mode, current.id, now]);
}

/**
 * `POST /ledger/coupons/{code}/redeem`, refusals in the notes' order: the subscription (404
 * `subscription_not_found`; with a tenant in context only its own), the code (404
 * `coupon_not_found`), not started, expired, the cap (`coupon_exhausted`), the fit
 * (`coupon_invalid`), then the same coupon twice on one subscription (409 `already_exists`).
 *
 * The cap is held by one conditional UPDATE that counts the redemption only while a
 * redemption is left: concurrent redeems queue on the coupon's row and PostgreSQL re-checks
 * the condition on the row each finds, so 100 racing redeems of a coupon with 10 left count
 * exactly 10. A later refusal (fit, duplicate) rolls the count back with the write.
 */
export async function redeemCoupon(tx: Queryable, scope: BillingScope, code: string, subscriptionId: string | null, tenantId: string | null, now: Date): Promise<Redemption> {
  const subscription = await getSubscription(tx, scope, subscriptionId, tenantId).catch((error) => {
    throw billingCodeOf(error) === 'subscription_not_found' ? billingError('subscription_not_found', 'the subscription does not exist', 'subscription_id') : error;
  });
  const coupon = await getCouponByCode(tx, scope, code);
  assertRedeemable(coupon, now);
  const counted = await tx.query(
    `UPDATE billing_coupons SET times_redeemed = times_redeemed + 1
      WHERE org_id = $1 AND mode = $2 AND id = $3 AND deleted_at IS NULL AND (max_redemptions <= 0 OR times_redeemed < max_redemptions) RETURNING id`,
    [scope.orgId, scope.mode, coupon.id],
  );
  if (counted.length === 0) throw billingError('coupon_exhausted', `coupon ${coupon.code} has no redemptions left`, 'code');
  const plan = await getPlanById(tx, scope, subscription.planId);
  assertFits(coupon, { status: subscription.status, currency: plan.currency });
  try {
    await tx.query(`INSERT INTO billing_coupon_redemptions (org_id, mode, id, coupon_id, subscription_id, applied_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      scope.orgId,
      scope.mode,
      newId(),
      coupon.id,
      subscription.id,
      now,
    ]);
  } catch (error) {
    if (violates(error, 'billing_coupon_redemptions_once')) throw billingError('already_exists', `coupon ${coupon.code} is already applied to this subscription`, 'subscription_id');
    throw error;
  }
  return {
    couponId: coupon.id,
    code: coupon.code,
    type: coupon.type,
    value: coupon.type === 'percentage' ? BigInt(coupon.percentage ?? 0) : (coupon.amount ?? 0n),
    subscriptionId: subscription.id,
    appliedAt: now,
  };
}

/** The coupons applied to a subscription, oldest redemption first (deleted coupons included: they were redeemed). */
export async function subscriptionCoupons(db: Queryable, scope: BillingScope, subscriptionId: string): Promise<Coupon[]> {
  const rows = await db.query(
    `SELECT c.* FROM billing_coupon_redemptions r JOIN billing_coupons c ON c.org_id = r.org_id AND c.id = r.coupon_id
      WHERE r.org_id = $1 AND r.mode = $2 AND r.subscription_id = $3 ORDER BY r.applied_at, r.id`,
    [scope.orgId, scope.mode, subscriptionId],
  );
  return rows.map(toCoupon);
}

/**
 * The coupons of many subscriptions at once (one query, for the clock's invoice runs): by
 * subscription id, each list oldest redemption first.
 */
export async function couponsOfSubscriptions(db: Queryable, scope: BillingScope, subscriptionIds: readonly string[]): Promise<Map<string, Coupon[]>> {
  const out = new Map<string, Coupon[]>(subscriptionIds.map((id) => [id, []]));
  if (subscriptionIds.length === 0) return out;
  const rows = await db.query(
    `SELECT r.subscription_id AS redeemed_by, c.* FROM billing_coupon_redemptions r JOIN billing_coupons c ON c.org_id = r.org_id AND c.id = r.coupon_id
      WHERE r.org_id = $1 AND r.mode = $2 AND r.subscription_id = ANY($3::uuid[]) ORDER BY r.applied_at, r.id`,
    [scope.orgId, scope.mode, subscriptionIds],
  );
  for (const row of rows as any[]) out.get(row.redeemed_by)?.push(toCoupon(row));
  return out;
}

/**
 * The seam for invoices: the discount lines the subscription's next invoice gets, given the
 * invoice's pre-discount subtotal (base + overage + seats + proration, minor units of
 * `currency`): one "Discount <CODE>" line (negative) per redeemed coupon, oldest first.
 */
export async function discountLinesForSubscription(db: Queryable, scope: BillingScope, subscriptionId: string, subtotal: bigint, currency: string): Promise<DiscountLine[]> {
  return discountLines(await subscriptionCoupons(db, scope, subscriptionId), subtotal, currency);
}
