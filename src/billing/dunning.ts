import type { Queryable } from '../platform/db.ts';
import { emitInvoiceEvents } from './invoice-events.ts';
import { getInvoice, type InvoiceRecord } from './invoice-store.ts';
import type { PaymentRecord } from './payment-store.ts';
import type { BillingScope } from './scope.ts';
import { cancel, getSubscription, markSubscriptionPastDue, settleSubscriptionPastDue } from './subscription-store.ts';

/**
 * Dunning (decision 0027): what follows a failed automatic collection. The first failure
 * makes the invoice `past_due` (and its subscription, if active, `past_due`); the collector
 * retries 1, 3 and 7 days after that first failure (3 retries over 7 days, `RETRY_DAYS`);
 * after the last retry fails nothing more is tried and the subscription is canceled at once,
 * or kept past_due, as the app's collection settings say. Paying the invoice by any road
 * (a retry, a webhook, `POST /invoices/{id}/pay`) ends its dunning and makes a past_due
 * subscription with no other past_due invoice active again.
 */
export const RETRY_DAYS: readonly number[] = [1, 3, 7];
const DAY_MS = 86_400_000;

export type AfterFinalFailure = 'cancel' | 'keep';
export interface CollectionSettings {
  retryDays: readonly number[];
  afterFinalFailure: AfterFinalFailure;
}

export async function getCollectionSettings(db: Queryable, scope: BillingScope): Promise<CollectionSettings> {
  const rows = await db.query<{ after_final_failure: AfterFinalFailure }>(`SELECT after_final_failure FROM billing_collection_settings WHERE org_id = $1 AND mode = $2`, [scope.orgId, scope.mode]);
  return { retryDays: RETRY_DAYS, afterFinalFailure: rows[0]?.after_final_failure ?? 'cancel' };
}

export async function setCollectionSettings(tx: Queryable, scope: BillingScope, afterFinalFailure: AfterFinalFailure, now: Date): Promise<CollectionSettings> {
  await tx.query(
    `INSERT INTO billing_collection_settings (org_id, mode, after_final_failure, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, mode) DO UPDATE SET after_final_failure = EXCLUDED.after_final_failure, updated_at = EXCLUDED.updated_at`,
    [scope.orgId, scope.mode, afterFinalFailure, now],
  );
  return { retryDays: RETRY_DAYS, afterFinalFailure };
}

/** When attempt `failed` (1 = the first charge) failed, the next retry, or null after the last. */
export function nextRetryAt(firstFailedAt: Date, failed: number): Date | null {
  return failed <= RETRY_DAYS.length ? new Date(firstFailedAt.getTime() + RETRY_DAYS[failed - 1] * DAY_MS) : null;
}

/** A collection attempt failed (the payment's transaction): schedule the retry or end dunning. API payments leave dunning alone. */
export async function afterCollectionFailed(tx: Queryable, scope: BillingScope, payment: PaymentRecord, now: Date): Promise<void> {
  if (payment.collectionAttempt === null) return;
  const invoice = await getInvoice(tx, scope, { id: payment.invoiceId }, null, 'FOR UPDATE');
  if (invoice.status !== 'pending' && invoice.status !== 'past_due') return;
  const [row] = await tx.query<{ first_failed_at: Date | null }>(`SELECT first_failed_at FROM billing_invoices WHERE org_id = $1 AND id = $2`, [scope.orgId, invoice.id]);
  const first = row.first_failed_at ?? now;
  const next = nextRetryAt(first, payment.collectionAttempt);
  await tx.query(
    `UPDATE billing_invoices SET status = 'past_due', first_failed_at = $3, next_collection_at = $4, updated_at = $5 WHERE org_id = $1 AND id = $2`,
    [scope.orgId, invoice.id, first, next, now],
  );
  if (invoice.status === 'pending') await emitInvoiceEvents(tx, scope, [{ type: 'invoice.past_due', invoice: await getInvoice(tx, scope, { id: invoice.id }, null) }], now);
  let subscription = await getSubscription(tx, scope, invoice.subscriptionId, null);
  if (subscription.status === 'active') subscription = await markSubscriptionPastDue(tx, scope, subscription.id, now);
  if (next !== null) return;
  const settings = await getCollectionSettings(tx, scope);
  if (settings.afterFinalFailure === 'cancel' && subscription.status !== 'canceled' && subscription.status !== 'expired') await cancel(tx, scope, subscription.id, null, now, true);
}

/** An invoice was paid: its collection ends; its past_due subscription is active again once nothing else of it is past_due. */
export async function afterInvoicePaid(tx: Queryable, scope: BillingScope, invoice: InvoiceRecord, now: Date): Promise<void> {
  const subscription = await getSubscription(tx, scope, invoice.subscriptionId, null);
  if (subscription.status !== 'past_due') return;
  const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND subscription_id = $3 AND status = 'past_due'`, [scope.orgId, scope.mode, subscription.id]);
  if (n === 0) await settleSubscriptionPastDue(tx, scope, subscription.id, now);
}
