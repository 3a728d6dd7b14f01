import { tokenArray, type Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';
import type { BillingScope } from './scope.ts';

/** Customer credit (billing_customers.credit_balance) and its movements (billing_credit_transactions). */
export interface CreditMove {
  customerId: string;
  type: 'granted' | 'applied' | 'restored';
  /** Signed change of the credit available: granted and restored add, applied takes. */
  delta: bigint;
  currency: string;
  reason: string | null;
  invoiceId: string | null;
}

/** Credit available and currency of customers, locked for the caller's transaction (in id order, so two callers wait rather than deadlock). */
export async function lockCredit(tx: Queryable, scope: BillingScope, customerIds: readonly string[]): Promise<Map<string, { credit: bigint; currency: string }>> {
  const ids = [...new Set(customerIds)].sort();
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ id: string; credit_balance: bigint; currency: string }>(
    `SELECT id, credit_balance, currency FROM billing_customers WHERE org_id = $1 AND mode = $2 AND id = ANY($3::uuid[]) ORDER BY id FOR UPDATE`,
    [scope.orgId, scope.mode, tokenArray(ids)],
  );
  return new Map(rows.map((r) => [r.id, { credit: r.credit_balance, currency: r.currency }]));
}

/** Applies moves set-based: each customer's balance by the sum of its deltas, one history row per move. Returns the ids of the rows. */
export async function moveCredit(tx: Queryable, scope: BillingScope, moves: readonly CreditMove[], now: Date): Promise<string[]> {
  const real = moves.filter((m) => m.delta !== 0n);
  if (real.length === 0) return [];
  const sums = new Map<string, bigint>();
  for (const m of real) sums.set(m.customerId, (sums.get(m.customerId) ?? 0n) + m.delta);
  await tx.query(
    `UPDATE billing_customers AS c SET credit_balance = c.credit_balance + u.delta
       FROM unnest($3::uuid[], $4::int8[]) AS u (id, delta) WHERE c.org_id = $1 AND c.mode = $2 AND c.id = u.id`,
    [scope.orgId, scope.mode, tokenArray([...sums.keys()]), tokenArray([...sums.values()])],
  );
  const ids = real.map(() => newId());
  await tx.query(
    `INSERT INTO billing_credit_transactions (org_id, mode, id, customer_id, type, amount, currency, reason, invoice_id, created_at)
     SELECT $1, $2, m.id, m.customer, m.type, m.amount, m.currency, m.reason, m.invoice, $10
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::int8[], $7::text[], $8::text[], $9::uuid[]) AS m (id, customer, type, amount, currency, reason, invoice)`,
    [
      scope.orgId,
      scope.mode,
      tokenArray(ids),
      tokenArray(real.map((m) => m.customerId)),
      real.map((m) => m.type),
      tokenArray(real.map((m) => (m.delta < 0n ? -m.delta : m.delta))),
      real.map((m) => m.currency),
      real.map((m) => m.reason),
      tokenArray(real.map((m) => m.invoiceId)),
      now,
    ],
  );
  return ids;
}
