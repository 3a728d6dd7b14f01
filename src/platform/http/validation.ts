import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { isDateTime, isDay } from '../dates.ts';

/** The shared Ajv setup: formats, with dates limited to years 0001–9999 (see platform/dates.ts). */
function newAjv(coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, removeAdditional: false, coerceTypes });
  ((addFormats as any).default ?? addFormats)(ajv);
  ajv.addFormat('date', isDay);
  ajv.addFormat('date-time', isDateTime);
  return ajv;
}

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
