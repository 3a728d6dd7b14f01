import { parse, stringify } from 'lossless-json';

/**
 * JSON with exact integers: bigints are written digit for digit (JSON.stringify refuses
 * them, and Number() rounds past 2^53), and integers are read back as bigints. Other
 * numbers (ratios such as runway months, percentages) stay JS numbers.
 */
export const stringifyExact = (value: unknown): string => stringify(value) ?? '';

export function parseExact(text: string): any {
  return parse(text, null, (digits) => (/^-?\d+$/.test(digits) ? BigInt(digits) : Number(digits)));
}
