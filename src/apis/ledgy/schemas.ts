import { Type, type TSchema } from 'typebox';
import type { LosslessNumber } from 'lossless-json';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Timestamp = Type.String({ description: 'ISO-8601 UTC to the second, e.g. 2026-05-13T10:30:00Z' });
/**
 * A JSON number written from its exact text: the views hold a LosslessNumber, which the
 * surface's serialiser writes digit for digit (json.ts); requests are validated as numbers.
 */
export const ExactNumber = (options: { description?: string; exclusiveMinimum?: number } = {}) => Type.Unsafe<number | LosslessNumber>(Type.Number(options));
export const Money = ExactNumber({ description: 'Major units, up to 4 decimals, read and written exactly.' });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO-4217' });
export const DateTime = Type.String({ anyOf: [{ format: 'date-time' }, { format: 'date' }], description: 'ISO-8601' });
export const Id = Type.String({ minLength: 1, maxLength: 64 });
export const IdParams = Type.Object({ id: Id });
export const ErrorBody = Type.Object({ error: Type.String() });
export const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, { ...ErrorBody, description: `Error (${s})` }]));
export const ListOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), totalCount: Type.Integer() });
