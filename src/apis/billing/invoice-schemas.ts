import { Type } from 'typebox';
import { Id, Money } from './schemas.ts';

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const MinorUnits = Type.Unsafe<bigint>(Type.Integer({ description: 'Integer minor units (cents).' }));
const LineMoney = Type.Object({ amount: MinorUnits, currency: Type.String({ description: 'Lowercase ISO 4217 code.' }) });

export const InvoiceStatus = Type.Union([Type.Literal('draft'), Type.Literal('pending'), Type.Literal('paid'), Type.Literal('past_due'), Type.Literal('voided')]);

export const LineItem = Type.Object({
  id: Id('li'),
  description: Type.String(),
  quantity: Type.Unsafe<bigint>(Type.Integer()),
  unit_amount: LineMoney,
  amount: LineMoney,
  type: Type.Union(
    [
      Type.Literal('base'),
      Type.Literal('overage'),
      Type.Literal('seat'),
      Type.Literal('proration'),
      Type.Literal('discount'),
      Type.Literal('tax'),
      Type.Literal('credit'),
    ],
    { description: 'base, overage (per metered feature), seat, proration (plan changes), discount (coupons), tax, credit (customer credit applied at finalisation).' },
  ),
});

export const Invoice = Type.Object({
  id: Id('inv'),
  number: Type.Union([Type.String({ examples: ['INV-2025-0042'] }), Type.Null()], { description: 'INV-{YYYY}-{seq}, given at finalisation; null on a draft.' }),
  tenant_id: Type.String(),
  customer_id: Type.Union([Id('cst'), Type.Null()]),
  subscription_id: Id('sub'),
  status: InvoiceStatus,
  currency: Type.String(),
  subtotal: Money,
  tax_amount: Money,
  discount_amount: Money,
  total: Money,
  credit_applied: Money,
  amount_due: Money,
  tax_rate: Type.String({ description: 'The tax rate applied, a percentage ("19", "8.875").' }),
  line_items: Type.Array(LineItem),
  period_start: Time,
  period_end: Time,
  due_date: Nullable(Time),
  finalized_at: Nullable(Time),
  paid_at: Nullable(Time),
  payment_ref: Nullable(Type.String()),
  voided_at: Nullable(Time),
  void_reason: Nullable(Type.String()),
  app_id: Type.String(),
  created_at: Time,
  updated_at: Time,
});

export const NewInvoice = Type.Object({ subscription_id: Type.Optional(Type.String({ maxLength: 64 })) });
export const VoidBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) });
export const PayBody = Type.Object({
  payment_ref: Type.Optional(Type.String({ maxLength: 255, description: "The payment's reference elsewhere (a bank transfer, a charge id)." })),
  paid_at: Type.Optional(Type.String({ maxLength: 40, description: 'When it was paid (ISO 8601); default now.' })),
});
export const CreditBody = Type.Object({
  amount: Type.Optional(Type.Object({ amount: Type.Optional(Type.Integer()), currency: Type.Optional(Type.String({ maxLength: 3 })) })),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
});
export const CreditAnswer = Type.Object({ customer_id: Id('cst'), balance: Money, credit_applied: Money });

const RateIn = Type.Union([Type.String({ maxLength: 12 }), Type.Number()], { description: 'A percentage, at most 4 decimals: "19", "8.875".' });
export const TaxSettingsBody = Type.Object({
  default_rate: Type.Optional(RateIn),
  rates: Type.Optional(
    Type.Array(
      Type.Object({
        country: Type.Optional(Type.String({ maxLength: 2, description: 'ISO 3166-1 alpha-2, matched against the billing address country.' })),
        rate: Type.Optional(RateIn),
        exempt_with_tax_id: Type.Optional(Type.Boolean({ description: 'No tax for customers with a valid tax id (reverse charge).' })),
      }),
      { maxItems: 300 },
    ),
  ),
});
export const TaxSettings = Type.Object({
  default_rate: Type.String(),
  rates: Type.Array(Type.Object({ country: Type.String(), rate: Type.String(), exempt_with_tax_id: Type.Boolean() })),
  updated_at: Type.Union([Time, Type.Null()]),
});
