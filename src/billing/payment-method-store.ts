import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { DomainError } from '../platform/errors.ts';
import { billingError } from './errors.ts';
import type { ProviderCard, ProviderName } from './providers/provider.ts';
import type { BillingScope } from './scope.ts';
import { listInvoices } from './invoice-store.ts';

/**
 * Payment methods live at the provider; Kontor keeps, per customer, what the reference shows
 * of each (type, brand, last4, expiry), the provider's id, and which one is the default (one
 * per customer, held by a unique partial index). Listing shows the methods of the provider
 * the app has now; with none configured the list is empty.
 */
export interface PaymentMethod extends ProviderCard {
  id: string;
  orgId: string;
  mode: string;
  customerId: string;
  provider: ProviderName;
  providerCustomerId: string;
  isDefault: boolean;
  createdAt: Date;
}

const toMethod = (r: any): PaymentMethod => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  customerId: r.customer_id,
  provider: r.provider,
  providerId: r.provider_id,
  providerCustomerId: r.provider_customer_id,
  type: r.type,
  brand: r.brand,
  last4: r.last4,
  expiryMonth: r.expiry_month,
  expiryYear: r.expiry_year,
  isDefault: r.is_default,
  createdAt: r.created_at,
});

/** The provider's customer for a billing customer, if one was made. */
export async function providerCustomerOf(db: Queryable, scope: BillingScope, customerId: string, provider: ProviderName): Promise<string | null> {
  const rows = await db.query<{ provider_customer_id: string }>(
    `SELECT provider_customer_id FROM billing_provider_customers WHERE org_id = $1 AND mode = $2 AND customer_id = $3 AND provider = $4`,
    [scope.orgId, scope.mode, customerId, provider],
  );
  return rows[0]?.provider_customer_id ?? null;
}

/**
 * Records a payment method the provider saved (and the provider's customer, the first
 * time). The same provider method twice is the one stored (a retried add). The first method
 * of a customer is its default; `setDefault` makes this one the default.
 */
export async function savePaymentMethod(
  tx: Queryable,
  scope: BillingScope,
  input: { customerId: string; provider: ProviderName; providerCustomerId: string; card: ProviderCard; setDefault: boolean },
  now: Date,
): Promise<PaymentMethod> {
  await tx.query(
    `INSERT INTO billing_provider_customers (org_id, mode, customer_id, provider, provider_customer_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [scope.orgId, scope.mode, input.customerId, input.provider, input.providerCustomerId],
  );
  // Serialises adds and deletes of one customer's methods (the default moves under this lock).
  await tx.query(`SELECT 1 FROM billing_customers WHERE org_id = $1 AND id = $2 FOR UPDATE`, [scope.orgId, input.customerId]);
  const known = await tx.query(`SELECT * FROM billing_payment_methods WHERE org_id = $1 AND mode = $2 AND provider = $3 AND provider_id = $4`, [scope.orgId, scope.mode, input.provider, input.card.providerId]);
  const existing = known.length > 0 ? toMethod(known[0]) : null;
  if (existing && existing.customerId !== input.customerId) throw billingError('invalid_input', 'this payment method belongs to another customer', 'token');
  const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_payment_methods WHERE org_id = $1 AND customer_id = $2 AND is_default`, [scope.orgId, input.customerId]);
  const makeDefault = input.setDefault || n === 0;
  if (makeDefault) await tx.query(`UPDATE billing_payment_methods SET is_default = false WHERE org_id = $1 AND customer_id = $2 AND is_default`, [scope.orgId, input.customerId]);
  if (existing) {
    const rows = await tx.query(`UPDATE billing_payment_methods SET is_default = is_default OR $3 WHERE org_id = $1 AND id = $2 RETURNING *`, [scope.orgId, existing.id, makeDefault]);
    return toMethod(rows[0]);
  }
  const c = input.card;
  const rows = await tx.query(
    `INSERT INTO billing_payment_methods (org_id, mode, id, customer_id, provider, provider_id, provider_customer_id, type, last4, brand, expiry_month, expiry_year, is_default, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
    [scope.orgId, scope.mode, newId(), input.customerId, input.provider, c.providerId, input.providerCustomerId, c.type, c.last4, c.brand, c.expiryMonth, c.expiryYear, makeDefault, now],
  );
  return toMethod(rows[0]);
}

/** A customer's methods at `provider`, the default first, then oldest first. */
export async function listPaymentMethods(db: Queryable, scope: BillingScope, customerId: string, provider: ProviderName): Promise<PaymentMethod[]> {
  const rows = await db.query(
    `SELECT * FROM billing_payment_methods WHERE org_id = $1 AND mode = $2 AND customer_id = $3 AND provider = $4 ORDER BY is_default DESC, created_at, id`,
    [scope.orgId, scope.mode, customerId, provider],
  );
  return rows.map(toMethod);
}

/** The customer's default method at `provider`, if any: what collection charges. */
export async function defaultPaymentMethod(db: Queryable, scope: BillingScope, customerId: string, provider: ProviderName): Promise<PaymentMethod | null> {
  const rows = await db.query(`SELECT * FROM billing_payment_methods WHERE org_id = $1 AND mode = $2 AND customer_id = $3 AND provider = $4 AND is_default`, [scope.orgId, scope.mode, customerId, provider]);
  return rows.length === 0 ? null : toMethod(rows[0]);
}

/**
 * A method by id (null: text that is no method id); with a tenant in context, only its
 * customer's. The reference's 404 here is `not_found`.
 */
export async function getPaymentMethod(db: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, lock = ''): Promise<PaymentMethod> {
  const rows =
    id === null
      ? []
      : await db.query(
          `SELECT m.* FROM billing_payment_methods m JOIN billing_customers c ON c.org_id = m.org_id AND c.id = m.customer_id
            WHERE m.org_id = $1 AND m.mode = $2 AND m.id = $3 AND ($4::text IS NULL OR c.tenant_id = $4) ${lock ? `${lock} OF m` : ''}`,
          [scope.orgId, scope.mode, id, tenantId],
        );
  if (rows.length === 0) throw new DomainError('not_found', 'the payment method does not exist', 'id');
  return toMethod(rows[0]);
}

/**
 * `DELETE /ledger/payment-methods/{id}`: refused (400 `invalid_state`) when it is the
 * customer's only method and the customer has invoices waiting for payment (`openInvoices`:
 * finalised and unpaid). A deleted default leaves the customer's oldest other method the
 * default. The provider's copy is removed by the caller, after the commit.
 */
export async function deletePaymentMethod(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, openInvoices: (customerId: string) => Promise<number>): Promise<PaymentMethod> {
  const found = await getPaymentMethod(tx, scope, id, tenantId);
  await tx.query(`SELECT 1 FROM billing_customers WHERE org_id = $1 AND id = $2 FOR UPDATE`, [scope.orgId, found.customerId]);
  const method = await getPaymentMethod(tx, scope, found.id, tenantId);
  const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_payment_methods WHERE org_id = $1 AND customer_id = $2 AND provider = $3`, [scope.orgId, method.customerId, method.provider]);
  if (n === 1) {
    const open = await openInvoices(method.customerId);
    if (open > 0) throw billingError('invalid_state', `this is the customer's only payment method and ${open} invoice(s) wait for payment`, 'id');
  }
  await tx.query(`DELETE FROM billing_payment_methods WHERE org_id = $1 AND id = $2`, [scope.orgId, method.id]);
  if (method.isDefault) {
    await tx.query(
      `UPDATE billing_payment_methods SET is_default = true WHERE org_id = $1 AND id = (
         SELECT id FROM billing_payment_methods WHERE org_id = $1 AND customer_id = $2 AND provider = $3 ORDER BY created_at, id LIMIT 1)`,
      [scope.orgId, method.customerId, method.provider],
    );
  }
  return method;
}

/** Invoices of a customer waiting for payment (finalised: pending or past_due), through the invoices' own list. */
export async function openInvoiceCount(db: Queryable, scope: BillingScope, customerId: string): Promise<number> {
  let n = 0;
  for (const status of ['pending', 'past_due'] as const) n += (await listInvoices(db, scope, { tenantId: null, customerId, status }, { limit: 1, offset: 0 })).total;
  return n;
}
