import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { invalid } from '../platform/errors.ts';
import { refusal, violates } from './refusals.ts';
import { blankToNull, checkContacts, NUMBER_ORDER, partyAddressOf, partyControlAccount, partyExists, replaceContacts, replaceDepartments, storedAddress, type ContactInput, type DepartmentInput, type PartyAddress } from './party-parts.ts';
import { findGroup } from './party-groups.ts';

/** A vendor as the surface's create body has it (its schema has checked the types). */
export interface VendorInput extends Partial<PartyAddress> {
  vendorNumber: string;
  name: string;
  vendorGroupId: string;
  currency?: string;
  contacts: ContactInput[];
  departments?: DepartmentInput[];
  attention?: string | null;
  paymentTerms?: number | null;
  defaultAccountId?: string | null;
  /** Minor units of the company's currency; positive = we owe the vendor. */
  openingBalance?: bigint;
}

export interface Vendor extends PartyAddress {
  id: string;
  vendorNumber: string;
  name: string;
  vendorGroupId: string;
  vendorGroupName: string;
  currency: string;
  status: 'active' | 'inactive';
  attention: string | null;
  paymentTerms: number | null;
  defaultAccountId: string | null;
  openingBalance: bigint;
  createdAt: Date;
  updatedAt: Date;
}

/** Whether a ledger account of the company can be a vendor's default account. */
export type AccountCheck = (db: Queryable, orgId: string, accountId: string) => Promise<boolean>;

/** A postable account of the company's chart (balance sheet or profit and loss): what a default account may be. */
export const chartAccountExists: AccountCheck = async (db, orgId, accountId) =>
  (await db.query(`SELECT 1 FROM ledgerbee_accounts WHERE org_id = $1 AND id = $2 AND ledger_type IN ('BALANCE_SHEET', 'PROFIT_AND_LOSS')`, [orgId, accountId])).length > 0;

const toVendor = (r: any): Vendor => ({
  id: r.id,
  vendorNumber: r.vendor_number,
  name: r.name,
  vendorGroupId: r.group_id,
  vendorGroupName: r.group_name,
  currency: r.currency,
  status: r.status,
  ...partyAddressOf(r),
  attention: r.attention,
  paymentTerms: r.payment_terms,
  defaultAccountId: r.default_account_id,
  openingBalance: r.opening_balance,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Whether `id` is a vendor of the company (any other company's id is not). */
export const vendorExists = (db: Queryable, orgId: string, id: string) => partyExists(db, 'vendor', orgId, id);

/** The payable account a vendor's entry line posts to: its group's; null when no such vendor. */
export const vendorControlAccount = (db: Queryable, orgId: string, id: string) => partyControlAccount(db, 'vendor', orgId, id);

/** Every vendor of the company, sorted by vendor number (a full list, as the product answers). */
export async function listVendors(db: Queryable, orgId: string): Promise<Vendor[]> {
  const rows = await db.query(
    `SELECT v.*, g.name AS group_name FROM ledgerbee_vendors v JOIN ledgerbee_vendor_groups g ON g.org_id = v.org_id AND g.id = v.group_id
      WHERE v.org_id = $1 ORDER BY ${NUMBER_ORDER('v.vendor_number')}`,
    [orgId],
  );
  return rows.map(toVendor);
}

/** A vendor of the company, for its contact and department lists; another company's id is VENDOR_NOT_FOUND. */
export async function requireVendor(db: Queryable, orgId: string, id: string): Promise<void> {
  if (!(await vendorExists(db, orgId, id))) throw refusal('VENDOR_NOT_FOUND', `vendor ${id} does not exist`, 'id');
}

/**
 * Creates a vendor with its contacts, in the product's order of checks: the number (trimmed,
 * unique: VENDOR_NUMBER_ALREADY_EXISTS), the default contact (CONTACT_DEFAULT_REQUIRED /
 * CONTACT_MULTIPLE_DEFAULTS), the group (VENDOR_GROUP_NOT_FOUND), the default account
 * (LEDGER_NOT_FOUND). Answers only the id and number, as the product does.
 */
export async function createVendor(
  tx: Queryable,
  orgId: string,
  input: VendorInput,
  now: Date,
  options: { defaultCurrency: string; accountExists: AccountCheck },
): Promise<{ id: string; vendorNumber: string }> {
  const vendorNumber = input.vendorNumber.trim();
  if (!vendorNumber) throw invalid('vendorNumber', 'vendorNumber must not be blank');
  const taken = await tx.query(`SELECT 1 FROM ledgerbee_vendors WHERE org_id = $1 AND vendor_number = $2`, [orgId, vendorNumber]);
  if (taken.length > 0) throw refusal('VENDOR_NUMBER_ALREADY_EXISTS', `vendor number ${vendorNumber} is taken`, 'vendorNumber');
  const contacts = checkContacts(input.contacts, 'contacts');
  if (!(await findGroup(tx, 'vendor', orgId, input.vendorGroupId))) throw refusal('VENDOR_GROUP_NOT_FOUND', `vendor group ${input.vendorGroupId} does not exist`, 'vendorGroupId');
  const defaultAccountId = input.defaultAccountId ?? null;
  if (defaultAccountId !== null && !(await options.accountExists(tx, orgId, defaultAccountId))) {
    throw refusal('LEDGER_NOT_FOUND', `ledger account ${defaultAccountId} does not exist`, 'defaultAccountId');
  }
  const address = storedAddress(input, null);
  const id = newId();
  try {
    await tx.query(
      `INSERT INTO ledgerbee_vendors (org_id, id, vendor_number, name, group_id, currency, status, email, phone, address, city, postal_code, country_code,
         vat_number, attention, payment_terms, default_account_id, opening_balance, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
      [
        orgId,
        id,
        vendorNumber,
        input.name.trim(),
        input.vendorGroupId,
        (input.currency ?? options.defaultCurrency).toUpperCase(),
        address.email,
        address.phone,
        address.address,
        address.city,
        address.postalCode,
        address.countryCode,
        address.vatNumber,
        blankToNull(input.attention),
        input.paymentTerms ?? null,
        defaultAccountId,
        input.openingBalance ?? 0n,
        now,
      ],
    );
  } catch (error) {
    // Two creates racing for one number: the index decides, with the product's code.
    if (violates(error, 'ledgerbee_vendors_number')) throw refusal('VENDOR_NUMBER_ALREADY_EXISTS', `vendor number ${vendorNumber} is taken`, 'vendorNumber');
    throw error;
  }
  await replaceContacts(tx, 'vendor', orgId, id, contacts);
  await replaceDepartments(tx, 'vendor', orgId, id, input.departments ?? []);
  return { id, vendorNumber };
}
