import { Type, type TSchema } from 'typebox';
import { NAME } from '../../platform/http/validation.ts';
import { operations } from '../../platform/http/operations.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{26}$`, examples: [`${prefix}_01JD5Z8Q3R5N6T7V8W9X0Y1Z2A`] });
export const Decimal = Type.String({ pattern: '^\\d{1,30}(\\.\\d{1,30})?$', description: 'An exact decimal in major units, e.g. "12.50".' });
export const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 50 });
export const AssetCode = Type.String({ pattern: '^[A-Z]{3}(/\\d{1,2})?$', description: 'ISO 4217 code, optionally with a scale: "USD", "USD/2", "EUR/4".' });
export const Timestamp = Type.String({
  description: 'An RFC 3339 time, or a date (midnight UTC).',
  anyOf: [{ format: 'date-time' }, { format: 'date' }],
});
export const Day = Type.String({ format: 'date', description: 'A date, e.g. 2026-01-31: the end of that day, UTC.' });

export const IdParams = (prefix: string) => Type.Object({ id: Id(prefix) });
/** A balance or trial balance now, or as of the end of a day. */
export const AsOfQuery = Type.Object({ as_of: Type.Optional(Day) });
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 64 })),
};
export const PageOf = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), next_cursor: Nullable(Type.String()) });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    field: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    request_id: Type.String(),
  },
  { description: 'RFC 9457 problem details' },
);

export const Ledger = Type.Object({
  id: Id('ldg'),
  object: Type.Literal('ledger'),
  name: Type.String(),
  metadata: Nullable(Metadata),
  created_at: Type.String({ format: 'date-time' }),
});
export const NewLedger = Type.Object(
  { name: Type.String({ ...NAME, maxLength: 200 }), metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);

export const AccountType = Type.Union([Type.Literal('asset'), Type.Literal('liability'), Type.Literal('equity'), Type.Literal('income'), Type.Literal('expense')]);
export const Account = Type.Object({
  id: Id('acct'),
  object: Type.Literal('account'),
  ledger_id: Id('ldg'),
  code: Type.String(),
  name: Type.String(),
  type: AccountType,
  asset: Type.String(),
  balance: Type.String({ description: 'Balance on the normal side of the account (debits for assets and expenses).' }),
  no_negative: Type.Boolean(),
  credit_limit: Nullable(Type.String()),
  metadata: Nullable(Metadata),
  created_at: Type.String({ format: 'date-time' }),
});
export const NewAccount = Type.Object(
  {
    ledger_id: Id('ldg'),
    code: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^_]' }),
    name: Type.String({ ...NAME, maxLength: 200 }),
    type: AccountType,
    asset: AssetCode,
    no_negative: Type.Optional(Type.Boolean()),
    credit_limit: Type.Optional(Decimal),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

export const PostingIn = Type.Object(
  { account_id: Type.String({ maxLength: 64 }), side: Type.Union([Type.Literal('debit'), Type.Literal('credit')]), amount: Decimal },
  { additionalProperties: false },
);
export const NewEntry = Type.Object(
  {
    ledger_id: Id('ldg'),
    postings: Type.Array(PostingIn, { minItems: 2, maxItems: 100 }),
    effective_at: Type.Optional(Timestamp),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    rates: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Z]{3}/[A-Z]{3}$' }), Type.String({ pattern: '^\\d{1,20}(\\.\\d{1,18})?$' }), { maxProperties: 1 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export const Entry = Type.Object({
  id: Id('ent'),
  object: Type.Literal('entry'),
  ledger_id: Id('ldg'),
  effective_at: Type.String({ format: 'date-time' }),
  created_at: Type.String({ format: 'date-time' }),
  external_id: Nullable(Type.String()),
  description: Nullable(Type.String()),
  reverses_id: Nullable(Id('ent')),
  rates: Nullable(Type.Record(Type.String(), Type.String())),
  metadata: Nullable(Metadata),
  postings: Type.Array(
    Type.Object({ account_id: Id('acct'), side: Type.Union([Type.Literal('debit'), Type.Literal('credit')]), amount: Type.String(), asset: Type.String() }),
  ),
});
export const NewBatch = Type.Object({ entries: Type.Array(NewEntry, { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });
export const Reversal = Type.Object(
  {
    effective_at: Type.Optional(Timestamp),
    external_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const Balance = Type.Object({
  object: Type.Literal('balance'),
  account_id: Id('acct'),
  asset: Type.String(),
  balance: Type.String(),
  as_of: Nullable(Type.String({ format: 'date' })),
});
export const HistoryLine = Type.Object({
  entry_id: Id('ent'),
  effective_at: Type.String({ format: 'date-time' }),
  created_at: Type.String({ format: 'date-time' }),
  description: Nullable(Type.String()),
  amount: Type.String({ description: 'Signed on the normal side of the account: positive raises its balance.' }),
});
export const TrialBalance = Type.Object({
  object: Type.Literal('trial_balance'),
  as_of: Nullable(Type.String({ format: 'date' })),
  lines: Type.Array(
    Type.Object({ account_id: Id('acct'), code: Type.String(), name: Type.String(), type: AccountType, asset: Type.String(), debit: Type.String(), credit: Type.String() }),
  ),
  totals: Type.Array(Type.Object({ asset: Type.String(), debit: Type.String(), credit: Type.String() })),
});

/** The error answers every route may give, for the OpenAPI document. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...Problem, description: `Problem (${s})` }]));

/**
 * The route options of one native resource's operations (tagged `tag`): every one takes an API
 * key (the document's `apiKey` scheme), with `ledger:read` to read and `ledger:write` to write.
 */
export const nativeOperations = (tag: string) => operations({ read: 'ledger:read', write: 'ledger:write', security: [{ apiKey: [] }], tags: [tag] });
