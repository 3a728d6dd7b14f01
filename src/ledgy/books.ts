import type { Queryable } from '../platform/db.ts';
import { DomainError } from '../platform/errors.ts';
import type { EntryInput } from '../ledger/types.ts';
import type { LedgyDeps } from './deps.ts';
import type { SystemKind } from './system-accounts.ts';

/*
 * How Ledgy rows become ledger entries. Each user has a ledger; each Ledgy account is an
 * asset account in it (CUR/4), and each currency has four system accounts (system-accounts.ts).
 */

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
  const sys = (kind: SystemKind, currency: string) => deps.systemAccounts.id(tx, orgId, ledgerId, kind, currency);
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
