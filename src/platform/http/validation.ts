import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Bodies are validated strictly (a string is never coerced into a number or back: wrong
 * types are errors); query strings and path parameters arrive as text, so they are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<any> {
  const base = { allErrors: false, strict: false, useDefaults: true, removeAdditional: false } as const;
  const strictAjv = new Ajv({ ...base, coerceTypes: false });
  const coercingAjv = new Ajv({ ...base, coerceTypes: 'array' });
  for (const ajv of [strictAjv, coercingAjv]) (addFormats as any).default ? (addFormats as any).default(ajv) : (addFormats as any)(ajv);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object);
}

const rowAjv = new Ajv({ allErrors: false, strict: false, useDefaults: true, removeAdditional: false, coerceTypes: false });
((addFormats as any).default ?? addFormats)(rowAjv);

/**
 * A validator for one item of a best-effort bulk call: each row is checked on its own and
 * its first problem reported, instead of refusing the whole request.
 */
export function rowValidator(schema: object): (value: unknown) => { instancePath: string; keyword: string; message?: string; params: Record<string, any> }[] | null {
  const validate = rowAjv.compile(schema);
  return (value) => (validate(value) ? null : (validate.errors as any[]));
}
