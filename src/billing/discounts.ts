import type { Queryable } from '../platform/db.ts';
import type { Discount } from './invoice-build.ts';
import type { BillingScope } from './scope.ts';

/**
 * The seam coupons plug into: the discounts each subscription's next invoice takes, oldest
 * redemption first, read in the invoice's transaction. The invoice builder turns each into a
 * "Discount <CODE>" line (percentages on the pre-discount subtotal, amounts capped at what is
 * left). Until coupons exist there are none; the coupons module replaces this body with its
 * own read (and may record the use of a once-only coupon in the same transaction).
 */
export async function discountsFor(_tx: Queryable, _scope: BillingScope, subscriptionIds: readonly string[]): Promise<Map<string, Discount[]>> {
  return new Map(subscriptionIds.map((id) => [id, []]));
}
