import { invalid } from '../platform/errors.ts';

/** An exact fraction; percentages and rates from JSON become these, never floats in money math. */
export interface Rational {
  num: bigint;
  den: bigint;
}

export const ZERO: Rational = { num: 0n, den: 1n };

/** A JSON number as the exact decimal it was written as (`0.1` is 1/10, not 0.1000000000000000055…). */
export function rationalFromNumber(value: number, field: string): Rational {
  if (!Number.isFinite(value)) throw invalid(field, `${field} must be a finite number`);
  const text = String(value);
  const match = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw invalid(field, `${field} must be a number`);
  const [, sign, whole, fraction = '', exp = '0'] = match;
  let num = BigInt(whole + fraction) * (sign ? -1n : 1n);
  let den = 10n ** BigInt(fraction.length);
  const e = Number(exp);
  if (e > 0) num *= 10n ** BigInt(e);
  else if (e < 0) den *= 10n ** BigInt(-e);
  return { num, den };
}

export const add = (a: Rational, b: Rational): Rational => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
export const sub = (a: Rational, b: Rational): Rational => add(a, { num: -b.num, den: b.den });
export const mul = (a: Rational, b: Rational): Rational => ({ num: a.num * b.num, den: a.den * b.den });
export const int = (n: bigint): Rational => ({ num: n, den: 1n });

/** Rounds a/b to the nearest integer, halves away from zero. */
export function roundDiv(a: bigint, b: bigint): bigint {
  if (b < 0n) return roundDiv(-a, -b);
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** units × fraction, rounded to a whole unit. */
export const scale = (units: bigint, f: Rational): bigint => roundDiv(units * f.num, f.den);

/** a / b to two decimals as a JSON number (a ratio such as runway months, not money). */
export function ratio2(a: bigint, b: bigint): number {
  return Number(roundDiv(a * 100n, b)) / 100;
}

/** The rational back as a JSON number, for echoing assumptions. */
export const toNumber = (r: Rational): number => Number(r.num) / Number(r.den);
