import type { Db, Queryable } from '../platform/db.ts';
import type { WriteRunner } from '../platform/write-runner.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { billingCodeOf } from './errors.ts';
import { getInvoice } from './invoice-store.ts';
import { chargeAtProvider } from './payment-calls.ts';
import { defaultPaymentMethod } from './payment-method-store.ts';
import { paymentsOfInvoice, type PaymentRecord } from './payment-store.ts';
import { openPayment, recordCharge } from './payments.ts';
import { getProviderAccount, type ProviderEndpoints } from './providers/accounts.ts';
import type { BillingScope } from './scope.ts';
import { wireId } from './wire.ts';

/**
 * Automatic collection (decision 0027): every finalised invoice with something to pay is due
 * for collection at once (`next_collection_at`, set at finalisation). The collector charges
 * it with the customer's default payment method at the app's provider through the three
 * steps of a payment (payments.ts), keyed `inv_…:collection:<attempt>`, so an attempt
 * interrupted by a crash is resumed (same key, same provider object), never made twice. No
 * provider or no default method: the invoice waits to be paid otherwise (nothing more is
 * tried). A failure hands over to dunning (dunning.ts), which sets the next attempt.
 *
 * Run by the scheduler (every world, by real time plus each sandbox's offset) and by a test
 * clock's advance (its sandbox, after the advance committed). Rows are taken `FOR UPDATE SKIP
 * LOCKED` and leased while the provider is called, so two servers never charge one invoice.
 */
export interface CollectionServices {
  db: Db;
  writes: WriteRunner;
  ledger: LedgerEngine;
  endpoints: ProviderEndpoints;
}

/** How long an invoice is held while its provider call runs; a crash leaves it to be resumed after. */
const LEASE_MS = 15 * 60_000;
const BATCH = 50;

/** Worlds with collection due by real time `now`, each with its own time (a sandbox's clock may be ahead). */
export async function collectionWorlds(db: Queryable, now: Date, limit = 100): Promise<(BillingScope & { now: Date })[]> {
  const rows = await db.query<{ org_id: string; mode: 'live' | 'sandbox'; offset_ms: bigint | null }>(
    `SELECT w.org_id, w.mode, c.offset_ms FROM (
        SELECT DISTINCT i.org_id, i.mode FROM billing_invoices i
          LEFT JOIN billing_test_clocks c ON c.org_id = i.org_id AND i.mode = 'sandbox'
         WHERE i.next_collection_at IS NOT NULL AND i.next_collection_at <= $1::timestamptz + coalesce(c.offset_ms, 0) * interval '1 millisecond'
      ) AS w LEFT JOIN billing_test_clocks c ON c.org_id = w.org_id AND w.mode = 'sandbox'
      ORDER BY w.org_id, w.mode LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => ({ orgId: r.org_id, mode: r.mode, now: new Date(now.getTime() + Number(r.offset_ms ?? 0n)) }));
}

async function dueInvoices(db: Queryable, scope: BillingScope, now: Date): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND next_collection_at <= $3 ORDER BY next_collection_at, id LIMIT $4`,
    [scope.orgId, scope.mode, now, BATCH],
  );
  return rows.map((r) => r.id);
}

const setNext = (tx: Queryable, scope: BillingScope, id: string, next: Date | null, attempts?: number) =>
  tx.query(`UPDATE billing_invoices SET next_collection_at = $3, collection_attempts = COALESCE($4, collection_attempts) WHERE org_id = $1 AND id = $2`, [scope.orgId, id, next, attempts ?? null]);

/**
 * Step 1 of an attempt, in the caller's transaction: the invoice, if still due and not held
 * by another collector, gets its attempt's payment (the unfinished one of the last attempt,
 * after a crash) and is leased. Null: nothing to charge now.
 */
export async function openCollection(tx: Queryable, scope: BillingScope, invoiceId: string, now: Date): Promise<PaymentRecord | null> {
  const held = await tx.query<{ collection_attempts: number }>(
    `SELECT collection_attempts FROM billing_invoices WHERE org_id = $1 AND mode = $2 AND id = $3 AND next_collection_at <= $4 FOR UPDATE SKIP LOCKED`,
    [scope.orgId, scope.mode, invoiceId, now],
  );
  if (held.length === 0) return null;
  const attempts = held[0].collection_attempts;
  const invoice = await getInvoice(tx, scope, { id: invoiceId }, null);
  const account = await getProviderAccount(tx, scope);
  const method = account && invoice.customerId ? await defaultPaymentMethod(tx, scope, invoice.customerId, account.provider) : null;
  if ((invoice.status !== 'pending' && invoice.status !== 'past_due') || !account || !method) {
    await setNext(tx, scope, invoiceId, null);
    return null;
  }
  const unfinished = (await paymentsOfInvoice(tx, scope, invoiceId)).some((p) => p.status === 'pending' && p.collectionAttempt === attempts);
  const attempt = unfinished ? attempts : attempts + 1;
  try {
    const payment = await openPayment(tx, scope, account, { invoice: { id: invoiceId }, tenantId: null, idempotencyKey: `${wireId('inv', invoiceId)}:collection:${attempt}`, collectionAttempt: attempt }, now);
    await setNext(tx, scope, invoiceId, new Date(now.getTime() + LEASE_MS), attempt);
    return payment;
  } catch (error) {
    // Another payment of the invoice is in flight (through the API): look again after the lease.
    if (billingCodeOf(error) !== 'invalid_state') throw error;
    await setNext(tx, scope, invoiceId, new Date(now.getTime() + LEASE_MS));
    return null;
  }
}

/** One attempt on one invoice: open (a transaction), charge (outside), record (a transaction). Returns whether a charge was made or resumed. */
export async function collectInvoice(s: CollectionServices, scope: BillingScope, invoiceId: string, now: Date): Promise<boolean> {
  const context = { orgId: scope.orgId, principalId: 'scheduler', surface: 'billing', operation: 'collectInvoice', requestId: null };
  const payment = await s.writes.execute(context, (tx) => openCollection(tx, scope, invoiceId, now));
  if (!payment || payment.status !== 'pending' || payment.processorId !== null) return payment !== null;
  const invoice = await getInvoice(s.db, scope, { id: invoiceId }, null);
  // A provider error or timeout leaves the payment pending: the lease brings the same attempt back.
  const result = await chargeAtProvider(s.db, scope, s.endpoints, payment, invoice.number);
  await s.writes.execute({ ...context, operation: 'recordCollection' }, (tx) => recordCharge(tx, scope, payment.id, result, now, s.ledger));
  return true;
}

/** Collects everything due in one world at `now`, invoice by invoice; returns the attempts made. */
export async function collectWorld(s: CollectionServices, scope: BillingScope, now: Date, onError: (error: unknown) => void = () => {}): Promise<number> {
  let made = 0;
  const tried = new Map<string, number>();
  for (;;) {
    // An invoice comes back in one run only while its next retry is also due by `now` (a clock advanced past several).
    const ids = (await dueInvoices(s.db, scope, now)).filter((id) => (tried.get(id) ?? 0) < 10);
    if (ids.length === 0) return made;
    for (const id of ids) {
      tried.set(id, (tried.get(id) ?? 0) + 1);
      try {
        if (await collectInvoice(s, scope, id, now)) made++;
      } catch (error) {
        tried.set(id, 10);
        onError(error);
      }
    }
  }
}

/** Every world's due collection by real time `now` (the scheduler). */
export async function collectDue(s: CollectionServices, now: Date, onError: (error: unknown) => void = () => {}): Promise<number> {
  let made = 0;
  for (const world of await collectionWorlds(s.db, now)) made += await collectWorld(s, { orgId: world.orgId, mode: world.mode }, world.now, onError);
  return made;
}
