import { formatId, parseId } from '../../platform/ids.ts';
import { assetCode, formatDecimal } from '../../platform/money.ts';
import { notFound } from '../../platform/errors.ts';
import type { Account, Entry, Ledger } from '../../ledger/types.ts';
import type { HistoryLine, TrialBalance } from '../../ledger/engine.ts';

/** The id prefixes of the native API. */
export const PREFIX = { ledger: 'ldg', account: 'acct', entry: 'ent' } as const;

/** The uuid behind a prefixed id; a malformed id is as unknown as a missing one. */
export function idFrom(kind: keyof typeof PREFIX, text: string, field?: string): string {
  const id = parseId(PREFIX[kind], text);
  if (!id) throw notFound(kind, field);
  return id;
}

export const ledgerView = (l: Ledger) => ({
  id: formatId(PREFIX.ledger, l.id),
  object: 'ledger' as const,
  name: l.name,
  metadata: l.metadata,
  created_at: l.createdAt.toISOString(),
});

export function accountView(a: Account) {
  return {
    id: formatId(PREFIX.account, a.id),
    object: 'account' as const,
    ledger_id: formatId(PREFIX.ledger, a.ledgerId),
    code: a.code,
    name: a.name,
    type: a.type,
    asset: assetCode(a.asset),
    balance: formatDecimal(a.balance, a.asset.scale),
    no_negative: a.minBalance === 0n,
    credit_limit: a.minBalance !== null && a.minBalance < 0n ? formatDecimal(-a.minBalance, a.asset.scale) : null,
    metadata: a.metadata,
    created_at: a.createdAt.toISOString(),
  };
}

export function entryView(e: Entry) {
  return {
    id: formatId(PREFIX.entry, e.id),
    object: 'entry' as const,
    ledger_id: formatId(PREFIX.ledger, e.ledgerId),
    effective_at: e.effectiveAt.toISOString(),
    created_at: e.createdAt.toISOString(),
    external_id: e.externalId,
    description: e.description,
    reverses_id: e.reversesId ? formatId(PREFIX.entry, e.reversesId) : null,
    rates: e.rates,
    metadata: e.metadata,
    postings: e.postings.map((p) => ({
      account_id: formatId(PREFIX.account, p.accountId),
      side: p.amount > 0n ? ('debit' as const) : ('credit' as const),
      amount: formatDecimal(p.amount < 0n ? -p.amount : p.amount, p.asset.scale),
      asset: assetCode(p.asset),
    })),
  };
}

/** An account's balance, now or as of the end of a day. */
export const balanceView = (account: Account, balance: bigint, asOf: string | undefined) => ({
  object: 'balance' as const,
  account_id: formatId(PREFIX.account, account.id),
  asset: assetCode(account.asset),
  balance: formatDecimal(balance, account.asset.scale),
  as_of: asOf ?? null,
});

export const historyView = (line: HistoryLine, scale: number) => ({
  entry_id: formatId(PREFIX.entry, line.entryId),
  effective_at: line.effectiveAt.toISOString(),
  created_at: line.createdAt.toISOString(),
  description: line.description,
  amount: formatDecimal(line.amount, scale),
});

export const trialBalanceView = (tb: TrialBalance) => ({
  object: 'trial_balance' as const,
  as_of: tb.asOf,
  lines: tb.lines.map((l) => ({
    account_id: formatId(PREFIX.account, l.account.id),
    code: l.account.code,
    name: l.account.name,
    type: l.account.type,
    asset: assetCode(l.account.asset),
    debit: formatDecimal(l.debit, l.account.asset.scale),
    credit: formatDecimal(l.credit, l.account.asset.scale),
  })),
  totals: tb.totals.map((t) => ({
    asset: assetCode(t.asset),
    debit: formatDecimal(t.debit, t.asset.scale),
    credit: formatDecimal(t.credit, t.asset.scale),
  })),
});
