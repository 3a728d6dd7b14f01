import { invalid } from './errors.ts';
import { minorUnit } from './currencies.ts';

export const BIGINT_MAX = (1n << 63n) - 1n;
export const BIGINT_MIN = -(1n << 63n);

/** An asset: an ISO 4217 currency at a scale, written `USD/2`. */
export interface Asset {
  currency: string;
  scale: number;
}

/** The ISO 4217 minor-unit exponent (USD 2, JPY 0, BHD 3, CLF 4, XAU 0), or null for an unknown code. */
export function currencyExponent(currency: string): number | null {
  return /^[A-Z]{3}$/.test(currency) ? minorUnit(currency) : null;
}

export function assetCode(asset: Asset): string {
  return `${asset.currency}/${asset.scale}`;
}

/** Parses `USD`, `USD/2` or `EUR/4`; the default scale is the currency's exponent. */
export function parseAsset(text: unknown, field: string): Asset {
  if (typeof text !== 'string') throw invalid(field, `${field} must be a currency code like "USD" or "USD/2"`);
  const match = /^([A-Z]{3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!match) throw invalid(field, `${field} must be a currency code like "USD" or "USD/2", got "${text}"`);
  const exponent = currencyExponent(match[1]);
  if (exponent === null) throw invalid(field, `${field}: unknown currency "${match[1]}"`);
  const scale = match[2] === undefined ? exponent : Number(match[2]);
  if (scale > 18) throw invalid(field, `${field}: scale must be at most 18`);
  return { currency: match[1], scale };
}

/**
 * Parses an exact decimal (`"12.50"`, `"-3"`) into integer units of `scale`, never through a
 * float. More decimals than the scale, or a value beyond a signed 64-bit integer, is refused.
 */
export function parseDecimal(text: unknown, scale: number, field: string): bigint {
  if (typeof text !== 'string') throw invalid(field, `${field} must be a decimal string like "12.50"`);
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw invalid(field, `${field} must be a decimal string like "12.50", got "${text.slice(0, 40)}"`);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) {
    throw invalid(field, `${field} has more than ${scale} decimal places`);
  }
  const units = BigInt(match[2] + fraction.padEnd(scale, '0')) * (match[1] ? -1n : 1n);
  if (units > BIGINT_MAX || units < BIGINT_MIN) throw invalid(field, `${field} is too large`);
  return units;
}

/** Integer units of `scale` as an exact decimal string: 1250n at scale 2 is "12.50". */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = scale === 0 ? digits : digits.slice(0, -scale);
  const text = scale === 0 ? whole : `${whole}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** A positive exact rate as a fraction (numerator, denominator). */
export function parseRate(text: unknown, field: string): { num: bigint; den: bigint } {
  if (typeof text !== 'string' || !/^\d+(\.\d{1,18})?$/.test(text)) {
    throw invalid(field, `${field} must be a positive decimal string like "1.085"`);
  }
  const [whole, fraction = ''] = text.split('.');
  const num = BigInt(whole + fraction);
  if (num === 0n) throw invalid(field, `${field} must be greater than zero`);
  return { num, den: 10n ** BigInt(fraction.length) };
}
