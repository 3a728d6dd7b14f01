import type { VatCode } from './company-store.ts';

/*
 * VAT on a journal line, in integer minor units. A line's `amount` is signed (debit
 * positive). With a Gross code the amount includes the VAT: vat = amount × rate / (100 % + rate);
 * with a Net code the VAT comes on top: vat = amount × rate / 100 %. Each is rounded to the
 * nearest minor unit, halves away from zero (so a refund's VAT mirrors its sale's exactly).
 */

/** n / d rounded to the nearest integer, halves away from zero (d > 0). */
export function divideRounded(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const q = (2n * abs + d) / (2n * d);
  return negative ? -q : q;
}

export interface VatSplit {
  /** What the line posts on its own account. */
  net: bigint;
  /** The VAT (same sign as the line); 0 for exempt codes. */
  vat: bigint;
  /** Where the VAT posts: `account` gets +vat; for reverse charge `contra` gets −vat too. */
  postings: { accountId: string; amount: bigint }[];
}

export function splitVat(amount: bigint, code: VatCode): VatSplit {
  const bp = BigInt(code.rateBp);
  if (bp === 0n || !code.accountId) return { net: amount, vat: 0n, postings: [] };
  if (code.type === 'EU_PURCHASE_REVERSE_CHARGE') {
    // Self-assessed: deductible input VAT and the VAT owed cancel out; the line keeps its amount.
    const vat = divideRounded(amount * bp, 10_000n);
    const postings = vat === 0n ? [] : [{ accountId: code.accountId, amount: vat }, { accountId: code.contraAccountId ?? code.accountId, amount: -vat }];
    return { net: amount, vat, postings };
  }
  if (code.principle === 'Gross') {
    const vat = divideRounded(amount * bp, 10_000n + bp);
    return { net: amount - vat, vat, postings: vat === 0n ? [] : [{ accountId: code.accountId, amount: vat }] };
  }
  const vat = divideRounded(amount * bp, 10_000n);
  return { net: amount, vat, postings: vat === 0n ? [] : [{ accountId: code.accountId, amount: vat }] };
}
