import { Type, type Static, type TSchema } from 'typebox';
import { operations } from '../../platform/http/operations.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Cents = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A positive whole number of cents.' });
/**
 * Cents in an answer: a JSON integer in the document, held as a bigint in the views (the
 * surface's exact serializer writes it digit for digit, past 2^53 too).
 */
export const CentsOut = Type.Unsafe<bigint>(Type.Integer());
export const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const DayOrTime = Type.String({ anyOf: [{ format: 'date' }, { format: 'date-time' }], description: 'YYYY-MM-DD or an RFC 3339 time' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
export const AsOfQuery = Type.Object({ as_of: Type.Optional(Day) });
export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{26}$` });
export const IdParams = Type.Object({ id: Id('ws') });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  starting_after: Type.Optional(Type.String({ maxLength: 64 })),
};
export const ListOf = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), has_more: Type.Boolean() });

export const ErrorBody = Type.Object({
  error: Type.Object({
    type: Type.Union(
      ['invalid_request', 'authentication_error', 'not_found', 'conflict', 'upstream_error', 'api_error'].map((t) => Type.Literal(t)),
    ),
    code: Type.String(),
    message: Type.String(),
    param: Nullable(Type.String()),
    request_id: Type.String(),
  }),
});

/**
 * The route options of MyCFO's operations tagged `tag`: a session JWT (the `bearer` scheme),
 * no scope (sessions are not scope-limited), for reads and writes alike.
 */
export const mycfoOperations = (tag: string) => operations({ security: [{ bearer: [] }], tags: [tag] });

export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ...ErrorBody, description: `Error (${s})` }]));

export const Workspace = Type.Object({
  id: Id('ws'),
  org_id: Id('org'),
  name: Type.String(),
  currency: Type.String(),
  cash_on_hand_cents: Nullable(CentsOut),
  created_at: Type.String(),
});

export const Assumptions = Type.Object(
  {
    mrr_growth_pct: Type.Optional(Type.Number({ minimum: -100, maximum: 1000, description: 'Monthly MRR growth, percent (6 = 6 %).' })),
    monthly_logo_churn_pct: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    gross_margin_pct: Type.Optional(Type.Number({ minimum: -1000, maximum: 100 })),
  },
  { additionalProperties: false },
);

const SeriesSchema = Type.Object({
  mrr_cents: Type.Array(CentsOut),
  cash_cents: Type.Array(Nullable(CentsOut)),
  runway_months: Type.Array(Nullable(Type.Number())),
});
export const Series = SeriesSchema;

export const Warning = Type.Object({ code: Type.String(), message: Type.String() });

const DeltaBranches = [
  Type.Object({ type: Type.Literal('price_change'), pct: Type.Number({ minimum: -1, maximum: 10, description: 'A fraction: 0.10 = +10 %.' }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('churn_change'), delta_pp: Type.Number({ minimum: -100, maximum: 100 }) }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('hire'), monthly_cost_cents: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), start_month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }) },
    { additionalProperties: false },
  ),
];
/** A union tagged by `type`: validation picks the branch by its tag and names that branch's field. */
export const Delta = Type.Unsafe<Static<(typeof DeltaBranches)[number]>>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: DeltaBranches,
} as any);

export const Impact = Type.Object({ final_cash_delta_cents: Nullable(CentsOut), final_mrr_cents: CentsOut });

export const Alert = Type.Object({
  id: Id('al'),
  type: Type.String(),
  severity: Type.Union([Type.Literal('warn'), Type.Literal('critical')]),
  message: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  workspace_id: Id('ws'),
  org_id: Id('org'),
  created_at: Type.String(),
});

export const Metrics = Type.Object({
  as_of: Type.String(),
  currency: Type.String(),
  gross_revenue_cents_30d: CentsOut,
  refunds_cents_30d: CentsOut,
  net_revenue_cents_30d: CentsOut,
  mrr_cents: CentsOut,
  arr_cents: CentsOut,
  burn_cents_30d: CentsOut,
  recurring_burn_cents_30d: CentsOut,
  one_time_expenses_cents_30d: CentsOut,
  cash_on_hand_cents: Nullable(CentsOut),
  runway_months: Nullable(Type.Number()),
  warnings: Type.Array(Warning),
});

export const IngestResult = Type.Object({ ingest_id: Id('ing'), status: Type.Literal('completed'), inserted: Type.Integer(), duplicates: Type.Integer() });
