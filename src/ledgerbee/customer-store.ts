import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { invalid } from '../platform/errors.ts';
import { refusal, violates } from './refusals.ts';
import { blankToNull, checkContacts, NUMBER_ORDER, partyAddressOf, partyControlAccount, partyExists, replaceContacts, replaceDepartments, storedAddress, type ContactInput, type DepartmentInput, type PartyAddress } from './party-parts.ts';
import { defaultGroup, findGroup } from './party-groups.ts';

export type VatZone = 'domestic' | 'eu' | 'abroad' | 'domestic_without_vat';
export type CustomerType = 'company' | 'individual';
export type BillingRelationship = 'self' | 'parent_pays';

/** A customer as the surface's create body has it (its schema has checked the types). */
export interface CustomerInput extends Partial<PartyAddress> {
  customerNumber?: string;
  customerType?: CustomerType;
  name: string;
  vatZone?: VatZone;
  customerGroupId?: string;
  isActive?: boolean;
  billingRelationship?: BillingRelationship;
  parentCustomerId?: string | null;
  includeChildDetailsPdf?: boolean;
  website?: string | null;
  externalSystemId?: string | null;
  metadata?: Record<string, string>;
  contacts?: ContactInput[];
  departments?: DepartmentInput[];
}
/** PATCH: the fields given replace the stored ones (null clears an optional one); lists replace whole. */
export type CustomerPatch = Partial<CustomerInput>;

export interface Customer extends PartyAddress {
  id: string;
  customerNumber: string;
  customerType: CustomerType;
  name: string;
  vatZone: VatZone;
  customerGroupId: string;
  customerGroupNumber: number;
  customerGroupName: string;
  isActive: boolean;
  billingRelationship: BillingRelationship;
  parentCustomerId: string | null;
  includeChildDetailsPdf: boolean;
  website: string | null;
  externalSystemId: string | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** Filters of the list: exact matches, all ANDed; metadata pairs must all be present with those values. */
export interface CustomerFilter {
  customerNumber?: string;
  externalSystemId?: string;
  metadata?: Record<string, string>;
}

const SELECT = `SELECT c.*, g.number AS group_number, g.name AS group_name
  FROM ledgerbee_customers c JOIN ledgerbee_customer_groups g ON g.org_id = c.org_id AND g.id = c.group_id`;

const toCustomer = (r: any): Customer => ({
  id: r.id,
  customerNumber: r.customer_number,
  customerType: r.customer_type,
  name: r.name,
  vatZone: r.vat_zone,
  customerGroupId: r.group_id,
  customerGroupNumber: r.group_number,
  customerGroupName: r.group_name,
  isActive: r.is_active,
  billingRelationship: r.billing_relationship,
  parentCustomerId: r.parent_customer_id,
  includeChildDetailsPdf: r.include_child_details_pdf,
  ...partyAddressOf(r),
  website: r.website,
  externalSystemId: r.external_system_id,
  metadata: r.metadata,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Whether `id` is a customer of the company (any other company's id is not). */
export const customerExists = (db: Queryable, orgId: string, id: string) => partyExists(db, 'customer', orgId, id);

/** The receivable account a customer's entry line posts to: its group's; null when no such customer. */
export const customerControlAccount = (db: Queryable, orgId: string, id: string) => partyControlAccount(db, 'customer', orgId, id);

export async function getCustomer(db: Queryable, orgId: string, id: string): Promise<Customer> {
  const rows = await db.query(`${SELECT} WHERE c.org_id = $1 AND c.id = $2`, [orgId, id]);
  if (rows.length === 0) throw refusal('CUSTOMER_NOT_FOUND', `customer ${id} does not exist`, 'id');
  return toCustomer(rows[0]);
}

/** Every customer of the company matching `filter`, sorted by customer number (a full list, as the product answers). */
export async function listCustomers(db: Queryable, orgId: string, filter: CustomerFilter = {}): Promise<Customer[]> {
  const rows = await db.query(
    `${SELECT} WHERE c.org_id = $1 AND ($2::text IS NULL OR c.customer_number = $2) AND ($3::text IS NULL OR c.external_system_id = $3)
       AND ($4::jsonb IS NULL OR c.metadata @> $4::jsonb)
     ORDER BY ${NUMBER_ORDER('c.customer_number')}`,
    [orgId, filter.customerNumber ?? null, filter.externalSystemId ?? null, filter.metadata && Object.keys(filter.metadata).length > 0 ? JSON.stringify(filter.metadata) : null],
  );
  return rows.map(toCustomer);
}

/** What a customer's row stores: its own fields (the number may still be drawn), with its group's id. */
type Stored = Omit<Customer, 'id' | 'customerNumber' | 'customerGroupId' | 'customerGroupNumber' | 'customerGroupName' | 'createdAt' | 'updatedAt'> & {
  customerNumber: string | null;
  groupId: string;
};

/** The merged fields, checked against the company's other rows (group, parent). */
async function checked(db: Queryable, orgId: string, selfId: string | null, input: CustomerInput, current: Stored | null): Promise<Stored> {
  const pick = <K extends keyof CustomerInput & keyof Stored>(key: K, fallback: Stored[K]): Stored[K] =>
    (input[key] === undefined ? (current ? current[key] : fallback) : input[key]) as Stored[K];
  const text = (key: 'website' | 'externalSystemId') =>
    input[key] === undefined ? (current?.[key] ?? null) : blankToNull(input[key]);
  let groupId = input.customerGroupId ?? current?.groupId ?? null;
  if (input.customerGroupId !== undefined) {
    if (!(await findGroup(db, 'customer', orgId, input.customerGroupId))) throw refusal('CUSTOMER_GROUP_NOT_FOUND', `customer group ${input.customerGroupId} does not exist`, 'customerGroupId');
  } else if (groupId === null) {
    groupId = (await defaultGroup(db, 'customer', orgId))?.id ?? null;
    if (groupId === null) throw refusal('CUSTOMER_GROUP_NOT_FOUND', 'the company has no customer group', 'customerGroupId');
  }
  const billingRelationship = pick('billingRelationship', 'self');
  let parentCustomerId = input.parentCustomerId === undefined ? (current?.parentCustomerId ?? null) : input.parentCustomerId;
  if (billingRelationship === 'self') parentCustomerId = input.parentCustomerId ? input.parentCustomerId : null;
  if (billingRelationship === 'self' && parentCustomerId !== null) throw refusal('PARENT_CUSTOMER_INVALID', 'parentCustomerId is only for billingRelationship parent_pays', 'parentCustomerId');
  if (billingRelationship === 'parent_pays') {
    if (parentCustomerId === null) throw refusal('PARENT_CUSTOMER_INVALID', 'billingRelationship parent_pays needs parentCustomerId', 'parentCustomerId');
    if (parentCustomerId === selfId) throw refusal('PARENT_CUSTOMER_INVALID', 'a customer cannot be its own parent', 'parentCustomerId');
    const rows = await db.query(`SELECT billing_relationship FROM ledgerbee_customers WHERE org_id = $1 AND id = $2`, [orgId, parentCustomerId]);
    if (rows.length === 0) throw refusal('CUSTOMER_NOT_FOUND', `parent customer ${parentCustomerId} does not exist`, 'parentCustomerId');
    // One level: the payer pays for itself, so a bill never travels up a chain.
    if (rows[0].billing_relationship !== 'self') throw refusal('PARENT_CUSTOMER_INVALID', 'the parent customer is itself billed to a parent', 'parentCustomerId');
  }
  const customerNumber = input.customerNumber === undefined ? (current?.customerNumber ?? null) : input.customerNumber.trim();
  if (customerNumber === '') throw invalid('customerNumber', 'customerNumber must not be blank');
  return {
    customerNumber,
    customerType: pick('customerType', 'company'),
    name: (input.name ?? current?.name ?? '').trim(),
    vatZone: pick('vatZone', 'domestic'),
    groupId: groupId!,
    isActive: pick('isActive', true),
    billingRelationship,
    parentCustomerId,
    includeChildDetailsPdf: pick('includeChildDetailsPdf', false),
    ...storedAddress(input, current),
    website: text('website'),
    externalSystemId: text('externalSystemId'),
    metadata: input.metadata ?? current?.metadata ?? {},
  };
}

function uniqueRefusal(error: unknown, s: Stored): unknown {
  if (violates(error, 'ledgerbee_customers_number')) return refusal('CUSTOMER_NUMBER_ALREADY_EXISTS', `customer number ${s.customerNumber} is taken`, 'customerNumber');
  if (violates(error, 'ledgerbee_customers_external')) return refusal('EXTERNAL_SYSTEM_ID_ALREADY_EXISTS', `externalSystemId ${s.externalSystemId} is another customer's`, 'externalSystemId');
  return error;
}

const COLUMNS = `customer_number, customer_type, name, vat_zone, group_id, is_active, billing_relationship, parent_customer_id, include_child_details_pdf,
  email, phone, address, city, postal_code, country_code, vat_number, website, external_system_id, metadata`;
const values = (s: Stored) => [
  s.customerNumber, s.customerType, s.name, s.vatZone, s.groupId, s.isActive, s.billingRelationship, s.parentCustomerId, s.includeChildDetailsPdf,
  s.email, s.phone, s.address, s.city, s.postalCode, s.countryCode, s.vatNumber, s.website, s.externalSystemId, JSON.stringify(s.metadata),
];

/**
 * Creates a customer with its contacts and departments. Without a customerNumber it gets the
 * next number after the company's highest all-digit one (numbering is serialised per company
 * by a transaction-scoped advisory lock, so two creates never draw the same number).
 */
export async function createCustomer(tx: Queryable, orgId: string, input: CustomerInput, now: Date): Promise<Customer> {
  const contacts = checkContacts(input.contacts ?? [], 'contacts', true);
  const s = await checked(tx, orgId, null, input, null);
  if (s.customerNumber === null) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('ledgerbee.customer_number'), hashtext($1::text))`, [orgId]);
    const [{ next }] = await tx.query(
      `SELECT (coalesce(max(customer_number::numeric) FILTER (WHERE customer_number ~ '^[0-9]{1,18}$'), 0) + 1)::text AS next FROM ledgerbee_customers WHERE org_id = $1`,
      [orgId],
    );
    s.customerNumber = next;
  }
  const id = newId();
  try {
    await tx.query(
      `INSERT INTO ledgerbee_customers (org_id, id, ${COLUMNS}, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)`,
      [orgId, id, ...values(s), now],
    );
  } catch (error) {
    throw uniqueRefusal(error, s);
  }
  await replaceContacts(tx, 'customer', orgId, id, contacts);
  await replaceDepartments(tx, 'customer', orgId, id, input.departments ?? []);
  return getCustomer(tx, orgId, id);
}

/** PATCH: only the fields given change; contacts and departments, when given, replace the lists. */
export async function updateCustomer(tx: Queryable, orgId: string, id: string, patch: CustomerPatch, now: Date): Promise<Customer> {
  const rows = await tx.query(`SELECT * FROM ledgerbee_customers WHERE org_id = $1 AND id = $2 FOR UPDATE`, [orgId, id]);
  if (rows.length === 0) throw refusal('CUSTOMER_NOT_FOUND', `customer ${id} does not exist`, 'id');
  const c = toCustomer(rows[0]);
  const current: Stored = { ...c, groupId: c.customerGroupId };
  const contacts = patch.contacts === undefined ? null : checkContacts(patch.contacts, 'contacts', true);
  const s = await checked(tx, orgId, id, { ...patch, name: patch.name ?? c.name }, current);
  try {
    await tx.query(
      `UPDATE ledgerbee_customers SET (${COLUMNS}, updated_at) = ($3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
        WHERE org_id = $1 AND id = $2`,
      [orgId, id, ...values(s), now],
    );
  } catch (error) {
    throw uniqueRefusal(error, s);
  }
  if (contacts) await replaceContacts(tx, 'customer', orgId, id, contacts);
  if (patch.departments !== undefined) await replaceDepartments(tx, 'customer', orgId, id, patch.departments);
  return getCustomer(tx, orgId, id);
}
