import { Type, type TSchema } from 'typebox';
import { Id, Metadata, Money } from './schemas.ts';

/** Coupons' request and answer shapes (types only: values are checked by src/billing/coupons.ts in the notes' order). */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const MaxRedemptions = Type.Integer({ description: 'How many times the coupon may be redeemed; 0 or less means unlimited.' });

export const NewCoupon = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 64, description: 'Letters, digits, "-", "_" and "."; unique in the app.' })),
    name: Type.Optional(Type.String({ maxLength: 200, description: 'Defaults to the code.' })),
    type: Type.Optional(Type.String({ description: 'percentage or amount' })),
    percentage: Type.Optional(Type.Integer({ description: 'For percentage coupons: 0 to 100.' })),
    amount: Type.Optional(
      Type.Object({ amount: Type.Optional(Type.Integer({ description: 'Minor units.' })), currency: Type.Optional(Type.String({ maxLength: 3 })) }, { description: 'For amount coupons: the amount off.' }),
    ),
    currency: Type.Optional(Type.String({ maxLength: 3, description: 'Required for amount coupons (or amount.currency).' })),
    max_redemptions: Type.Optional(MaxRedemptions),
    valid_from: Type.Optional(Nullable(Time)),
    valid_until: Type.Optional(Nullable(Time)),
    metadata: Type.Optional(Metadata),
  },
  { description: 'code and type are required.' },
);

export const CouponPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    max_redemptions: Type.Optional(MaxRedemptions),
    valid_from: Type.Optional(Nullable(Time)),
    valid_until: Type.Optional(Nullable(Time)),
    metadata: Type.Optional(Metadata),
  },
  { description: 'Only name, max_redemptions, the validity window and metadata can change; only the fields given do.' },
);

export const Coupon = Type.Object({
  id: Id('cpn'),
  code: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('percentage'), Type.Literal('amount')]),
  percentage: Nullable(Type.Integer()),
  amount: Nullable(Money),
  currency: Nullable(Type.String()),
  max_redemptions: Type.Integer(),
  times_redeemed: Type.Integer(),
  valid_from: Nullable(Time),
  valid_until: Nullable(Time),
  app_id: Type.String(),
  metadata: Metadata,
  created_at: Time,
  updated_at: Time,
});

export const Redeem = Type.Object({ subscription_id: Type.Optional(Type.String({ maxLength: 64 })) }, { description: 'subscription_id is required.' });

export const Redemption = Type.Object({
  coupon_id: Id('cpn'),
  code: Type.String(),
  discount_type: Type.Union([Type.Literal('percentage'), Type.Literal('amount')]),
  discount_value: Type.Unsafe<bigint>(Type.Integer({ description: 'The percentage, or the amount off in minor units.' })),
  subscription_id: Id('sub'),
  applied_at: Time,
});
