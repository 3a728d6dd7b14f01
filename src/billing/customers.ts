import { billingError } from './errors.ts';
import { isKnownCurrency } from './plans.ts';

export interface BillingAddress {
  line1?: string;
  line2?: string;
  city?: string;
  state?: string;
  postal_code?: string;
  country?: string;
}

export interface TaxId {
  type: string;
  value: string;
}

/** A customer as validated; ids, tenant, app and times belong to the store. */
export interface CustomerDefinition {
  name: string;
  email: string;
  currency: string;
  billingAddress: BillingAddress | null;
  taxIds: TaxId[];
  metadata: Record<string, string>;
}

/** An address as a client sends it: a line may be null (as answered for a line never given). */
export type BillingAddressInput = { [K in keyof BillingAddress]?: string | null };

export interface CustomerInput {
  name?: string;
  email?: string;
  currency?: string;
  billing_address?: BillingAddressInput | null;
  tax_ids?: TaxId[];
  metadata?: Record<string, string>;
}

/** The currency a customer is billed in when the request names none (the reference's examples). */
export const DEFAULT_CUSTOMER_CURRENCY = 'usd';

/**
 * One address: a local part and a domain with a dot, no spaces, at most 254 characters (the
 * SMTP path limit). Deliverability is the mail server's business; this catches typos.
 */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
export const isEmail = (text: string) => text.length <= 254 && EMAIL.test(text);

/** The lines given: a null line is one not given, so an answer sent back unchanged changes nothing. */
function addressOf(input: BillingAddressInput): BillingAddress {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) as BillingAddress;
}

/** Checks in the reference's order: name and email required (`invalid_input`), then the email's form (`invalid_email`), then the currency. */
export function validateCustomer(input: CustomerInput): CustomerDefinition {
  const name = (input.name ?? '').trim();
  if (!name) throw billingError('invalid_input', 'name is required', 'name');
  const email = (input.email ?? '').trim();
  if (!email) throw billingError('invalid_input', 'email is required', 'email');
  if (!isEmail(email)) throw billingError('invalid_email', `"${email}" is not an email address`, 'email');
  const currency = (input.currency ?? '').trim().toLowerCase() || DEFAULT_CUSTOMER_CURRENCY;
  if (!isKnownCurrency(currency)) throw billingError('invalid_input', `currency "${currency}" is not an ISO 4217 code`, 'currency');
  return {
    name,
    email,
    currency,
    billingAddress: input.billing_address ? addressOf(input.billing_address) : null,
    taxIds: input.tax_ids ?? [],
    metadata: { ...(input.metadata ?? {}) },
  };
}

/** `PUT /ledger/customers/{id}`: only the fields given change; the merge is validated whole. */
export function updateCustomer(current: CustomerDefinition, patch: CustomerInput): CustomerDefinition {
  return validateCustomer({
    name: patch.name ?? current.name,
    email: patch.email ?? current.email,
    currency: patch.currency ?? current.currency,
    billing_address: patch.billing_address === undefined ? current.billingAddress : patch.billing_address,
    tax_ids: patch.tax_ids ?? current.taxIds,
    metadata: patch.metadata ?? current.metadata,
  });
}
