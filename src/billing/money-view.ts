import { minorUnit } from '../platform/currencies.ts';
import type { Money } from './plans.ts';

/** Money as the reference shows it: `{amount, currency, display}`. */
export interface MoneyView {
  amount: bigint;
  currency: string;
  display: string;
}

/**
 * The reference's symbols; any other currency shows its upper-case code and a space. These
 * are display prefixes only: decimals come from ISO 4217 (`src/platform/currencies.ts`).
 */
const SYMBOLS: Readonly<Record<string, string>> = {
  usd: '$',
  eur: '€',
  gbp: '£',
  jpy: '¥',
  cny: '¥',
  cad: 'C$',
  aud: 'A$',
  nzd: 'NZ$',
  chf: 'CHF ',
  sek: 'kr ',
};

/**
 * `display`: the sign, the symbol, then major units with exactly the currency's ISO minor
 * digits and no thousands separator: USD 4999 → `$49.99`, JPY 100 → `¥100`, USD −10000 →
 * `-$100.00` (the reference's form; the library's `$-100.00` is a bug), BHD 1500 →
 * `BHD 1.500`. An unknown currency is a caller's bug (plans refuse them), so it throws.
 */
export function formatDisplay(amount: bigint, currency: string): string {
  const code = currency.toLowerCase();
  const digits = minorUnit(code.toUpperCase());
  if (digits === null) throw new RangeError(`unknown currency "${currency}"`);
  const negative = amount < 0n;
  const units = (negative ? -amount : amount).toString().padStart(digits + 1, '0');
  const major = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`;
  return `${negative ? '-' : ''}${SYMBOLS[code] ?? `${code.toUpperCase()} `}${major}`;
}

export function moneyView(money: Money): MoneyView {
  const currency = money.currency.toLowerCase();
  return { amount: money.amount, currency, display: formatDisplay(money.amount, currency) };
}
