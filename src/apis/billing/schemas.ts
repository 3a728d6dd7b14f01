import { Type, type TSchema } from 'typebox';

/*
 * Request schemas check JSON types only: values (required fields, enums, formats) are checked
 * by src/billing in the reference's order, so a client gets the code the reference names
 * (`duplicate_feature` before a bad feature type, `invalid_email` rather than a format error).
 * Unknown fields are ignored, as the library's JSON decoding ignores them.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9a-z]{26}$`, examples: [`${prefix}_01hqx3qfz5ekth2h5y6z6r099x`] });
export const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 1000 }), { maxProperties: 50, description: 'Free-form string pairs.' });
/** Minor units in an answer: a JSON integer in the document, a bigint in the views (written exactly). */
const MinorUnits = Type.Unsafe<bigint>(Type.Integer({ description: 'Integer minor units (cents).' }));
const Limit = Type.Unsafe<bigint>(Type.Integer({ description: '−1 means unlimited.' }));

export const Money = Type.Object(
  { amount: MinorUnits, currency: Type.String({ description: 'Lowercase ISO 4217 code.' }), display: Type.String({ examples: ['$49.99'] }) },
  { description: 'Money: integer minor units, lowercase currency, and a display form.' },
);
const MoneyIn = Type.Object({
  amount: Type.Optional(Type.Integer({ description: 'Integer minor units (cents).' })),
  currency: Type.Optional(Type.String({ maxLength: 3, description: "Defaults to the plan's currency." })),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ description: 'Max results (default 20, at most 100; larger values are clamped).' })),
  offset: Type.Optional(Type.Integer({ description: 'Results to skip (default 0).' })),
};
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    pagination: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), has_more: Type.Boolean() }),
  });

export const ApiError = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Machine-readable error code (snake_case).' }),
      message: Type.String(),
      type: Type.Union([Type.Literal('validation'), Type.Literal('not_found'), Type.Literal('conflict'), Type.Literal('payment'), Type.Literal('provider'), Type.Literal('server')]),
      param: Nullable(Type.String()),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { description: 'The reference error envelope.' },
);
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ...ApiError, description: `Error (${s})` }]));

// Plans.
const FeatureIn = Type.Object({
  key: Type.Optional(Type.String({ maxLength: 100 })),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  type: Type.Optional(Type.String({ description: 'metered, seat or boolean' })),
  limit: Type.Optional(Type.Integer({ description: '−1 means unlimited.' })),
  period: Type.Optional(Type.String({ description: 'monthly, yearly or none' })),
  soft_limit: Type.Optional(Type.Boolean()),
  metadata: Type.Optional(Metadata),
});
const TierIn = Type.Object({
  feature_key: Type.Optional(Type.String({ maxLength: 100 })),
  type: Type.Optional(Type.String({ description: 'graduated, volume or flat' })),
  up_to: Type.Optional(Type.Integer({ description: '−1 for the unbounded tier.' })),
  unit_amount: Type.Optional(MoneyIn),
  flat_amount: Type.Optional(MoneyIn),
});
const PricingIn = Type.Object({
  base_amount: Type.Optional(MoneyIn),
  billing_period: Type.Optional(Type.String({ description: 'monthly, yearly or none' })),
  tiers: Type.Optional(Type.Array(TierIn, { maxItems: 500 })),
});
const planFields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  slug: Type.Optional(Type.String({ maxLength: 100, description: 'Lowercase letters and digits joined by "-" or "_".' })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  currency: Type.Optional(Type.String({ maxLength: 3 })),
  status: Type.Optional(Type.String({ description: 'draft (default), active or archived' })),
  trial_days: Type.Optional(Type.Integer()),
  features: Type.Optional(Type.Array(FeatureIn, { maxItems: 200 })),
  pricing: Type.Optional(Nullable(PricingIn)),
  metadata: Type.Optional(Metadata),
};
export const NewPlan = Type.Object(planFields, { description: 'name, slug and currency are required.' });
export const PlanPatch = Type.Object(planFields, { description: 'Only the fields given change; the currency cannot.' });

const Feature = Type.Object({
  key: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('metered'), Type.Literal('seat'), Type.Literal('boolean')]),
  limit: Limit,
  period: Type.Union([Type.Literal('monthly'), Type.Literal('yearly'), Type.Literal('none')]),
  soft_limit: Type.Boolean(),
  metadata: Metadata,
});
const Tier = Type.Object({
  feature_key: Type.String(),
  type: Type.Union([Type.Literal('graduated'), Type.Literal('volume'), Type.Literal('flat')]),
  up_to: Limit,
  unit_amount: Money,
  flat_amount: Money,
});
export const Plan = Type.Object({
  id: Id('plan'),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('draft'), Type.Literal('active'), Type.Literal('archived')]),
  trial_days: Type.Integer(),
  features: Type.Array(Feature),
  pricing: Nullable(Type.Object({ base_amount: Money, billing_period: Type.String(), tiers: Type.Array(Tier) })),
  app_id: Type.String(),
  metadata: Metadata,
  created_at: Time,
  updated_at: Time,
});

// Customers.
/** A line may be null (as answered for a line never given): null is not given. */
const Address = Type.Object({
  line1: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  line2: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  city: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  state: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  postal_code: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
  country: Type.Optional(Nullable(Type.String({ maxLength: 2, description: 'ISO 3166-1 alpha-2.' }))),
});
/** The address in an answer: all six fields, null where not given. */
const AddressOut = Type.Object({
  line1: Nullable(Type.String()),
  line2: Nullable(Type.String()),
  city: Nullable(Type.String()),
  state: Nullable(Type.String()),
  postal_code: Nullable(Type.String()),
  country: Nullable(Type.String({ description: 'ISO 3166-1 alpha-2.' })),
});
const TaxId = Type.Object({ type: Type.String({ maxLength: 40 }), value: Type.String({ maxLength: 100 }) });
const customerFields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(Type.String({ maxLength: 254 })),
  currency: Type.Optional(Type.String({ maxLength: 3, description: 'Defaults to usd.' })),
  billing_address: Type.Optional(Nullable(Address)),
  tax_ids: Type.Optional(Type.Array(TaxId, { maxItems: 20 })),
  metadata: Type.Optional(Metadata),
};
export const NewCustomer = Type.Object(customerFields, { description: 'name and email are required.' });
export const CustomerPatch = Type.Object(customerFields, { description: 'Only the fields given change.' });
export const Customer = Type.Object({
  id: Id('cst'),
  tenant_id: Type.String(),
  app_id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  currency: Type.String(),
  balance: Money,
  billing_address: Nullable(AddressOut),
  tax_ids: Type.Array(TaxId),
  metadata: Metadata,
  created_at: Time,
  updated_at: Time,
});

// Subscriptions.
const Seats = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Seats held: a seat feature's use (default 0). A plan change must allow them." });
export const SubscriptionStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('trialing'),
  Type.Literal('past_due'),
  Type.Literal('canceled'),
  Type.Literal('expired'),
  Type.Literal('paused'),
]);
export const NewSubscription = Type.Object({
  tenant_id: Type.Optional(Type.String({ maxLength: 255, description: 'Defaults to the X-Tenant-ID tenant; must match it when both are sent.' })),
  plan_id: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.String({ description: "active (no trial) or trialing; by default trialing when the plan has trial days." })),
  seats: Type.Optional(Seats),
  metadata: Type.Optional(Metadata),
});
export const SubscriptionPatch = Type.Object({ metadata: Type.Optional(Metadata), seats: Type.Optional(Seats) });
export const Cancel = Type.Object({ immediately: Type.Optional(Type.Boolean({ default: false })) });
export const Pause = Type.Object({ resume_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))) });
export const ChangePlan = Type.Object({ plan_id: Type.Optional(Type.String({ maxLength: 64 })), prorate: Type.Optional(Type.Boolean({ default: true })) });
export const Subscription = Type.Object({
  id: Id('sub'),
  tenant_id: Type.String(),
  plan_id: Id('plan'),
  status: SubscriptionStatus,
  current_period_start: Time,
  current_period_end: Time,
  billing_anchor_day: Type.Integer({ minimum: 1, maximum: 31, description: 'The day of the month periods end on, clamped to shorter months.' }),
  seats: Type.Unsafe<bigint>(Type.Integer({ minimum: 0 })),
  trial_start: Nullable(Time),
  trial_end: Nullable(Time),
  cancel_at: Nullable(Time),
  canceled_at: Nullable(Time),
  ended_at: Nullable(Time),
  paused_at: Nullable(Time),
  resume_at: Nullable(Time),
  app_id: Type.String(),
  metadata: Metadata,
  created_at: Time,
  updated_at: Time,
});
