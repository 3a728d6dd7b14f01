import type { Queryable } from '../platform/db.ts';
import { minorUnit } from '../platform/currencies.ts';
import { uuidToUlid } from '../platform/ids.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import type { AccountSpec } from '../ledger/ensure.ts';
import type { AccountType, EntryInput } from '../ledger/types.ts';
import type { InvoiceLine, InvoiceRecord } from './invoice-store.ts';
import type { BillingScope } from './scope.ts';

/**
 * Billing's books (decision 0016, extended by 0019): one ledger per app and mode, owner
 * `billing`, named `billing-live` / `billing-sandbox`, made by the first fact that posts.
 * Accounts per currency (code ends in `:<currency>`), made on first use. Every entry carries
 * the fact as its external id (`inv_…:finalized`), so a retried write posts once.
 */
export const BILLING_OWNER = 'billing';
export const ledgerName = (scope: BillingScope) => `billing-${scope.mode}`;

const display = (prefix: string, uuid: string) => `${prefix}_${uuidToUlid(uuid).toLowerCase()}`;
const assetOf = (currency: string) => {
  const code = currency.toUpperCase();
  return { currency: code, scale: minorUnit(code) ?? 2 };
};

/** The account codes (0016). */
export const ACCOUNTS = {
  receivable: (customerId: string, cur: string) => `receivable:${display('cst', customerId)}:${cur}`,
  customerCredit: (customerId: string, cur: string) => `customer_credit:${display('cst', customerId)}:${cur}`,
  planRevenue: (planId: string, cur: string) => `revenue:plan:${display('plan', planId)}:${cur}`,
  featureRevenue: (planId: string, key: string, cur: string) => `revenue:feature:${display('plan', planId)}:${key}:${cur}`,
  deferred: (planId: string, cur: string) => `deferred_revenue:${display('plan', planId)}:${cur}`,
  discounts: (cur: string) => `revenue:discounts:${cur}`,
  tax: (cur: string) => `tax_payable:${cur}`,
  cash: (provider: string, cur: string) => `cash:${provider}:${cur}`,
  creditGrants: (cur: string) => `credit_grants:${cur}`,
  refunds: (cur: string) => `refunds:${cur}`,
};

const TYPES: [RegExp, AccountType, string][] = [
  [/^receivable:/, 'asset', 'Receivable'],
  [/^cash:/, 'asset', 'Cash'],
  [/^customer_credit:/, 'liability', 'Customer credit'],
  [/^deferred_revenue:/, 'liability', 'Deferred revenue'],
  [/^tax_payable:/, 'liability', 'Tax payable'],
  [/^credit_grants:/, 'expense', 'Credit granted'],
  [/^revenue:/, 'income', 'Revenue'],
  [/^refunds:/, 'income', 'Refunds'],
];

function specOf(code: string): AccountSpec {
  const [, type, name] = TYPES.find(([re]) => re.test(code))!;
  const cur = code.slice(code.lastIndexOf(':') + 1);
  return { code, name: `${name} ${code.slice(code.indexOf(':') + 1, code.lastIndexOf(':'))}`.trim(), type, asset: assetOf(cur) };
}

/** One entry as account codes and amounts (debit positive); zero amounts and repeats are folded. */
export interface CodedEntry {
  externalId: string;
  description: string;
  effectiveAt: Date;
  postings: [code: string, amount: bigint][];
}

/**
 * Posts entries given by account codes in the caller's transaction: the ledger and accounts
 * made when missing (set-based), then one atomic batch through the ledger engine.
 */
export async function postCoded(ledger: LedgerEngine, tx: Queryable, scope: BillingScope, entries: readonly CodedEntry[]): Promise<void> {
  const folded = entries
    .map((e) => {
      const sums = new Map<string, bigint>();
      for (const [code, amount] of e.postings) sums.set(code, (sums.get(code) ?? 0n) + amount);
      return { ...e, postings: [...sums].filter(([, a]) => a !== 0n) };
    })
    .filter((e) => e.postings.length >= 2);
  if (folded.length === 0) return;
  const ledgerId = await ledger.ensureLedger(scope.orgId, { name: ledgerName(scope), owner: BILLING_OWNER }, tx);
  const codes = new Set(folded.flatMap((e) => e.postings.map(([c]) => c)));
  const ids = await ledger.ensureAccounts(scope.orgId, ledgerId, [...codes].map(specOf), tx);
  for (let i = 0; i < folded.length; i += 1000) {
    const inputs: EntryInput[] = folded.slice(i, i + 1000).map((e) => ({
      ledgerId,
      externalId: e.externalId,
      description: e.description,
      effectiveAt: e.effectiveAt,
      postings: e.postings.map(([code, amount]) => ({ accountId: ids.get(code)!, amount })),
    }));
    await ledger.postBatch(scope.orgId, inputs, tx);
  }
}

/** The revenue account a line is booked against (`deferred`: its base and proration go to deferred revenue). */
function lineAccount(inv: InvoiceRecord, l: InvoiceLine, deferred: boolean): string {
  const cur = inv.currency;
  switch (l.type) {
    case 'base':
    case 'proration':
      return deferred ? ACCOUNTS.deferred(l.planId ?? inv.planId, cur) : ACCOUNTS.planRevenue(l.planId ?? inv.planId, cur);
    case 'overage':
    case 'seat':
      return ACCOUNTS.featureRevenue(l.planId ?? inv.planId, l.featureKey ?? 'unknown', cur);
    case 'discount':
      return ACCOUNTS.discounts(cur);
    case 'tax':
      return ACCOUNTS.tax(cur);
    case 'credit':
      return ACCOUNTS.customerCredit(inv.customerId!, cur);
  }
}

/**
 * The finalisation entry: Dr receivable total; each line against its account (revenue,
 * deferred revenue, discounts, tax payable); a negative subtotal's excess Cr customer credit;
 * credit applied: Dr customer credit, Cr receivable (the `credit` line).
 */
export function finalisationPostings(inv: InvoiceRecord, deferred: boolean, carriedCredit: bigint): [string, bigint][] {
  const cur = inv.currency;
  const receivable = ACCOUNTS.receivable(inv.customerId!, cur);
  const postings: [string, bigint][] = [[receivable, inv.total]];
  for (const l of inv.lines) {
    if (l.type === 'credit') {
      postings.push([ACCOUNTS.customerCredit(inv.customerId!, cur), -l.amount], [receivable, l.amount]);
    } else {
      postings.push([lineAccount(inv, l, deferred), -l.amount]);
    }
  }
  if (carriedCredit > 0n) postings.push([ACCOUNTS.customerCredit(inv.customerId!, cur), -carriedCredit]);
  return postings;
}

const invoiceRef = (inv: InvoiceRecord) => display('inv', inv.id);

export const finalisedEntry = (inv: InvoiceRecord, deferred: boolean, carriedCredit: bigint, at: Date): CodedEntry => ({
  externalId: `${invoiceRef(inv)}:finalized`,
  description: `Invoice ${inv.number} finalized`,
  effectiveAt: at,
  postings: finalisationPostings(inv, deferred, carriedCredit),
});

/** The mirror of the finalisation entry (posted entries are never edited); deferred revenue already recognised is taken back from revenue. */
export const voidedEntry = (inv: InvoiceRecord, carriedCredit: bigint, at: Date): CodedEntry => ({
  externalId: `${invoiceRef(inv)}:voided`,
  description: `Invoice ${inv.number} voided`,
  effectiveAt: at,
  postings: finalisationPostings(inv, inv.deferredAmount !== 0n && inv.recognizedAt === null, carriedCredit).map(([c, a]) => [c, -a]),
});

/**
 * An invoice paid: Dr cash:<provider>, Cr receivable, for the amount due. A payment marked by
 * hand (`pay`) is `inv_…:paid` on cash:manual; a provider's payment is its own fact,
 * `pay_…:succeeded` (`externalId`).
 */
export const paidEntry = (inv: InvoiceRecord, provider: string, at: Date, externalId = `${invoiceRef(inv)}:paid`): CodedEntry => ({
  externalId,
  description: `Invoice ${inv.number} paid`,
  effectiveAt: at,
  postings: [
    [ACCOUNTS.cash(provider, inv.currency), inv.amountDue],
    [ACCOUNTS.receivable(inv.customerId!, inv.currency), -inv.amountDue],
  ],
});

/** Base fees of a period invoiced before it ended, recognised when it ends: Dr deferred, Cr revenue. */
export const recognisedEntry = (inv: InvoiceRecord, at: Date): CodedEntry => ({
  externalId: `${invoiceRef(inv)}:recognized`,
  description: `Invoice ${inv.number}: revenue of the period recognised`,
  effectiveAt: at,
  postings: inv.lines
    .filter((l) => l.type === 'base' || l.type === 'proration')
    .flatMap((l): [string, bigint][] => [
      [ACCOUNTS.deferred(l.planId ?? inv.planId, inv.currency), l.amount],
      [ACCOUNTS.planRevenue(l.planId ?? inv.planId, inv.currency), -l.amount],
    ]),
});

/** Credit granted to a customer: Dr credit_grants (expense), Cr customer_credit. */
export const creditEntry = (grantId: string, customerId: string, amount: bigint, currency: string, at: Date): CodedEntry => ({
  externalId: `${display('ctx', grantId)}:granted`,
  description: `Credit granted to ${display('cst', customerId)}`,
  effectiveAt: at,
  postings: [
    [ACCOUNTS.creditGrants(currency), amount],
    [ACCOUNTS.customerCredit(customerId, currency), -amount],
  ],
});

/**
 * A provider's payment that found its invoice no longer payable (paid by other means, or
 * voided, while the provider was charging): the money is the customer's credit. Dr
 * cash:<provider>, Cr customer_credit.
 */
export const overpaymentEntry = (paymentId: string, customerId: string, provider: string, amount: bigint, currency: string, at: Date): CodedEntry => ({
  externalId: `${display('pay', paymentId)}:succeeded`,
  description: `Payment ${display('pay', paymentId)} received for an invoice already settled: customer credit`,
  effectiveAt: at,
  postings: [
    [ACCOUNTS.cash(provider, currency), amount],
    [ACCOUNTS.customerCredit(customerId, currency), -amount],
  ],
});

/** Money returned to a customer: Dr refunds (contra-revenue), Cr cash:<provider>. The receivable is untouched: the invoice stays paid. */
export const refundEntry = (refundId: string, paymentId: string, provider: string, amount: bigint, currency: string, at: Date): CodedEntry => ({
  externalId: `${display('rfd', refundId)}:succeeded`,
  description: `Refund of payment ${display('pay', paymentId)}`,
  effectiveAt: at,
  postings: [
    [ACCOUNTS.refunds(currency), amount],
    [ACCOUNTS.cash(provider, currency), -amount],
  ],
});

/** Normal-side balances of the app world's accounts whose code starts with `prefix` (tests, reconciliation). */
export async function bookBalances(ledger: LedgerEngine, tx: Queryable, scope: BillingScope, prefix: string): Promise<Map<string, bigint>> {
  const ledgerId = await ledger.ensureLedger(scope.orgId, { name: ledgerName(scope), owner: BILLING_OWNER }, tx);
  return ledger.balancesByPrefix(scope.orgId, ledgerId, prefix, tx);
}
