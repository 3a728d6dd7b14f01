import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import { updateCustomer, validateCustomer, type CustomerDefinition, type CustomerInput } from './customers.ts';
import { LIVE_STATUSES } from './subscription-states.ts';
import { jsonText, pageOf, violates, type BillingScope, type Page, type PageRequest } from './scope.ts';

/**
 * A stored customer. A customer belongs to the tenant in context when it was made, one per
 * tenant: the tenant's subscriptions (and, in part 2, invoices and usage) are its customer's.
 */
export interface Customer extends CustomerDefinition {
  id: string;
  orgId: string;
  mode: string;
  tenantId: string;
  /** Credit available (≥ 0), in the customer's currency. */
  creditBalance: bigint;
  /** What finalised, unpaid invoices in the customer's currency still ask (amount due). */
  owed: bigint;
  createdAt: Date;
  updatedAt: Date;
}

const toCustomer = (r: any): Customer => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  tenantId: r.tenant_id,
  name: r.name,
  email: r.email,
  currency: r.currency,
  billingAddress: r.billing_address,
  taxIds: r.tax_ids,
  metadata: r.metadata,
  creditBalance: r.credit_balance,
  owed: r.owed ?? 0n,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The row and what its finalised, unpaid invoices ask: the customer's `balance` is owed −
 * credit (the reference's negative balance is credit available), as its ledger accounts have it.
 */
const COLUMNS = `*, (SELECT coalesce(sum(i.amount_due), 0) FROM billing_invoices i
   WHERE i.org_id = billing_customers.org_id AND i.mode = billing_customers.mode AND i.customer_id = billing_customers.id
     AND i.status IN ('pending', 'past_due') AND i.currency = billing_customers.currency)::int8 AS owed`;

const notFound = (what: string, param: string) => billingError('customer_not_found', `customer ${what} does not exist`, param);

/** The refusals of the two unique indexes, as the reference names them. */
function refusal(error: unknown, customer: CustomerDefinition, tenantId: string): unknown {
  if (violates(error, 'billing_customers_email')) return billingError('duplicate_customer_email', `a customer with email ${customer.email} already exists`, 'email');
  if (violates(error, 'billing_customers_tenant')) return billingError('already_exists', `tenant "${tenantId}" already has a customer`, 'tenant_id');
  return error;
}

export async function createCustomer(tx: Queryable, scope: BillingScope, tenantId: string, input: CustomerInput, now: Date): Promise<Customer> {
  const c = validateCustomer(input);
  try {
    const rows = await tx.query(
      `INSERT INTO billing_customers (org_id, mode, id, tenant_id, name, email, currency, billing_address, tax_ids, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ${COLUMNS}`,
      [scope.orgId, scope.mode, newId(), tenantId, c.name, c.email, c.currency, c.billingAddress && jsonText(c.billingAddress), jsonText(c.taxIds), jsonText(c.metadata), now],
    );
    return toCustomer(rows[0]);
  } catch (error) {
    throw refusal(error, c, tenantId);
  }
}

/** Customers oldest first (ties by id); with a tenant in context, only its own. */
export async function listCustomers(db: Queryable, scope: BillingScope, tenantId: string | null, page: PageRequest): Promise<Page<Customer>> {
  const where = `org_id = $1 AND mode = $2 AND ($3::text IS NULL OR tenant_id = $3)`;
  const params = [scope.orgId, scope.mode, tenantId];
  const rows = await db.query(`SELECT ${COLUMNS} FROM billing_customers WHERE ${where} ORDER BY created_at, id LIMIT $4 OFFSET $5`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_customers WHERE ${where}`, params);
  return pageOf(rows.map(toCustomer), n, page);
}

/** A customer by id (null: text that is no customer id); with a tenant in context, only its own. */
export async function getCustomer(db: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, lock = ''): Promise<Customer> {
  const rows =
    id === null
      ? []
      : await db.query(`SELECT ${COLUMNS} FROM billing_customers WHERE org_id = $1 AND mode = $2 AND id = $3 AND ($4::text IS NULL OR tenant_id = $4) ${lock}`, [scope.orgId, scope.mode, id, tenantId]);
  if (rows.length === 0) throw notFound('with that id', 'customer_id');
  return toCustomer(rows[0]);
}

/** Emails are matched without regard to case, as the unique index compares them. */
export async function getCustomerByEmail(db: Queryable, scope: BillingScope, email: string, tenantId: string | null): Promise<Customer> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM billing_customers WHERE org_id = $1 AND mode = $2 AND lower(email) = lower($3) AND ($4::text IS NULL OR tenant_id = $4)`, [
    scope.orgId,
    scope.mode,
    email.trim(),
    tenantId,
  ]);
  if (rows.length === 0) throw notFound(`with email ${email}`, 'email');
  return toCustomer(rows[0]);
}

export async function updateCustomerById(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, patch: CustomerInput, now: Date): Promise<Customer> {
  const current = await getCustomer(tx, scope, id, tenantId, 'FOR UPDATE');
  const c = updateCustomer(current, patch);
  try {
    const rows = await tx.query(
      `UPDATE billing_customers SET name = $4, email = $5, currency = $6, billing_address = $7, tax_ids = $8, metadata = $9, updated_at = $10
        WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING ${COLUMNS}`,
      [scope.orgId, scope.mode, current.id, c.name, c.email, c.currency, c.billingAddress && jsonText(c.billingAddress), jsonText(c.taxIds), jsonText(c.metadata), now],
    );
    return toCustomer(rows[0]);
  } catch (error) {
    throw refusal(error, c, current.tenantId);
  }
}

/**
 * `DELETE /ledger/customers/{id}`: refused while its tenant holds a live subscription
 * (active, trialing, past_due or paused). A subscription being created for the tenant holds
 * this row FOR SHARE, so the two cannot cross. Returns the customer as it was.
 */
export async function deleteCustomer(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null): Promise<Customer> {
  const customer = await getCustomer(tx, scope, id, tenantId, 'FOR UPDATE');
  const [{ n }] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM billing_subscriptions WHERE org_id = $1 AND mode = $2 AND tenant_id = $3 AND status = ANY($4::text[])`,
    [scope.orgId, scope.mode, customer.tenantId, LIVE_STATUSES],
  );
  if (n > 0) throw billingError('has_active_subscriptions', `customer ${customer.email} has ${n} active subscription(s); cancel them first`, 'id');
  await tx.query(`DELETE FROM billing_customers WHERE org_id = $1 AND id = $2`, [scope.orgId, customer.id]);
  return customer;
}

/** The customers of tenants (one per tenant), by tenant. */
export async function customersOfTenants(db: Queryable, scope: BillingScope, tenants: readonly string[]): Promise<Map<string, Customer>> {
  if (tenants.length === 0) return new Map();
  const rows = await db.query(`SELECT *, 0::int8 AS owed FROM billing_customers WHERE org_id = $1 AND mode = $2 AND tenant_id = ANY($3::text[])`, [scope.orgId, scope.mode, [...new Set(tenants)]]);
  return new Map(rows.map((r) => [r.tenant_id, toCustomer(r)]));
}
