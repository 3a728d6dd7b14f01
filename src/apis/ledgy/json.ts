import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LosslessNumber, isLosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { DomainError, invalid } from '../../platform/errors.ts';
import { assertAcceptableInput } from '../../platform/http/input-guard.ts';
import { formatDecimal, parseDecimal } from '../../platform/money.ts';
import { LEDGY_SCALE } from '../../ledgy/deps.ts';
import { checkBound } from '../../ledgy/conversion.ts';

/**
 * Ledgy money crosses the API as JSON numbers in major units with up to 4 decimals. They are
 * read from the number's own text (never through a float) and written back the same way, so
 * `12.5` stays `12.5` and `99999999999.9999` keeps every digit.
 */
const exactBodies = new WeakMap<FastifyRequest, unknown>();

/** Every JSON media type the server takes: `application/json` and any `application/…+json`. */
const JSON_TYPES = /^application\/([\w.+-]+\+)?json(\s*;.*)?$/i;

export function installExactJson(app: FastifyInstance): void {
  // Replaces every inherited parser (the root's `+json` one included), so no JSON body
  // reaches a Ledgy route without its exact twin.
  app.removeAllContentTypeParsers();
  const parse = (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    const text = body as string;
    if (text.trim() === '') return done(Object.assign(new Error('empty JSON body'), { statusCode: 400, code: 'FST_ERR_CTP_EMPTY_JSON_BODY' }), undefined);
    try {
      const value = JSON.parse(text);
      // Refused here, before the exact parse recurses through absurd nesting (the shared
      // input guard would say the same later).
      assertAcceptableInput(value);
      exactBodies.set(request, parseLossless(text));
      done(null, value);
    } catch (error) {
      if (error instanceof DomainError) return done(error, undefined);
      done(Object.assign(new SyntaxError('malformed JSON'), { statusCode: 400 }), undefined);
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parse);
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, parse);
  const serialize = (data: unknown) => stringifyLossless(data) ?? '';
  app.setSerializerCompiler(() => serialize);
  app.setReplySerializer(serialize);
}

/** The request body with numbers as their exact text. */
export function exactBody(request: FastifyRequest): any {
  return exactBodies.get(request);
}

/** `1.5e2` → `150`: JSON allows exponents; the ledger wants a plain decimal. */
function plainDecimal(text: string): string {
  const m = /^(-)?(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text);
  if (!m) return text;
  const [, sign = '', whole, fraction = '', exp] = m;
  const digits = whole + fraction;
  const point = whole.length + Number(exp);
  if (Math.abs(Number(exp)) > 40) return text; // refused below as malformed or too large
  const padded = point <= 0 ? '0'.repeat(1 - point) + digits : digits.padEnd(point, '0');
  const at = Math.max(point, 1);
  const intPart = padded.slice(0, at).replace(/^0+(?=\d)/, '');
  const frac = padded.slice(at);
  return sign + intPart + (frac ? `.${frac}` : '');
}

/** Money from a JSON number's exact text, in units of 1/10,000; a fifth decimal, or a size past the Ledgy bound, is refused. */
export function moneyUnits(value: unknown, field: string): bigint {
  if (!isLosslessNumber(value)) throw invalid(field, `${field} must be a number`);
  return checkBound(parseDecimal(plainDecimal((value as LosslessNumber).value), LEDGY_SCALE, field), field);
}

/** Units of 1/10,000 as a JSON number with no trailing zeros: 125000n → 12.5. */
export function moneyNumber(units: bigint): LosslessNumber {
  const text = formatDecimal(units, LEDGY_SCALE).replace(/\.?0+$/, '');
  return new LosslessNumber(text === '' || text === '-' ? '0' : text);
}

/** An exchange rate as its exact decimal text. */
export function rateText(value: unknown, field: string): string {
  if (!isLosslessNumber(value)) throw invalid(field, `${field} must be a number`);
  const text = plainDecimal((value as LosslessNumber).value);
  if (!/^\d+(\.\d+)?$/.test(text) || /^0+(\.0+)?$/.test(text)) throw invalid(field, `${field} must be greater than 0`);
  return text;
}

export const rateNumber = (text: string | null) => (text === null ? null : new LosslessNumber(text));
