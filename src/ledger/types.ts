import type { Asset } from '../platform/money.ts';

export type AccountType = 'asset' | 'liability' | 'equity' | 'income' | 'expense';
export const ACCOUNT_TYPES: AccountType[] = ['asset', 'liability', 'equity', 'income', 'expense'];

/** Debit-normal accounts show debits as positive balance; the others show credits. */
export function normalSign(type: AccountType): 1n | -1n {
  return type === 'asset' || type === 'expense' ? 1n : -1n;
}

export interface Ledger {
  orgId: string;
  id: string;
  /** Who made it and alone reaches it: a surface name (`kontor` for the native API, `ledgy`, `mycfo`). */
  owner: string;
  name: string;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

export interface Account {
  orgId: string;
  id: string;
  ledgerId: string;
  code: string;
  name: string;
  type: AccountType;
  asset: Asset;
  /** Lowest allowed normal-side balance: 0n = no negative, -L = credit limit L, null = none. */
  minBalance: bigint | null;
  /** Balance on the account's normal side, in units of its asset. */
  balance: bigint;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

/** One side of an entry: debits are positive amounts, credits negative. */
export interface PostingInput {
  accountId: string;
  amount: bigint;
}

export interface EntryInput {
  ledgerId: string;
  postings: PostingInput[];
  effectiveAt?: Date;
  externalId?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  /** Exchange rates for an entry in two currencies: `{"EUR/USD": "1.085"}` = 1 EUR is 1.085 USD. */
  rates?: Record<string, string> | null;
}

export interface Posting {
  accountId: string;
  amount: bigint;
  asset: Asset;
}

export interface Entry {
  orgId: string;
  id: string;
  ledgerId: string;
  effectiveAt: Date;
  createdAt: Date;
  externalId: string | null;
  description: string | null;
  reversesId: string | null;
  rates: Record<string, string> | null;
  metadata: Record<string, unknown> | null;
  postings: Posting[];
}

/** The outcome of posting an entry: `duplicate` when its external id had already posted. */
export interface PostResult {
  entry: Entry;
  duplicate: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
