import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import { billingError } from './errors.ts';
import type { ProviderName } from './providers/provider.ts';
import { pageOf, type BillingScope, type Page, type PageRequest } from './scope.ts';

/** The SQL of payments and refunds; the rules are in payments.ts. */
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'refunded', 'canceled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

export interface PaymentRecord {
  id: string;
  orgId: string;
  mode: string;
  invoiceId: string;
  customerId: string;
  tenantId: string;
  amount: bigint;
  currency: string;
  status: PaymentStatus;
  provider: ProviderName;
  paymentMethodId: string | null;
  providerMethodId: string;
  providerCustomerId: string;
  processorId: string | null;
  idempotencyKey: string;
  collectionAttempt: number | null;
  failureMessage: string | null;
  refundedAmount: bigint;
  refundReason: string | null;
  succeededAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RefundRecord {
  id: string;
  paymentId: string;
  amount: bigint;
  currency: string;
  status: RefundStatus;
  provider: ProviderName;
  processorId: string | null;
  reason: string | null;
  requestKey: string | null;
  createdAt: Date;
}

const toPayment = (r: any): PaymentRecord => ({
  id: r.id,
  orgId: r.org_id,
  mode: r.mode,
  invoiceId: r.invoice_id,
  customerId: r.customer_id,
  tenantId: r.tenant_id,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  provider: r.provider,
  paymentMethodId: r.payment_method_id,
  providerMethodId: r.provider_method_id,
  providerCustomerId: r.provider_customer_id,
  processorId: r.processor_id,
  idempotencyKey: r.idempotency_key,
  collectionAttempt: r.collection_attempt,
  failureMessage: r.failure_message,
  refundedAmount: r.refunded_amount,
  refundReason: r.refund_reason,
  succeededAt: r.succeeded_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toRefund = (r: any): RefundRecord => ({
  id: r.id,
  paymentId: r.payment_id,
  amount: r.amount,
  currency: r.currency,
  status: r.status,
  provider: r.provider,
  processorId: r.processor_id,
  reason: r.reason,
  requestKey: r.request_key,
  createdAt: r.created_at,
});

export interface NewPayment {
  invoiceId: string;
  customerId: string;
  tenantId: string;
  amount: bigint;
  currency: string;
  provider: ProviderName;
  paymentMethodId: string;
  providerMethodId: string;
  providerCustomerId: string;
  idempotencyKey: string;
  collectionAttempt: number | null;
}

/** A new pending payment; a key already taken returns null (the caller reads the one holding it). */
export async function insertPayment(tx: Queryable, scope: BillingScope, p: NewPayment, now: Date): Promise<PaymentRecord | null> {
  const rows = await tx.query(
    `INSERT INTO billing_payments (org_id, mode, id, invoice_id, customer_id, tenant_id, amount, currency, status, provider, payment_method_id, provider_method_id,
                                   provider_customer_id, idempotency_key, collection_attempt, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $12, $13, $14, $15, $15)
     ON CONFLICT (org_id, mode, idempotency_key) DO NOTHING RETURNING *`,
    [scope.orgId, scope.mode, newId(), p.invoiceId, p.customerId, p.tenantId, p.amount, p.currency, p.provider, p.paymentMethodId, p.providerMethodId, p.providerCustomerId, p.idempotencyKey, p.collectionAttempt, now],
  );
  return rows.length === 0 ? null : toPayment(rows[0]);
}

/** A payment by id (null: text that is no payment id); with a tenant in context, only its own. Missing: 404 `payment_not_found`. */
export async function getPayment(db: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, lock = ''): Promise<PaymentRecord> {
  const rows = id === null ? [] : await db.query(`SELECT * FROM billing_payments WHERE org_id = $1 AND mode = $2 AND id = $3 AND ($4::text IS NULL OR tenant_id = $4) ${lock}`, [scope.orgId, scope.mode, id, tenantId]);
  if (rows.length === 0) throw billingError('payment_not_found', 'the payment does not exist', 'id');
  return toPayment(rows[0]);
}

export async function paymentByKey(db: Queryable, scope: BillingScope, key: string): Promise<PaymentRecord | null> {
  const rows = await db.query(`SELECT * FROM billing_payments WHERE org_id = $1 AND mode = $2 AND idempotency_key = $3`, [scope.orgId, scope.mode, key]);
  return rows.length === 0 ? null : toPayment(rows[0]);
}

/** The payments of an invoice, oldest first. */
export async function paymentsOfInvoice(db: Queryable, scope: BillingScope, invoiceId: string): Promise<PaymentRecord[]> {
  return (await db.query(`SELECT * FROM billing_payments WHERE org_id = $1 AND mode = $2 AND invoice_id = $3 ORDER BY created_at, id`, [scope.orgId, scope.mode, invoiceId])).map(toPayment);
}

/** The payment a provider's id names, in any app (provider webhooks; ids are the provider's, unique at it). */
export async function paymentByProcessor(db: Queryable, provider: ProviderName, processorId: string, lock = ''): Promise<PaymentRecord | null> {
  const rows = await db.query(`SELECT * FROM billing_payments WHERE provider = $1 AND processor_id = $2 ${lock}`, [provider, processorId]);
  return rows.length === 0 ? null : toPayment(rows[0]);
}

/** A payment by its uuid in any app (provider webhooks, from the id Kontor put in the provider's metadata). */
export async function paymentById(db: Queryable, id: string, lock = ''): Promise<PaymentRecord | null> {
  const rows = await db.query(`SELECT * FROM billing_payments WHERE id = $1 ${lock}`, [id]);
  return rows.length === 0 ? null : toPayment(rows[0]);
}

export interface PaymentFilter {
  tenantId: string | null;
  status?: PaymentStatus;
  invoiceId?: string | null;
  customerId?: string | null;
}

/** Newest first, ties by id. */
export async function listPayments(db: Queryable, scope: BillingScope, filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>> {
  const where = `org_id = $1 AND mode = $2 AND ($3::text IS NULL OR tenant_id = $3) AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR invoice_id = $5) AND ($6::uuid IS NULL OR customer_id = $6)`;
  const params = [scope.orgId, scope.mode, filter.tenantId, filter.status ?? null, filter.invoiceId ?? null, filter.customerId ?? null];
  const rows = await db.query(`SELECT * FROM billing_payments WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $7 OFFSET $8`, [...params, page.limit + 1, page.offset]);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_payments WHERE ${where}`, params);
  return pageOf(rows.map(toPayment), n, page);
}

/** A customer's payments with their invoice numbers, newest first (the portal and the export). */
export async function customerPaymentRows(db: Queryable, scope: BillingScope, customerId: string): Promise<(PaymentRecord & { invoiceNumber: string | null })[]> {
  const rows = await db.query(
    `SELECT p.*, i.number AS invoice_number FROM billing_payments p JOIN billing_invoices i ON i.org_id = p.org_id AND i.id = p.invoice_id
      WHERE p.org_id = $1 AND p.mode = $2 AND p.customer_id = $3 ORDER BY p.created_at DESC, p.id DESC`,
    [scope.orgId, scope.mode, customerId],
  );
  return rows.map((r) => ({ ...toPayment(r), invoiceNumber: r.invoice_number }));
}

export interface PaymentChange {
  status?: PaymentStatus;
  processorId?: string | null;
  failureMessage?: string | null;
  refundedAmount?: bigint;
  refundReason?: string | null;
  succeededAt?: Date | null;
}

export async function savePayment(tx: Queryable, scope: BillingScope, id: string, change: PaymentChange, now: Date): Promise<PaymentRecord> {
  const rows = await tx.query(
    `UPDATE billing_payments SET status = COALESCE($4, status), processor_id = COALESCE(processor_id, $5), failure_message = COALESCE($6, failure_message),
            refunded_amount = COALESCE($7, refunded_amount), refund_reason = COALESCE($8, refund_reason), succeeded_at = COALESCE(succeeded_at, $9), updated_at = $10
      WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`,
    [scope.orgId, scope.mode, id, change.status ?? null, change.processorId ?? null, change.failureMessage ?? null, change.refundedAmount ?? null, change.refundReason ?? null, change.succeededAt ?? null, now],
  );
  return toPayment(rows[0]);
}

export async function insertRefund(
  tx: Queryable,
  scope: BillingScope,
  r: { paymentId: string; amount: bigint; currency: string; status: RefundStatus; provider: ProviderName; processorId: string | null; reason: string | null; requestKey: string | null },
  now: Date,
): Promise<RefundRecord> {
  const rows = await tx.query(
    `INSERT INTO billing_refunds (org_id, mode, id, payment_id, amount, currency, status, provider, processor_id, reason, request_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING *`,
    [scope.orgId, scope.mode, newId(), r.paymentId, r.amount, r.currency, r.status, r.provider, r.processorId, r.reason, r.requestKey, now],
  );
  return toRefund(rows[0]);
}

/** A payment's refunds, oldest first. */
export async function refundsOf(db: Queryable, scope: BillingScope, paymentId: string): Promise<RefundRecord[]> {
  return (await db.query(`SELECT * FROM billing_refunds WHERE org_id = $1 AND mode = $2 AND payment_id = $3 ORDER BY created_at, id`, [scope.orgId, scope.mode, paymentId])).map(toRefund);
}

export async function refundByProcessor(db: Queryable, provider: ProviderName, processorId: string): Promise<RefundRecord | null> {
  const rows = await db.query(`SELECT * FROM billing_refunds WHERE provider = $1 AND processor_id = $2`, [provider, processorId]);
  return rows.length === 0 ? null : toRefund(rows[0]);
}

export async function saveRefund(tx: Queryable, scope: BillingScope, id: string, change: { status?: RefundStatus; processorId?: string | null }, now: Date): Promise<RefundRecord> {
  const rows = await tx.query(
    `UPDATE billing_refunds SET status = COALESCE($4, status), processor_id = COALESCE(processor_id, $5), updated_at = $6 WHERE org_id = $1 AND mode = $2 AND id = $3 RETURNING *`,
    [scope.orgId, scope.mode, id, change.status ?? null, change.processorId ?? null, now],
  );
  return toRefund(rows[0]);
}
