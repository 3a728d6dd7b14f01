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

/** The system accounts a row's entry posts to, as (kind, currency), in the order they are first needed. */
function systemNeeds(row: RowForEntry): [SystemKind, string][] {
  const out: [SystemKind, string][] = [];
  if (row.from.ledgerAccountId === null) out.push(['unassigned', row.from.currency]);
  if (row.type === 'income' || row.type === 'adjustment') out.push([row.type === 'income' ? 'income' : 'opening', row.currencyCode]);
  else if (row.type === 'expense') out.push(['expense', row.currencyCode]);
  else if (row.to!.ledgerAccountId === null) out.push(['unassigned', row.to!.currency]);
  return out;
}

type SystemIds = (kind: SystemKind, currency: string) => string;

/** A side's ledger account, or the unassigned account of its currency. */
const sideOf = (s: { ledgerAccountId: string | null; currency: string }, sys: SystemIds) => s.ledgerAccountId ?? sys('unassigned', s.currency);

export async function entryFor(deps: LedgyDeps, tx: Queryable, orgId: string, ledgerId: string, row: RowForEntry): Promise<EntryInput> {
  const [entry] = await entriesFor(deps, tx, orgId, ledgerId, [row]);
  if (entry instanceof DomainError) throw entry;
  return entry;
}

/**
 * The entries of many rows of one write: each system account is looked up (or made) once for
 * all of them, then every entry is built without waiting. A row that cannot become an entry
 * gets its refusal in its slot.
 */
export async function entriesFor(deps: LedgyDeps, tx: Queryable, orgId: string, ledgerId: string, rows: RowForEntry[]): Promise<(EntryInput | DomainError)[]> {
  const ids = new Map<string, string>();
  for (const row of rows) {
    for (const [kind, currency] of systemNeeds(row)) {
      const key = `${kind}:${currency}`;
      if (!ids.has(key)) ids.set(key, await deps.systemAccounts.id(tx, orgId, ledgerId, kind, currency));
    }
  }
  const sys: SystemIds = (kind, currency) => ids.get(`${kind}:${currency}`)!;
  return rows.map((row) => {
    try {
      return entryWith(ledgerId, row, sys);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  });
}

function entryWith(ledgerId: string, row: RowForEntry, sys: SystemIds): EntryInput {
  const base = { ledgerId, effectiveAt: row.date, description: row.payee ?? row.note ?? null };
  const cur = row.currencyCode;
  switch (row.type) {
    case 'income':
    case 'adjustment': {
      const account = sideOf(row.from, sys);
      const other = sys(row.type === 'income' ? 'income' : 'opening', cur);
      return { ...base, postings: [{ accountId: account, amount: row.amount }, { accountId: other, amount: -row.amount }] };
    }
    case 'expense': {
      const account = sideOf(row.from, sys);
      return { ...base, postings: [{ accountId: sys('expense', cur), amount: row.amount }, { accountId: account, amount: -row.amount }] };
    }
    case 'transfer': {
      const to = row.to!;
      const from = sideOf(row.from, sys);
      const dest = sideOf(to, sys);
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
