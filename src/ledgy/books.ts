import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import type { AccountType, EntryInput } from '../ledger/types.ts';
import { LEDGY_SCALE, type LedgyDeps } from './deps.ts';

/**
 * How Ledgy rows become ledger entries. Each user has a ledger; each Ledgy account is an
 * asset account in it (CUR/4), and each currency has four system accounts:
 *   _opening:CUR    (equity)   the other side of opening balances
 *   _income:CUR     (income)   the other side of income
 *   _expense:CUR    (expense)  the other side of expenses
 *   _unassigned:CUR (asset)    stands in for "no account" (a one-sided fact, or a detached row)
 */
export type SystemKind = 'opening' | 'income' | 'expense' | 'unassigned';
const SYSTEM: Record<SystemKind, { type: AccountType; name: string }> = {
  opening: { type: 'equity', name: 'Opening balances' },
  income: { type: 'income', name: 'Income' },
  expense: { type: 'expense', name: 'Expenses' },
  unassigned: { type: 'asset', name: 'Unassigned' },
};

/**
 * System account ids by ledger and code. Only ids of accounts that existed before the asking
 * transaction began go in `committed`: one made by a transaction that then rolls back (or is
 * retried) must not outlive it, so those stay with that transaction's handle.
 */
const committed = new Map<string, string>();
const madeIn = new WeakMap<Queryable, Map<string, string>>();

export async function systemAccount(deps: LedgyDeps, tx: Queryable, orgId: string, ledgerId: string, kind: SystemKind, currency: string): Promise<string> {
  const code = `_${kind}:${currency}`;
  const key = `${ledgerId}|${code}`;
  const hit = committed.get(key) ?? madeIn.get(tx)?.get(key);
  if (hit) return hit;
  const { id, created } = await deps.ledger.ensureAccount(
    orgId,
    { ledgerId, code, name: `${SYSTEM[kind].name} (${currency})`, type: SYSTEM[kind].type, asset: { currency, scale: LEDGY_SCALE } },
    tx,
  );
  if (created) {
    const mine = madeIn.get(tx) ?? new Map<string, string>();
    mine.set(key, id);
    madeIn.set(tx, mine);
  } else {
    if (committed.size > 100_000) committed.clear();
    committed.set(key, id);
  }
  return id;
}

/** The ledger side of a Ledgy row. */
export interface RowForEntry {
  type: 'income' | 'expense' | 'transfer' | 'adjustment';
  amount: bigint;
  currencyCode: string;
  convertedAmount: bigint | null;
  date: Date;
  payee: string | null;
  note: string | null;
  /** Ledger account ids (null: unassigned) and their currencies. */
  from: { ledgerAccountId: string | null; currency: string };
  to?: { ledgerAccountId: string | null; currency: string };
}

/** converted / amount to 18 decimals, truncated: within a unit of `converted` at any amount. */
export function impliedRate(amount: bigint, converted: bigint): string {
  const scaled = (converted * 10n ** 18n) / amount;
  const text = scaled.toString().padStart(19, '0');
  return `${text.slice(0, -18)}.${text.slice(-18)}`.replace(/\.?0+$/, '') || '0';
}

export async function entryFor(deps: LedgyDeps, tx: Queryable, orgId: string, ledgerId: string, row: RowForEntry): Promise<EntryInput> {
  const sys = (kind: SystemKind, currency: string) => systemAccount(deps, tx, orgId, ledgerId, kind, currency);
  const side = async (s: { ledgerAccountId: string | null; currency: string }) => s.ledgerAccountId ?? (await sys('unassigned', s.currency));
  const base = { ledgerId, effectiveAt: row.date, description: row.payee ?? row.note ?? null };
  const cur = row.currencyCode;
  switch (row.type) {
    case 'income':
    case 'adjustment': {
      const account = await side(row.from);
      const other = await sys(row.type === 'income' ? 'income' : 'opening', cur);
      return { ...base, postings: [{ accountId: account, amount: row.amount }, { accountId: other, amount: -row.amount }] };
    }
    case 'expense': {
      const account = await side(row.from);
      return { ...base, postings: [{ accountId: await sys('expense', cur), amount: row.amount }, { accountId: account, amount: -row.amount }] };
    }
    case 'transfer': {
      const to = row.to!;
      const from = await side(row.from);
      const dest = await side(to);
      if (to.currency === row.from.currency) {
        return { ...base, postings: [{ accountId: dest, amount: row.amount }, { accountId: from, amount: -row.amount }] };
      }
      if (row.convertedAmount === null || row.convertedAmount <= 0n) {
        throw new DomainError('validation', 'a transfer between currencies needs exchangeRate and convertedAmount', 'convertedAmount');
      }
      return {
        ...base,
        rates: { [`${row.from.currency}/${to.currency}`]: impliedRate(row.amount, row.convertedAmount) },
        postings: [
          { accountId: dest, amount: row.convertedAmount },
          { accountId: from, amount: -row.amount },
        ],
      };
    }
  }
}
