import { invalid } from '../platform/errors.ts';
import { currencyExponent } from '../platform/money.ts';
import { LEDGY_SCALE } from './deps.ts';

/**
 * The largest Ledgy amount, 99,999,999,999.9999, in units of 1/10,000. Far below the int8
 * range on purpose: a ledger account (an account, or a user's income or expense account per
 * currency) sums many rows, and 9,223 rows at this maximum still fit in one balance.
 */
export const MAX_LEDGY_UNITS = 999_999_999_999_999n;

/** Refuses an amount whose size is beyond MAX_LEDGY_UNITS (either sign), naming the field. */
export function checkBound(units: bigint, field: string): bigint {
  if (units > MAX_LEDGY_UNITS || units < -MAX_LEDGY_UNITS) throw invalid(field, `${field} must be at most 99999999999.9999 in size`);
  return units;
}

export interface Conversion {
  exchangeRate: string | null;
  convertedAmount: bigint | null;
}

const isOne = (rate: string) => /^0*1(\.0*)?$/.test(rate);

/**
 * The conversion figures a row stores, checked against its amount, so what is stored is the
 * money that moved:
 *   - within one currency nothing is converted: a rate must be 1 and a converted amount must
 *     equal the amount (or be omitted); neither is stored;
 *   - across currencies, with both figures, `exchangeRate × amount` must match
 *     `convertedAmount` up to the rounding of what was given: half a unit of the rate's last
 *     decimal (counted at 4 decimals at least) times the amount, plus half a minor unit of
 *     the target currency (half a Ledgy unit, 0.00005, for currencies with 4 or more
 *     decimals). `33.33 × 1.0851 = 36.166383` sent as USD 36.17 is accepted; `100 × 1.1`
 *     sent as 500 is refused, naming convertedAmount;
 *   - with the rate alone, the converted amount is `rate × amount` rounded half up to Ledgy's
 *     4 decimals.
 */
export function settleConversion(input: { amount: bigint; fromCurrency: string; toCurrency: string } & Partial<Conversion>): Conversion {
  const rate = input.exchangeRate ?? null;
  const converted = input.convertedAmount ?? null;
  if (input.fromCurrency === input.toCurrency) {
    if (rate !== null && !isOne(rate)) throw invalid('exchangeRate', 'exchangeRate must be 1 (or omitted) when nothing changes currency');
    if (converted !== null && converted !== input.amount) {
      throw invalid('convertedAmount', 'convertedAmount must equal amount (or be omitted) when nothing changes currency');
    }
    return { exchangeRate: null, convertedAmount: null };
  }
  if (rate === null) return { exchangeRate: null, convertedAmount: converted };
  const [whole, fraction = ''] = rate.split('.');
  const digits = Math.max(fraction.length, LEDGY_SCALE);
  const r = BigInt(whole + fraction.padEnd(digits, '0')); // rate × 10^digits
  const pow = 10n ** BigInt(digits);
  if (converted === null) {
    const units = (input.amount * r * 2n + pow) / (2n * pow);
    return { exchangeRate: rate, convertedAmount: checkBound(units, 'convertedAmount') };
  }
  const exponent = Math.min(currencyExponent(input.toCurrency) ?? 2, LEDGY_SCALE);
  const minorUnit = 10n ** BigInt(LEDGY_SCALE - exponent);
  // Both sides doubled and scaled by 10^digits, so the halves stay integers.
  const gap = 2n * converted * pow - 2n * input.amount * r;
  const allowed = input.amount + pow * minorUnit;
  if (gap > allowed || -gap > allowed) {
    throw invalid('convertedAmount', 'convertedAmount must be exchangeRate × amount (up to the rounding of the figures given)');
  }
  return { exchangeRate: rate, convertedAmount: converted };
}
