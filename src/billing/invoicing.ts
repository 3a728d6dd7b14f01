import type { Queryable } from '../platform/db.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { finalisedEntry, paidEntry, postCoded, recognisedEntry, voidedEntry, type CodedEntry } from './books.ts';
import { lockCredit, moveCredit, type CreditMove } from './credit-store.ts';
import { customersOfTenants } from './customer-store.ts';
import { discountsFor } from './discounts.ts';
import { emitInvoiceEvents } from './invoice-events.ts';
import { afterInvoicePaid } from './dunning.ts';
import { billingError } from './errors.ts';
import { buildInvoice, type DraftLine } from './invoice-build.ts';
import { claimPending, releasePending, unclaimedPending, usageForWindows } from './invoice-inputs-store.ts';
import { assertInvoiceCommand, DUE_DAYS } from './invoice-states.ts';
import { insertDrafts, insertLines, type NewInvoice } from './invoice-draft-store.ts';
import { stopAutoFinalize } from './invoice-due-store.ts';
import { invoiceNumber, saveFinalised, saveStatus, takeNumbers, type Finalised } from './invoice-status-store.ts';
import { getInvoice, loadInvoices, type InvoiceRecord } from './invoice-store.ts';
import type { BillingPeriodSpan } from './periods.ts';
import { plansByIds, type Plan } from './plan-store.ts';
import type { BillingScope } from './scope.ts';
import type { SubscriptionRecord } from './subscription-store.ts';
import { getTaxSettings } from './tax-store.ts';
import { taxFor } from './tax.ts';

/**
 * Invoices (decision 0019): drafts made from a subscription's period, finalised (numbered,
 * credit applied, posted to the ledger), voided and paid, each in the caller's transaction.
 * Set-based over many invoices: the clock's period-end run makes and finalises hundreds per
 * statement.
 */

/** A period of a subscription to invoice, and the plan the subscription was on at its end. */
export interface PeriodToBill {
  subscription: SubscriptionRecord;
  plan: Plan;
  period: BillingPeriodSpan;
  /** Cut short by a change of billing period: the change's credit, starting at its end, is its own. */
  cut?: boolean;
}

const DAY_MS = 86_400_000;

/** In the order a read by ids gives (`ORDER BY id`: uuids compare as their lower-case text). */
const byId = (invoices: InvoiceRecord[]) => invoices.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/**
 * Makes the drafts of `items`: usage over [period start, min(now, period end)), the plan's
 * base fee (of the plan in force when the period began: the oldest pending credit line of a
 * plan change in that period names it), seats, pending proration lines (claimed by the new
 * draft), the coupons' discounts, tax by the app's rule. `auto`: the clock's drafts, finalised
 * by the scheduler at once; a period already invoiced is skipped. Otherwise (on demand) a
 * second non-voided invoice of a period is 409 `already_exists`.
 */
export async function makeDrafts(tx: Queryable, scope: BillingScope, items: readonly PeriodToBill[], now: Date, auto: boolean): Promise<(string | null)[]> {
  if (items.length === 0) return [];
  const customers = await customersOfTenants(tx, scope, items.map((i) => i.subscription.tenantId));
  const settings = await getTaxSettings(tx, scope);
  const usage = await usageForWindows(
    tx,
    scope,
    items.map((i) => ({ tenantId: i.subscription.tenantId, from: i.period.start, to: new Date(Math.min(now.getTime(), i.period.end.getTime())) })),
  );
  const subIds = items.map((i) => i.subscription.id);
  const pending = await unclaimedPending(tx, scope, subIds);
  const discounts = await discountsFor(tx, scope, subIds);
  const owners = pendingOwners(items, pending);
  const pendingOf = (n: number) => (pending.get(items[n].subscription.id) ?? []).filter((p) => owners.get(p.id)?.item === n);
  // The plan the period began on: the oldest credit of a change made within it names it.
  const basePlanIds = new Map<number, string>();
  items.forEach((item, n) => {
    const first = pendingOf(n).find((p) => p.amount < 0n && owners.get(p.id)!.within);
    if (first && first.planId !== item.plan.id) basePlanIds.set(n, first.planId);
  });
  const basePlans = await plansByIds(tx, scope, [...new Set(basePlanIds.values())]);

  const drafts: NewInvoice[] = items.map((item, n) => {
    const { subscription: s, plan, period } = item;
    const customer = customers.get(s.tenantId) ?? null;
    const tax = taxFor(settings, customer && { country: customer.billingAddress?.country ?? null, taxIds: customer.taxIds });
    const basePlan = basePlans.get(basePlanIds.get(n) ?? '') ?? plan;
    const figures = buildInvoice({
      period,
      plan,
      basePlan,
      trialEnd: s.trialEnd,
      usage: usage.get(String(n)) ?? new Map(),
      seats: s.seats,
      pending: pendingOf(n),
      discounts: discounts.get(s.id) ?? [],
      tax,
    });
    return {
      tenantId: s.tenantId,
      customerId: customer?.id ?? null,
      subscriptionId: s.id,
      planId: plan.id,
      currency: plan.currency,
      subtotal: figures.subtotal,
      discount: figures.discount,
      tax: figures.tax,
      total: figures.total,
      taxRatePpm: tax.ppm,
      taxNote: tax.note,
      periodStart: period.start,
      periodEnd: period.end,
      autoFinalizeAt: auto ? now : null,
      lines: figures.lines,
    };
  });
  const records = await insertDrafts(tx, scope, drafts, now, auto);
  const ids = records.map((r) => r?.id ?? null);
  // Each draft claims the lines it carries (a period skipped as already invoiced leaves its lines for a later draft).
  const claims = items.flatMap((_, n) => (ids[n] ? pendingOf(n).map((p) => ({ lineId: p.id, invoiceId: ids[n]! })) : []));
  await claimPending(tx, scope, claims);
  const made = byId(records.filter((r): r is InvoiceRecord => r !== null));
  await emitInvoiceEvents(tx, scope, made.map((invoice) => ({ type: 'invoice.created' as const, invoice })), now);
  return ids;
}

/**
 * Which of `items` carries each pending line: the period its change fell in (the line starts
 * at the change: within [start, end), or at the end of a period a change of billing period
 * cut short), `within`; a line older than a subscription's first period here (released by a
 * void) goes on that first one. Lines of a later period wait for its invoice; no line is
 * carried twice when one run bills several periods of a subscription.
 */
function pendingOwners(items: readonly PeriodToBill[], pending: ReadonlyMap<string, readonly { id: string; periodStart: Date }[]>): Map<string, { item: number; within: boolean }> {
  const owners = new Map<string, { item: number; within: boolean }>();
  for (const [subscriptionId, lines] of pending) {
    const mine = items.flatMap((item, n) => (item.subscription.id === subscriptionId ? [n] : []));
    if (mine.length === 0) continue;
    for (const line of lines) {
      const at = line.periodStart.getTime();
      const n = mine.find((m) => {
        const { start, end } = items[m].period;
        return (at >= start.getTime() && at < end.getTime()) || (items[m].cut === true && at === end.getTime());
      });
      if (n !== undefined) owners.set(line.id, { item: n, within: true });
      else if (at < items[mine[0]].period.start.getTime()) owners.set(line.id, { item: mine[0], within: false });
    }
  }
  return owners;
}

/** `POST /ledger/invoices`: a draft of the subscription's current period as the clock has it now. */
export async function generateInvoice(tx: Queryable, scope: BillingScope, subscription: SubscriptionRecord, plan: Plan, period: BillingPeriodSpan, now: Date): Promise<InvoiceRecord> {
  if (subscription.status === 'paused') throw billingError('invalid_state', 'a paused subscription is not invoiced', 'subscription_id');
  if (subscription.status === 'canceled' || subscription.status === 'expired') {
    throw billingError('invalid_state', `a ${subscription.status} subscription has no current period to invoice`, 'subscription_id');
  }
  const [id] = await makeDrafts(tx, scope, [{ subscription, plan, period }], now, false);
  return (await loadInvoices(tx, scope, [id!]))[0];
}

const carriedCredit = (inv: InvoiceRecord) => (inv.subtotal < 0n ? -inv.subtotal : 0n);

/**
 * Finalises drafts (locked by the caller): each takes the next number of its year, applies the
 * customer's credit (a `credit` line; credit in another currency waits), is due in 30 days,
 * and posts its entry to the ledger; nothing left to pay makes it `paid` at once. Base fees of
 * a period not yet over go to deferred revenue (recognised at its end). Drafts with nobody to
 * bill are `invoice_incomplete` (`strict`) or left as drafts for a person (the clock's).
 */
export async function finalizeInvoices(tx: Queryable, scope: BillingScope, drafts: readonly InvoiceRecord[], now: Date, ledger: LedgerEngine, strict: boolean): Promise<InvoiceRecord[]> {
  const incomplete = drafts.filter((d) => d.customerId === null);
  if (strict && incomplete.length > 0) throw billingError('invoice_incomplete', 'the invoice has no customer to bill: create the tenant\'s customer first', 'customer_id');
  await stopAutoFinalize(tx, scope, incomplete.map((d) => d.id));
  const ready = drafts.filter((d) => d.customerId !== null);
  if (ready.length === 0) return [];
  const credit = await lockCredit(tx, scope, ready.map((d) => d.customerId!));
  const year = now.getUTCFullYear();
  const first = await takeNumbers(tx, scope, year, ready.length);
  const moves: CreditMove[] = [];
  const saved: Finalised[] = [];
  const newLines: { invoiceId: string; from: number; lines: DraftLine[] }[] = [];
  const entries: CodedEntry[] = [];
  const results: InvoiceRecord[] = [];
  ready.forEach((d, n) => {
    const account = credit.get(d.customerId!);
    const usable = account && account.currency === d.currency ? account.credit : 0n;
    const applied = usable < d.total ? usable : d.total;
    const carried = carriedCredit(d);
    if (account && account.currency === d.currency) account.credit += carried - applied;
    const lines: DraftLine[] = [];
    if (applied > 0n) {
      lines.push({ type: 'credit', description: 'Customer credit applied', quantity: 1n, unitAmount: -applied, amount: -applied, planId: null, featureKey: null, periodStart: null, periodEnd: null });
      moves.push({ customerId: d.customerId!, type: 'applied', delta: -applied, currency: d.currency, reason: null, invoiceId: d.id });
    }
    if (carried > 0n) moves.push({ customerId: d.customerId!, type: 'granted', delta: carried, currency: d.currency, reason: 'credit from a plan change', invoiceId: d.id });
    const deferred = d.periodEnd.getTime() > now.getTime();
    const deferredAmount = deferred ? d.lines.filter((l) => l.type === 'base' || l.type === 'proration').reduce((s, l) => s + l.amount, 0n) : 0n;
    const amountDue = d.total - applied;
    const done: Finalised = {
      id: d.id,
      status: amountDue === 0n ? 'paid' : 'pending',
      number: invoiceNumber(year, first + n),
      dueDate: new Date(now.getTime() + DUE_DAYS * DAY_MS),
      creditApplied: applied,
      amountDue,
      deferredAmount,
      paidAt: amountDue === 0n ? now : null,
    };
    saved.push(done);
    if (lines.length > 0) newLines.push({ invoiceId: d.id, from: d.lines.length, lines });
    // As saveFinalised stores it (the credit line's id comes when it is inserted, below).
    const after: InvoiceRecord = { ...d, ...done, finalizedAt: now, autoFinalizeAt: null, updatedAt: now, lines: [...d.lines, ...lines.map((l, i) => ({ ...l, id: `new-${i}` }))] };
    entries.push(finalisedEntry(after, deferred && deferredAmount !== 0n, carried, now));
    results.push(after);
  });
  await saveFinalised(tx, scope, saved, now);
  const stored = new Map((await insertLines(tx, scope, newLines)).map((lines, n) => [newLines[n].invoiceId, lines]));
  await moveCredit(tx, scope, moves, now);
  await postCoded(ledger, tx, scope, entries);
  // What was written, not read back: the invoices as a reload would give them (ordered by id).
  const finalised = byId(results.map((r) => (stored.has(r.id) ? { ...r, lines: [...r.lines.slice(0, r.lines.length - stored.get(r.id)!.length), ...stored.get(r.id)!] } : r)));
  await emitInvoiceEvents(
    tx,
    scope,
    finalised.flatMap((invoice) => [{ type: 'invoice.finalized' as const, invoice }, ...(invoice.status === 'paid' ? [{ type: 'invoice.paid' as const, invoice }] : [])]),
    now,
  );
  return finalised;
}

export type InvoiceKey = { id: string | null } | { number: string };

/** `POST /ledger/invoices/{id}/finalize`. */
export async function finalizeInvoice(tx: Queryable, scope: BillingScope, key: InvoiceKey, tenantId: string | null, now: Date, ledger: LedgerEngine): Promise<InvoiceRecord> {
  const invoice = await getInvoice(tx, scope, key, tenantId, 'FOR UPDATE');
  assertInvoiceCommand('finalize', invoice.status);
  return (await finalizeInvoices(tx, scope, [invoice], now, ledger, true))[0];
}

/**
 * `POST /ledger/invoices/{id}/void`: a finalised invoice's entry is mirrored, the credit it
 * took is given back (and credit it carried taken back); its pending lines wait for the
 * invoice made again.
 */
export async function voidInvoice(tx: Queryable, scope: BillingScope, key: InvoiceKey, tenantId: string | null, reason: string | null, now: Date, ledger: LedgerEngine): Promise<InvoiceRecord> {
  const invoice = await getInvoice(tx, scope, key, tenantId, 'FOR UPDATE');
  assertInvoiceCommand('void', invoice.status);
  if (invoice.status !== 'draft') {
    const carried = carriedCredit(invoice);
    const account = (await lockCredit(tx, scope, [invoice.customerId!])).get(invoice.customerId!);
    if (account && account.currency === invoice.currency && account.credit + invoice.creditApplied - carried < 0n) {
      throw billingError('invalid_state', 'the credit this invoice gave the customer has been used: it cannot be voided', 'id');
    }
    await moveCredit(
      tx,
      scope,
      [
        { customerId: invoice.customerId!, type: 'restored', delta: invoice.creditApplied, currency: invoice.currency, reason: 'invoice voided', invoiceId: invoice.id },
        { customerId: invoice.customerId!, type: 'applied', delta: -carried, currency: invoice.currency, reason: 'invoice voided', invoiceId: invoice.id },
      ],
      now,
    );
    await postCoded(ledger, tx, scope, [voidedEntry(invoice, carried, now)]);
  }
  await releasePending(tx, scope, invoice.id);
  await saveStatus(tx, scope, invoice.id, { status: 'voided', voidedAt: now, voidReason: reason }, now);
  const voided = await getInvoice(tx, scope, { id: invoice.id }, null);
  await emitInvoiceEvents(tx, scope, [{ type: 'invoice.voided', invoice: voided }], now);
  return voided;
}

export interface Payment {
  /** `cash:<provider>` receives it: `manual` for a payment marked by hand. */
  provider: string;
  paymentRef: string | null;
  paidAt: Date | null;
  /** The ledger entry's external id when the payment is a fact of its own (`pay_…:succeeded`); default `inv_…:paid`. */
  externalId?: string;
}

/**
 * Marks an invoice paid (`POST /ledger/invoices/{id}/pay`, or a provider's payment): Dr
 * cash:<provider>, Cr receivable, for the amount due. Draft: `invalid_state`; paid:
 * `invoice_paid`; voided: `invoice_voided`.
 */
export async function payInvoice(tx: Queryable, scope: BillingScope, key: InvoiceKey, tenantId: string | null, payment: Payment, now: Date, ledger: LedgerEngine): Promise<InvoiceRecord> {
  const invoice = await getInvoice(tx, scope, key, tenantId, 'FOR UPDATE');
  assertInvoiceCommand('pay', invoice.status);
  await postCoded(ledger, tx, scope, [paidEntry(invoice, payment.provider, now, payment.externalId)]);
  await saveStatus(tx, scope, invoice.id, { status: 'paid', paidAt: payment.paidAt ?? now, paymentRef: payment.paymentRef }, now);
  const paid = await getInvoice(tx, scope, { id: invoice.id }, null);
  await emitInvoiceEvents(tx, scope, [{ type: 'invoice.paid', invoice: paid }], now);
  await afterInvoicePaid(tx, scope, paid, now);
  return paid;
}

/** Recognises the deferred base fees of finalised invoices whose period has ended: Dr deferred revenue, Cr revenue. */
export async function recogniseDeferred(tx: Queryable, scope: BillingScope, invoices: readonly InvoiceRecord[], now: Date, ledger: LedgerEngine): Promise<void> {
  await postCoded(ledger, tx, scope, invoices.map((inv) => recognisedEntry(inv, inv.periodEnd)));
}
