import { billingError } from './errors.ts';
import type { TaxId } from './customers.ts';

/**
 * The app's tax rule (decision 0019): a rate per customer country (the billing address's
 * ISO 3166-1 alpha-2 `country`), a default rate for any other country or none, and per
 * country an exemption for customers holding a valid tax id (B2B reverse charge). Rates are
 * percentages with at most 4 decimals, kept as parts per million of the net amount. The tax
 * is `net × rate`, rounded to the minor unit with halves away from zero. No settings: no tax.
 */
export interface TaxRate {
  country: string;
  ppm: number;
  exemptWithTaxId: boolean;
}

export interface TaxSettings {
  defaultPpm: number;
  rates: TaxRate[];
}

export const NO_TAX: TaxSettings = { defaultPpm: 0, rates: [] };

export interface TaxSettingsInput {
  default_rate?: string | number;
  rates?: { country?: string; rate?: string | number; exempt_with_tax_id?: boolean }[];
}

const PPM_PER_PERCENT = 10_000;
const RATE = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

/** A percentage like "19", "8.875" or 7.7, to parts per million; 0–100 with at most 4 decimals. */
export function parseRate(value: string | number | undefined, param: string): number {
  const text = typeof value === 'number' ? String(value) : (value ?? '').trim();
  const m = RATE.exec(text);
  if (!m) throw billingError('invalid_input', `${param} must be a percentage between 0 and 100 with at most 4 decimals, like "19" or "8.875"`, param);
  const ppm = Number(m[1]) * PPM_PER_PERCENT + Number((m[2] ?? '').padEnd(4, '0'));
  if (ppm > 100 * PPM_PER_PERCENT) throw billingError('invalid_input', `${param} must not exceed 100`, param);
  return ppm;
}

/** Parts per million back to the percentage text: 190000 → "19", 88750 → "8.875". */
export function rateText(ppm: number): string {
  const whole = Math.floor(ppm / PPM_PER_PERCENT);
  const frac = String(ppm % PPM_PER_PERCENT).padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

const COUNTRY = /^[A-Z]{2}$/;

export function validateTaxSettings(input: TaxSettingsInput): TaxSettings {
  const defaultPpm = input.default_rate === undefined ? 0 : parseRate(input.default_rate, 'default_rate');
  const seen = new Set<string>();
  const rates = (input.rates ?? []).map((r, i): TaxRate => {
    const country = (r.country ?? '').trim().toUpperCase();
    if (!COUNTRY.test(country)) throw billingError('invalid_input', `rates[${i}].country must be an ISO 3166-1 alpha-2 code like "DE"`, `rates[${i}].country`);
    if (seen.has(country)) throw billingError('invalid_input', `country ${country} is listed twice`, `rates[${i}].country`);
    seen.add(country);
    return { country, ppm: parseRate(r.rate, `rates[${i}].rate`), exemptWithTaxId: r.exempt_with_tax_id === true };
  });
  return { defaultPpm, rates };
}

/**
 * Tax id formats Kontor can check offline (the shape only: whether the id is registered is
 * the tax office's to say). An id of another type never exempts.
 */
const TAX_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  eu_vat: /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z+*]{2,12}$/,
  gb_vat: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  ch_vat: /^CHE\d{9}(MWST|TVA|IVA)?$/,
  no_vat: /^\d{9}MVA$/,
  us_ein: /^\d{2}-?\d{7}$/,
  au_abn: /^\d{11}$/,
  ca_bn: /^\d{9}$/,
};

/** Whether a tax id has a known type and the shape of that type (spaces, dots and dashes ignored but in us_ein). */
export function isValidTaxId(id: TaxId): boolean {
  const format = TAX_ID_FORMATS[id.type];
  if (!format) return false;
  const value = id.type === 'us_ein' ? id.value.trim() : id.value.toUpperCase().replace(/[\s.\-]/g, '');
  return format.test(value);
}

export interface TaxDecision {
  ppm: number;
  /** Why: `country:DE`, `default`, `exempt:DE` (a valid tax id), `none`. */
  note: string;
}

/** The rate for a customer (null: no customer, so no country): its country's, else the default. */
export function taxFor(settings: TaxSettings, customer: { country: string | null; taxIds: readonly TaxId[] } | null): TaxDecision {
  const country = customer?.country?.trim().toUpperCase() || null;
  const rate = country ? settings.rates.find((r) => r.country === country) : undefined;
  if (rate) {
    if (rate.exemptWithTaxId && customer!.taxIds.some(isValidTaxId)) return { ppm: 0, note: `exempt:${country}` };
    return { ppm: rate.ppm, note: `country:${country}` };
  }
  return settings.defaultPpm > 0 ? { ppm: settings.defaultPpm, note: 'default' } : { ppm: 0, note: 'none' };
}

/** `net × ppm / 10⁶` rounded half away from zero; no tax on a net of zero or below. */
export function taxAmount(net: bigint, ppm: number): bigint {
  if (net <= 0n || ppm <= 0) return 0n;
  const p = BigInt(ppm);
  return (2n * net * p + 1_000_000n) / 2_000_000n;
}
