import { Type, type TObject, type TProperties, type TSchema } from 'typebox';

/*
 * LedgerBee's wire conventions as schema pieces: camelCase DTOs (named `…Dto`, which the
 * OpenAPI document lists under components), uuid ids, request bodies that refuse unknown
 * fields, `{<items>, total, page, limit, totalPages}` pages and the error body.
 */

export const Uuid = Type.String({ format: 'uuid', examples: ['550e8400-e29b-41d4-a716-446655440000'] });
export const Day = Type.String({ format: 'date', description: 'A date, YYYY-MM-DD.', examples: ['2026-01-31'] });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const IdParams = Type.Object({ id: Uuid });

/** One of a set of strings (an enum in the document; its type is the union). */
export const OneOf = <const V extends string>(values: readonly V[], options: { description?: string } = {}) => Type.Unsafe<V>({ type: 'string', enum: [...values], ...options });

/** A DTO of the document: its title is its component name. */
export const Dto = <P extends TProperties>(name: `${string}Dto`, properties: P, description?: string) =>
  Type.Object(properties, { title: name, ...(description ? { description } : {}) });

/** A request body DTO: unknown fields are refused (`whitelistValidation`). */
export const BodyDto = <P extends TProperties>(name: `${string}Dto`, properties: P, description?: string) =>
  Type.Object(properties, { title: name, additionalProperties: false, ...(description ? { description } : {}) });

/** Integer minor units (øre for DKK): signed, within JSON's exact integers. */
export const MinorUnits = (description: string) => Type.Integer({ minimum: -(10 ** 15), maximum: 10 ** 15, description });

export const ErrorDto = Type.Object(
  {
    statusCode: Type.Integer(),
    timestamp: Timestamp,
    path: Type.String(),
    message: Type.String(),
    code: Type.String({ description: 'Machine-readable code: SHARED_VALIDATION_FAILED, UNAUTHORIZED, INSUFFICIENT_PERMISSIONS, LICENSE.REQUIRED, …_NOT_FOUND, …' }),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Validation: `validationErrors: [{property, constraints}]` (`property` is a path like `lines.2.amount`); 403: `requiredScopes` or `licenseKey`; 401: `reason` when one is known.',
    }),
    error: Type.Optional(Type.String({ description: 'On paths shared with Ledgy (`/api/v1/accounts`): the message again, for Ledgy clients.' })),
  },
  { title: 'ErrorResponseDto', description: 'The error body.' },
);

/** Error answers of a route, by status. */
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ...ErrorDto, description: `Error (${s})` }]));

/** `page` (from 1) and `limit` (1–100, default 20). */
export const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Page number, from 1.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page (1–100, default 20).' })),
};

export interface PageRequest {
  page: number;
  limit: number;
}

/** The page a query asks for (defaults filled in). */
export const pageOf = (query: { page?: number; limit?: number }): PageRequest => ({ page: query.page ?? 1, limit: query.limit ?? 20 });

/** `{<key>: items, total, page, limit, totalPages}`. */
export const PageOf = <K extends string, T extends TSchema>(name: `${string}Dto`, key: K, item: T) =>
  Type.Object(
    {
      ...({ [key]: Type.Array(item) } as { [k in K]: ReturnType<typeof Type.Array<T>> }),
      total: Type.Integer({ minimum: 0 }),
      page: Type.Integer({ minimum: 1 }),
      limit: Type.Integer({ minimum: 1 }),
      totalPages: Type.Integer({ minimum: 0 }),
    } as TProperties,
    { title: name },
  ) as TObject;

/** A page of items as the product answers it. */
export function paged<K extends string, T>(key: K, items: T[], total: number, page: PageRequest): Record<K, T[]> & { total: number; page: number; limit: number; totalPages: number } {
  return { [key]: items, total, page: page.page, limit: page.limit, totalPages: Math.ceil(total / page.limit) } as any;
}
