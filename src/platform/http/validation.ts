import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isDateTime, isDay } from '../dates.ts';

/**
 * The shared Ajv setup: formats, with dates limited to years 0001–9999 (platform/dates.ts);
 * `discriminator` so a tagged union (`{ type: … }`) reports the field of the branch its tag
 * picks, not the first branch's; and `notBlank` for names, which must hold more than spaces.
 */
function newAjv(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, removeAdditional: false, coerceTypes, discriminator: true });
  ((addFormats as any).default ?? addFormats)(ajv);
  ajv.addFormat('date', isDay);
  ajv.addFormat('date-time', isDateTime);
  ajv.addKeyword({ keyword: 'notBlank', type: 'string', schemaType: 'boolean', errors: false, validate: (on: boolean, data: string) => !on || /\S/.test(data) });
  return ajv;
}

/** Schema options for a name: at least one character that is not whitespace. */
export const NAME = { minLength: 1, notBlank: true } as const;

/**
 * Bodies are validated strictly (a string is never coerced into a number or back: wrong
 * types are errors); query strings and path parameters arrive as text, so they are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<any> {
  const strictAjv = newAjv(false);
  const coercingAjv = newAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object);
}

const rowAjv = newAjv(false);

/**
 * A validator for one item of a best-effort bulk call: each row is checked on its own and
 * its first problem reported, instead of refusing the whole request.
 */
export function rowValidator(schema: object): (value: unknown) => { instancePath: string; keyword: string; message?: string; params: Record<string, any> }[] | null {
  const validate = rowAjv.compile(schema);
  return (value) => (validate(value) ? null : (validate.errors as any[]));
}
