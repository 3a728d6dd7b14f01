import iso4217 from 'currency-codes';

/**
 * The ISO 4217 list (list one: current codes) with each code's minor unit, from the
 * `currency-codes` package, which ships the ISO's own XML and a table generated from it.
 * Codes with no minor unit in ISO ("N.A.": metals, funds units, XTS, XXX) have 0 there,
 * which Kontor keeps as their default scale (docs/decisions/0008-iso-4217-currencies.md).
 */
const MINOR_UNITS = new Map<string, number>(iso4217.data.map((c) => [c.code, c.digits]));

/**
 * Codes ISO has published since the package's data (2024-06-25): the Caribbean guilder,
 * in use from 2025-03-31. Remove an entry once the package carries it.
 */
const SINCE_PACKAGE: Record<string, number> = { XCG: 2 };
for (const [code, digits] of Object.entries(SINCE_PACKAGE)) if (!MINOR_UNITS.has(code)) MINOR_UNITS.set(code, digits);

/** The minor-unit exponent of a current ISO 4217 code (USD 2, JPY 0, BHD 3, CLF 4), or null. */
export function minorUnit(code: string): number | null {
  return MINOR_UNITS.get(code) ?? null;
}

/** The ISO 4217 publication the list follows, for documentation and diagnostics. */
export const ISO_4217_PUBLISHED = iso4217.publishDate;
