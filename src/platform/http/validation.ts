import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { isDateTime, isDay } from '../dates.ts';
import { DomainError } from '../errors.ts';
import { fromValidation, pointerToField } from './errors.ts';

/**
 * The shared Ajv setup: formats, with dates limited to years 0001–9999 (platform/dates.ts);
 * `discriminator` so a tagged union (`{ type: … }`) reports the field of the branch its tag
 * picks, not the first branch's; and `notBlank` for names, which must hold more than spaces.
 */
function newAjv(coerceTypes: false | 'array', verbose = false): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, removeAdditional: false, coerceTypes, discriminator: true, verbose });
  ((addFormats as any).default ?? addFormats)(ajv);
  ajv.addFormat('date', isDay);
  ajv.addFormat('date-time', isDateTime);
  ajv.addKeyword({ keyword: 'notBlank', type: 'string', schemaType: 'boolean', errors: false, validate: (on: boolean, data: string) => !on || /\S/.test(data) });
  return ajv;
}

/** Schema options for a name: at least one character that is not whitespace. */
export const NAME = { minLength: 1, notBlank: true } as const;

/**
 * Schemas compiled on first use instead of when they are declared: the app has hundreds of
 * route schemas (validators and serializers) and a process (a test file, a CLI command) uses a
 * few, so compiling all of them at start-up cost more than a second of CPU. A server compiles
 * the rest after it listens (`compilePending`), so a schema that does not compile still shows
 * at start.
 */
export class DeferredCompiles {
  private readonly pending = new Set<() => unknown>();

  /** `compile`, run once, the first time the returned function is called. */
  defer<T>(compile: () => T): () => T {
    let compiled: { value: T } | null = null;
    const now = () => {
      if (!compiled) {
        compiled = { value: compile() };
        this.pending.delete(now);
      }
      return compiled.value;
    };
    this.pending.add(now);
    return now;
  }

  /**
   * Compiles everything not yet used, one schema at a time between other work (a request
   * waits for one compile, a few milliseconds, not a batch); rejects on a bad schema.
   */
  async compilePending(): Promise<number> {
    let count = 0;
    for (const now of [...this.pending]) {
      await new Promise((resolve) => setImmediate(resolve));
      now();
      count += 1;
    }
    return count;
  }
}

/** What module-level validators (rowValidator, compileInput) put off; a server drains it with its own. */
export const moduleCompiles = new DeferredCompiles();

/**
 * Fastify's validator compiler, deferring each route's validator to its first use. Bodies
 * are validated strictly (a string is never coerced into a number or back: wrong types are
 * errors); query strings and path parameters arrive as text, so they are coerced.
 */
export function validatorCompiler(deferred: DeferredCompiles): FastifySchemaCompiler<any> {
  const strictAjv = newAjv(false);
  const coercingAjv = newAjv('array');
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
    const compiled = deferred.defer(() => ajv.compile(schema as object));
    // Fastify reads `errors` off the function it was given: each call copies the compiled one's.
    const validate = ((data: unknown) => {
      const real = compiled();
      const valid = real(data);
      validate.errors = real.errors;
      return valid;
    }) as ValidateFunction;
    return validate;
  };
}

const rowAjv = newAjv(false);

/**
 * A validator for one item of a best-effort bulk call: each row is checked on its own and
 * its first problem reported, instead of refusing the whole request.
 */
export function rowValidator(schema: object): (value: unknown) => { instancePath: string; keyword: string; message?: string; params: Record<string, any> }[] | null {
  const compiled = deferredPerSchema(rowValidators, schema, () => rowAjv.compile(schema));
  return (value) => {
    const validate = compiled();
    return validate(value) ? null : (validate.errors as any[]);
  };
}

const rowValidators = new WeakMap<object, () => ValidateFunction>();

/** One deferred compile per schema object and Ajv, however many apps ask. */
function deferredPerSchema(cache: WeakMap<object, () => ValidateFunction>, schema: object, compile: () => ValidateFunction): () => ValidateFunction {
  let compiled = cache.get(schema);
  if (!compiled) {
    compiled = moduleCompiles.defer(compile);
    cache.set(schema, compiled);
  }
  return compiled;
}

const inputAjv = newAjv(false, true);
const inputValidators = new WeakMap<object, () => ValidateFunction>();

type InputIssue = { instancePath: string; keyword: string; message?: string; params: Record<string, any>; parentSchema?: { errorMessage?: unknown; anyOf?: { const?: unknown }[] }; data?: unknown };

/**
 * The wording a schema gives for its own refusals: `errorMessage`, one text or one per
 * keyword; else, for a choice of constants (a union of literals), the values it takes.
 */
function ownWording(issues: InputIssue[]): { issue: InputIssue; text: string } | null {
  for (const issue of issues) {
    const own = issue.parentSchema?.errorMessage;
    const text = typeof own === 'string' ? own : own && typeof own === 'object' ? (own as Record<string, unknown>)[issue.keyword] : undefined;
    if (typeof text === 'string') return { issue, text };
  }
  const choice = issues.find((i) => i.keyword === 'anyOf' && i.parentSchema?.anyOf?.every((branch) => 'const' in branch));
  if (choice) return { issue: choice, text: `must be one of ${choice.parentSchema!.anyOf!.map((branch) => JSON.stringify(branch.const)).join(', ')}` };
  return null;
}

export interface InputOptions {
  /** Shows the refused value after a schema's own wording (`…, got "x"`). */
  echo?: (value: unknown) => string;
}

/**
 * A validator for input that reaches no Fastify route (MCP tool arguments, operator input):
 * the set-up of request bodies (strict types, defaults filled in, which changes the value
 * given), and a refusal as the validation error a route would give, naming the field —
 * `date is required`, `payee must NOT have more than 200 characters` — or in the schema's own
 * words where it has them (`errorMessage`: `{ …, errorMessage: 'must be live or sandbox' }`
 * → `mode must be live or sandbox`; or `{ maxLength: '…' }`, one per keyword).
 */
export function compileInput<T extends TSchema>(schema: T, options: InputOptions = {}): (value: unknown) => Static<T> {
  const compiled = deferredPerSchema(inputValidators, schema, () => inputAjv.compile(schema));
  return (value) => {
    const validate = compiled();
    if (validate(value)) return value as Static<T>;
    const issues = validate.errors as InputIssue[];
    const own = ownWording(issues);
    if (!own) {
      const { message, field } = fromValidation(issues, 'body');
      throw new DomainError('validation', message, field);
    }
    const field = pointerToField(own.issue.instancePath);
    const echo = options.echo ? `, got ${options.echo(own.issue.data)}` : '';
    throw new DomainError('validation', `${field || 'the request body'} ${own.text}${echo}`, field || undefined);
  };
}
