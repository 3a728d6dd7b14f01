import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { refusal } from './refusals.ts';

/**
 * What customers and vendors share: contacts (exactly one default), departments, and the
 * SQL that replaces and reads them. `owner` names whose they are: the customer or vendor
 * tables, fixed strings below, never client text.
 */
export interface ContactInput {
  name: string;
  email?: string | null;
  phone?: string | null;
  isDefault?: boolean;
}
export interface Contact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  isDefault: boolean;
}

export interface DepartmentInput {
  name: string;
  attention?: string | null;
  email?: string | null;
  address?: string | null;
  city?: string | null;
  postalCode?: string | null;
  countryCode?: string | null;
}
export interface Department {
  id: string;
  name: string;
  attention: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  countryCode: string | null;
}

/**
 * The product's rule: exactly one contact is the default. A single contact becomes the
 * default by itself; otherwise none marked is CONTACT_DEFAULT_REQUIRED and more than one
 * CONTACT_MULTIPLE_DEFAULTS (named at the second default's path). An empty list has no
 * default either, unless `allowNone` (a customer may have no contacts; a vendor may not).
 */
export function checkContacts(contacts: ContactInput[], field = 'contacts', allowNone = false): Required<ContactInput>[] {
  if (contacts.length === 0 && allowNone) return [];
  if (contacts.length === 1) return [{ ...normalContact(contacts[0]), isDefault: true }];
  const defaults = contacts.flatMap((c, i) => (c.isDefault === true ? [i] : []));
  if (defaults.length === 0) throw refusal('CONTACT_DEFAULT_REQUIRED', 'exactly one contact must have isDefault: true; none has', field);
  if (defaults.length > 1) throw refusal('CONTACT_MULTIPLE_DEFAULTS', `exactly one contact must have isDefault: true; ${defaults.length} have`, `${field}.${defaults[1]}.isDefault`);
  return contacts.map(normalContact);
}

const normalContact = (c: ContactInput): Required<ContactInput> => ({
  name: c.name.trim(),
  email: blankToNull(c.email),
  phone: blankToNull(c.phone),
  isDefault: c.isDefault === true,
});

/** The address and contact details a customer and a vendor both carry (null: not given). */
export interface PartyAddress {
  email: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  countryCode: string | null;
  vatNumber: string | null;
}

/** A party's address from its row (the customer and vendor tables name these columns alike). */
export const partyAddressOf = (r: any): PartyAddress => ({
  email: r.email,
  phone: r.phone,
  address: r.address,
  city: r.city,
  postalCode: r.postal_code,
  countryCode: r.country_code,
  vatNumber: r.vat_number,
});

/** The address as stored: each given field trimmed (blank is absent; the country upper-case), the others kept from `current`. */
export function storedAddress(input: Partial<PartyAddress>, current: PartyAddress | null): PartyAddress {
  const text = (key: keyof PartyAddress) => (input[key] === undefined ? (current?.[key] ?? null) : blankToNull(input[key]));
  return {
    email: text('email'),
    phone: text('phone'),
    address: text('address'),
    city: text('city'),
    postalCode: text('postalCode'),
    countryCode: input.countryCode === undefined ? (current?.countryCode ?? null) : (blankToNull(input.countryCode)?.toUpperCase() ?? null),
    vatNumber: text('vatNumber'),
  };
}

/** Optional text as stored: trimmed, and empty is absent. */
export const blankToNull = (text: string | null | undefined): string | null => {
  const t = text?.trim();
  return t ? t : null;
};

type Owner = 'customer' | 'vendor';
const TABLES = {
  customer: { parties: 'ledgerbee_customers', groups: 'ledgerbee_customer_groups', contacts: 'ledgerbee_customer_contacts', departments: 'ledgerbee_customer_departments', key: 'customer_id' },
  vendor: { parties: 'ledgerbee_vendors', groups: 'ledgerbee_vendor_groups', contacts: 'ledgerbee_vendor_contacts', departments: 'ledgerbee_vendor_departments', key: 'vendor_id' },
} as const;

/** Replaces the contacts of one customer or vendor (checked first with checkContacts). */
export async function replaceContacts(tx: Queryable, owner: Owner, orgId: string, ownerId: string, contacts: Required<ContactInput>[]): Promise<void> {
  const t = TABLES[owner];
  await tx.query(`DELETE FROM ${t.contacts} WHERE org_id = $1 AND ${t.key} = $2`, [orgId, ownerId]);
  if (contacts.length === 0) return;
  await tx.query(
    `INSERT INTO ${t.contacts} (org_id, ${t.key}, id, seq, name, email, phone, is_default)
     SELECT $1, $2, c.id, c.seq, c.name, c.email, c.phone, c.is_default
       FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::bool[]) AS c (id, seq, name, email, phone, is_default)`,
    [orgId, ownerId, contacts.map(() => newId()), contacts.map((_, i) => i), contacts.map((c) => c.name), contacts.map((c) => c.email), contacts.map((c) => c.phone), contacts.map((c) => c.isDefault)],
  );
}

export async function replaceDepartments(tx: Queryable, owner: Owner, orgId: string, ownerId: string, departments: DepartmentInput[]): Promise<void> {
  const t = TABLES[owner];
  await tx.query(`DELETE FROM ${t.departments} WHERE org_id = $1 AND ${t.key} = $2`, [orgId, ownerId]);
  if (departments.length === 0) return;
  const col = (pick: (d: DepartmentInput) => string | null | undefined) => departments.map((d) => blankToNull(pick(d)));
  await tx.query(
    `INSERT INTO ${t.departments} (org_id, ${t.key}, id, seq, name, attention, email, address, city, postal_code, country_code)
     SELECT $1, $2, d.id, d.seq, d.name, d.attention, d.email, d.address, d.city, d.postal_code, d.country_code
       FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         AS d (id, seq, name, attention, email, address, city, postal_code, country_code)`,
    [
      orgId,
      ownerId,
      departments.map(() => newId()),
      departments.map((_, i) => i),
      departments.map((d) => d.name.trim()),
      col((d) => d.attention),
      col((d) => d.email),
      col((d) => d.address),
      col((d) => d.city),
      col((d) => d.postalCode),
      col((d) => d.countryCode?.toUpperCase()),
    ],
  );
}

export async function listContacts(db: Queryable, owner: Owner, orgId: string, ownerId: string): Promise<Contact[]> {
  const t = TABLES[owner];
  const rows = await db.query(`SELECT id, name, email, phone, is_default FROM ${t.contacts} WHERE org_id = $1 AND ${t.key} = $2 ORDER BY seq`, [orgId, ownerId]);
  return rows.map((r) => ({ id: r.id, name: r.name, email: r.email, phone: r.phone, isDefault: r.is_default }));
}

export async function listDepartments(db: Queryable, owner: Owner, orgId: string, ownerId: string): Promise<Department[]> {
  const t = TABLES[owner];
  const rows = await db.query(
    `SELECT id, name, attention, email, address, city, postal_code, country_code FROM ${t.departments} WHERE org_id = $1 AND ${t.key} = $2 ORDER BY seq`,
    [orgId, ownerId],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    attention: r.attention,
    email: r.email,
    address: r.address,
    city: r.city,
    postalCode: r.postal_code,
    countryCode: r.country_code,
  }));
}

/** Party numbers sort as numbers when they are all digits, before any others, which sort as text. */
export const NUMBER_ORDER = (column: string) => `CASE WHEN ${column} ~ '^[0-9]{1,18}$' THEN ${column}::numeric END NULLS LAST, ${column}`;

/**
 * The control account (their group's receivable or payable account) of each of the company's
 * customers or vendors among `ids`, in one query; an id that is none of theirs is absent.
 */
export async function controlAccounts(db: Queryable, owner: Owner, orgId: string, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const t = TABLES[owner];
  const rows = await db.query<{ id: string; account_id: string | null }>(
    `SELECT p.id, g.account_id FROM ${t.parties} p JOIN ${t.groups} g ON g.org_id = p.org_id AND g.id = p.group_id WHERE p.org_id = $1 AND p.id = ANY($2::uuid[])`,
    [orgId, ids],
  );
  return new Map(rows.map((r) => [r.id, r.account_id]));
}

/** Whether `id` is one of the company's customers or vendors (any other company's id is not). */
export async function partyExists(db: Queryable, owner: Owner, orgId: string, id: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM ${TABLES[owner].parties} WHERE org_id = $1 AND id = $2`, [orgId, id])).length > 0;
}

/** The account the AR or AP line of a party's entry posts to: its group's; null when no such party. */
export async function partyControlAccount(db: Queryable, owner: Owner, orgId: string, id: string): Promise<{ accountId: string | null } | null> {
  const found = await controlAccounts(db, owner, orgId, [id]);
  return found.has(id) ? { accountId: found.get(id)! } : null;
}
