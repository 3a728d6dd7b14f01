import type { Queryable } from '../platform/db.ts';
import type { LedgerEngine } from '../ledger/engine.ts';
import { creditEntry, postCoded } from './books.ts';
import { lockCredit, moveCredit } from './credit-store.ts';
import { getCustomer, type Customer } from './customer-store.ts';
import { billingError } from './errors.ts';
import type { BillingScope } from './scope.ts';
import { emitCreditAdded } from './invoice-events.ts';
import { moneyView } from './money-view.ts';
import { uuidToUlid } from '../platform/ids.ts';

export interface CreditInput {
  amount?: { amount?: number | bigint; currency?: string };
  reason?: string;
}

const INT64_MAX = (1n << 63n) - 1n;

/**
 * `POST /ledger/customers/{id}/credit`: credit the app owes the customer, in the customer's
 * currency, taken automatically by its next finalised invoices (a `credit` line). Posts Dr
 * credit_grants, Cr customer_credit. Refusals (400 `invalid_input`): an amount that is not a
 * whole number of minor units above 0, or another currency than the customer's.
 */
export async function grantCredit(tx: Queryable, scope: BillingScope, id: string | null, tenantId: string | null, input: CreditInput, now: Date, ledger: LedgerEngine): Promise<{ customer: Customer; granted: bigint }> {
  const customer = await getCustomer(tx, scope, id, tenantId);
  const raw = input.amount?.amount;
  if (raw === undefined) throw billingError('invalid_input', 'amount is required: {"amount": <minor units>, "currency": "<code>"}', 'amount.amount');
  const amount = typeof raw === 'bigint' ? raw : Number.isSafeInteger(raw) ? BigInt(raw) : null;
  if (amount === null || amount <= 0n || amount > INT64_MAX) throw billingError('invalid_input', 'amount must be a whole number of minor units above 0', 'amount.amount');
  const currency = (input.amount?.currency ?? customer.currency).trim().toLowerCase();
  if (currency !== customer.currency) throw billingError('invalid_input', `credit is held in the customer's currency, ${customer.currency}`, 'amount.currency');
  const reason = input.reason?.trim() || null;
  const held = (await lockCredit(tx, scope, [customer.id])).get(customer.id)!;
  if (held.credit + amount > INT64_MAX) throw billingError('invalid_input', 'the credit would exceed the largest amount held', 'amount.amount');
  const [grantId] = await moveCredit(tx, scope, [{ customerId: customer.id, type: 'granted', delta: amount, currency, reason, invoiceId: null }], now);
  await postCoded(ledger, tx, scope, [creditEntry(grantId, customer.id, amount, currency, now)]);
  const after = await getCustomer(tx, scope, customer.id, null);
  await emitCreditAdded(
    tx,
    scope,
    {
      customer_id: `cst_${uuidToUlid(customer.id).toLowerCase()}`,
      balance: moneyView({ amount: after.owed - after.creditBalance, currency }),
      credit_applied: moneyView({ amount, currency }),
      reason,
    },
    now,
  );
  return { customer: after, granted: amount };
}
