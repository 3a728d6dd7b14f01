import type { Queryable } from '../platform/db.ts';
import { couponsOfSubscriptions } from './coupon-store.ts';
import type { Discount } from './invoice-build.ts';
import type { BillingScope } from './scope.ts';

/**
 * The discounts each subscription's next invoice takes: its redeemed coupons (decision 0022:
 * a coupon discounts every invoice of its subscription), oldest redemption first, read in the
 * invoice's transaction with one query for all. The invoice builder turns each into a
 * "Discount <CODE>" line (percentages on the pre-discount subtotal, amounts capped at what is
 * left). Amount coupons were checked against the subscription's currency when redeemed.
 */
export async function discountsFor(tx: Queryable, scope: BillingScope, subscriptionIds: readonly string[]): Promise<Map<string, Discount[]>> {
  const coupons = await couponsOfSubscriptions(tx, scope, subscriptionIds);
  return new Map(
    [...coupons].map(([id, list]) => [id, list.map((c): Discount => (c.type === 'percentage' ? { code: c.code, percentOff: c.percentage ?? 0 } : { code: c.code, amountOff: c.amount ?? 0n }))]),
  );
}
