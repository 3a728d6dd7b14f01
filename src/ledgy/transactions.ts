import type { Queryable } from '../platform/db.ts';
import { DomainError, invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LedgyDeps } from './deps.ts';
import { entryFor, type RowForEntry } from './books.ts';
import type { LedgyUser } from './users.ts';
import { SYSTEM_CATEGORY_IDS } from './catalogue.ts';
import { checkBound, settleConversion } from './conversion.ts';

export type TransactionType = 'income' | 'expense' | 'transfer' | 'adjustment';

export interface LedgyTransaction {
  id: string;
  userId: string;
  type: TransactionType;
  amount: bigint;
  currencyCode: string;
  exchangeRate: string | null;
  convertedAmount: bigint | null;
  date: Date;
  accountId: string | null;
  toAccountId: string | null;
  categoryId: string | null;
  groupId: string | null;
  payee: string | null;
  note: string | null;
  receiptImagePath: string | null;
  recurringTransactionId: string | null;
  source: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** Income or expense, as POST and PUT take it. Amounts in units of 1/10,000. */
export interface TransactionInput {
  type: 'income' | 'expense';
  amount: bigint;
  currencyCode: string;
  date: Date;
  accountId?: string | null;
  categoryId?: string | null;
  payee?: string | null;
  note?: string | null;
  groupId?: string | null;
  exchangeRate?: string | null;
  convertedAmount?: bigint | null;
}

export interface TransferInput {
  fromAccountId: string;
  toAccountId: string;
  amount: bigint;
  currencyCode: string;
  date: Date;
  exchangeRate?: string | null;
  convertedAmount?: bigint | null;
  note?: string | null;
}

export const toTransaction = (r: any): LedgyTransaction => ({
  id: r.id,
  userId: r.user_id,
  type: r.type,
  amount: r.amount,
  currencyCode: r.currency_code,
  exchangeRate: r.exchange_rate,
  convertedAmount: r.converted_amount,
  date: r.date,
  accountId: r.account_id,
  toAccountId: r.to_account_id,
  categoryId: r.category_id,
  groupId: r.group_id,
  payee: r.payee,
  note: r.note,
  receiptImagePath: r.receipt_image_path,
  recurringTransactionId: r.recurring_transaction_id,
  source: r.source,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
});

/** Groups the user owns or belongs to (the owner is a member too). */
export async function memberGroupIds(db: Queryable, user: LedgyUser): Promise<string[]> {
  const rows = await db.query<{ group_id: string }>('SELECT group_id FROM ledgy_group_members WHERE org_id = $1 AND user_id = $2', [user.orgId, user.id]);
  return rows.map((r) => r.group_id);
}

export interface AccountRef {
  id: string;
  ledger_account_id: string;
  currency_code: string;
}

async function ownAccount(tx: Queryable, user: LedgyUser, id: string, field: string): Promise<AccountRef> {
  const [row] = await tx.query<AccountRef>(
    'SELECT id, ledger_account_id, currency_code FROM ledgy_accounts WHERE org_id = $1 AND user_id = $2 AND id = $3 AND deleted_at IS NULL',
    [user.orgId, user.id, id],
  );
  if (!row) throw notFound('account', field);
  return row;
}

/** A category (the user's, live, or a system one) and a group the user belongs to, share-locked. */
export async function checkReferences(tx: Queryable, user: LedgyUser, input: { categoryId?: string | null; groupId?: string | null }) {
  if (input.categoryId && !SYSTEM_CATEGORY_IDS.has(input.categoryId)) {
    // A share lock: a concurrent delete of the category waits, or this insert sees it gone.
    const found = await tx.query('SELECT 1 FROM ledgy_categories WHERE org_id = $1 AND user_id = $2 AND id::text = $3 AND deleted_at IS NULL FOR SHARE', [
      user.orgId,
      user.id,
      input.categoryId,
    ]);
    if (found.length === 0) throw notFound('category', 'categoryId');
  }
  if (input.groupId) {
    const found = await tx.query(
      `SELECT 1 FROM ledgy_group_members m JOIN ledgy_groups g ON g.org_id = m.org_id AND g.id = m.group_id
        WHERE m.org_id = $1 AND m.user_id = $2 AND m.group_id = $3 AND g.deleted_at IS NULL FOR SHARE OF g, m`,
      [user.orgId, user.id, input.groupId],
    );
    if (found.length === 0) throw notFound('group', 'groupId');
  }
}

/** An income/expense body's account (the user's, in the row's currency), category and group. */
async function checkInputReferences(tx: Queryable, user: LedgyUser, input: TransactionInput) {
  if (input.accountId) {
    const account = await ownAccount(tx, user, input.accountId, 'accountId');
    if (account.currency_code !== input.currencyCode) throw invalid('currencyCode', `currencyCode must be the account's currency ${account.currency_code}`);
  }
  await checkReferences(tx, user, input);
}

/**
 * The ledger side of a transaction, a stored row or a new income/expense, given its accounts
 * (a deleted or missing one is "unassigned").
 */
export function ledgerSideOf(
  t: Pick<LedgyTransaction, 'type' | 'amount' | 'currencyCode' | 'date'> & Partial<Pick<LedgyTransaction, 'convertedAmount' | 'payee' | 'note'>>,
  from: AccountRef | undefined,
  to?: AccountRef,
): RowForEntry {
  const { type, amount, currencyCode, date } = t;
  return {
    type, amount, currencyCode, date,
    // A new income/expense may leave these out.
    convertedAmount: t.convertedAmount ?? null,
    payee: t.payee ?? null,
    note: t.note ?? null,
    from: { ledgerAccountId: from?.ledger_account_id ?? null, currency: currencyCode },
    to: type === 'transfer' ? { ledgerAccountId: to?.ledger_account_id ?? null, currency: to?.currency_code ?? currencyCode } : undefined,
  };
}

/** The ledger side of a stored row, reading its accounts' ledger ids. */
async function rowForEntry(tx: Queryable, orgId: string, row: LedgyTransaction): Promise<RowForEntry> {
  const ids = [row.accountId, row.toAccountId].filter((x): x is string => x !== null);
  const found = await tx.query<AccountRef>('SELECT id, ledger_account_id, currency_code FROM ledgy_accounts WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, ids]);
  const accounts = new Map(found.map((a) => [a.id, a]));
  return ledgerSideOf(row, row.accountId ? accounts.get(row.accountId) : undefined, row.toAccountId ? accounts.get(row.toAccountId) : undefined);
}

/** Posts the row's entry and points the row at it (the entry in force for the row). */
async function attachEntry(deps: LedgyDeps, tx: Queryable, user: LedgyUser, row: LedgyTransaction): Promise<void> {
  const entry = await entryFor(deps, tx, user.orgId, user.ledgerId, await rowForEntry(tx, user.orgId, row));
  const [result] = await deps.ledger.postBatch(user.orgId, [entry], tx).catch((error) => {
    throw asRowError(error);
  });
  await tx.query('UPDATE ledgy_transactions SET entry_id = $3 WHERE org_id = $1 AND id = $2', [user.orgId, row.id, result.entry.id]);
}

const INSERT = `INSERT INTO ledgy_transactions (org_id, id, user_id, type, amount, currency_code, exchange_rate, converted_amount, date,
    account_id, to_account_id, category_id, group_id, payee, note, source, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING *`;

export function validateAmounts(input: { amount: bigint; convertedAmount?: bigint | null }) {
  if (input.amount <= 0n) throw invalid('amount', 'amount must be greater than 0');
  checkBound(input.amount, 'amount');
  if (input.convertedAmount != null && input.convertedAmount < 0n) throw invalid('convertedAmount', 'convertedAmount must not be negative');
}

/** The ledger's refusal of a row's postings (an overflowing balance) said in the row's terms. */
export function asRowError(error: unknown): unknown {
  if (error instanceof DomainError && error.field?.startsWith('postings')) return invalid('amount', `amount: ${error.message}`);
  return error;
}

/** Income and expense convert (if at all) into the user's primary currency. */
export function settled<T extends TransactionInput>(user: LedgyUser, input: T): T {
  const { exchangeRate, convertedAmount } = settleConversion({
    amount: input.amount,
    fromCurrency: input.currencyCode,
    toCurrency: user.primaryCurrency,
    exchangeRate: input.exchangeRate,
    convertedAmount: input.convertedAmount,
  });
  return { ...input, exchangeRate, convertedAmount };
}

/** An income or expense row's money and date columns, in table order (type … date), as parameters. */
const amountColumns = (input: TransactionInput) => [
  input.type,
  input.amount.toString(),
  input.currencyCode,
  input.exchangeRate ?? null,
  input.convertedAmount?.toString() ?? null,
  input.date,
];

/** Creates an income or expense row and its entry. */
export async function createTransaction(deps: LedgyDeps, tx: Queryable, user: LedgyUser, given: TransactionInput): Promise<LedgyTransaction> {
  validateAmounts(given);
  const input = settled(user, given);
  await checkInputReferences(tx, user, input);
  return insertRow(deps, tx, user, [
    ...amountColumns(input),
    input.accountId ?? null,
    null,
    input.categoryId ?? null,
    input.groupId ?? null,
    input.payee ?? null,
    input.note ?? null,
  ]);
}

/** Inserts a row of the user's (the columns from type to note, in table order) and posts its entry. */
async function insertRow(deps: LedgyDeps, tx: Queryable, user: LedgyUser, columns: unknown[]): Promise<LedgyTransaction> {
  const [row] = await tx.query(INSERT, [user.orgId, newId(), user.id, ...columns, 'api', deps.clock.now()]);
  const created = toTransaction(row);
  await attachEntry(deps, tx, user, created);
  return created;
}

export async function createTransfer(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: TransferInput): Promise<LedgyTransaction> {
  validateAmounts(input);
  if (input.fromAccountId === input.toAccountId) throw invalid('toAccountId', 'toAccountId must differ from fromAccountId');
  const from = await ownAccount(tx, user, input.fromAccountId, 'fromAccountId');
  const to = await ownAccount(tx, user, input.toAccountId, 'toAccountId');
  if (from.currency_code !== input.currencyCode) throw invalid('currencyCode', `currencyCode must be the source account's currency ${from.currency_code}`);
  if (to.currency_code !== from.currency_code) {
    if (!input.exchangeRate) throw invalid('exchangeRate', 'exchangeRate is required when the accounts have different currencies');
  }
  // The destination is credited convertedAmount: it must be what the rate says (see conversion.ts).
  const fx = settleConversion({ ...input, fromCurrency: from.currency_code, toCurrency: to.currency_code });
  if (to.currency_code !== from.currency_code && (fx.convertedAmount == null || fx.convertedAmount <= 0n)) {
    throw invalid('convertedAmount', 'convertedAmount (in the destination currency) must be greater than 0');
  }
  return insertRow(deps, tx, user, [
    'transfer',
    input.amount.toString(),
    input.currencyCode,
    fx.exchangeRate,
    fx.convertedAmount?.toString() ?? null,
    input.date,
    input.fromAccountId,
    input.toAccountId,
    null,
    null,
    null,
    input.note ?? null,
  ]);
}

async function ownLiveRow(tx: Queryable, user: LedgyUser, id: string): Promise<LedgyTransaction & { entryId: string | null }> {
  const [row] = await tx.query('SELECT * FROM ledgy_transactions WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE', [user.orgId, id]);
  if (!row) throw notFound('transaction');
  if (row.user_id !== user.id) {
    // Group members see each other's rows but only the owner changes them.
    const visible = (await memberGroupIds(tx, user)).includes(row.group_id);
    if (!visible) throw notFound('transaction');
    throw new DomainError('forbidden', 'only the owner of a transaction can change it');
  }
  return { ...toTransaction(row), entryId: row.entry_id };
}

/** PUT: the row is replaced; its entry is reversed and a new one posted, never edited. */
export async function replaceTransaction(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, given: TransactionInput): Promise<LedgyTransaction> {
  validateAmounts(given);
  const input = settled(user, given);
  const current = await ownLiveRow(tx, user, id);
  await checkInputReferences(tx, user, input);
  const now = deps.clock.now();
  if (current.entryId) await deps.ledger.reverseEntry(user.orgId, current.entryId, { effectiveAt: current.date, description: 'Transaction edited' }, tx);
  const [row] = await tx.query(
    `UPDATE ledgy_transactions SET type = $3, amount = $4, currency_code = $5, exchange_rate = $6, converted_amount = $7, date = $8,
            account_id = $9, to_account_id = NULL, category_id = $10, group_id = $11, payee = $12, note = $13, updated_at = $14
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [
      user.orgId,
      id,
      ...amountColumns(input),
      input.accountId ?? null,
      input.categoryId ?? null,
      input.groupId ?? null,
      input.payee ?? null,
      input.note ?? null,
      now,
    ],
  );
  const updated = toTransaction(row);
  await attachEntry(deps, tx, user, updated);
  return updated;
}

/** Reverses each row's entry and marks it deleted. Rows must be the user's own and live. */
export async function softDeleteTransactions(deps: LedgyDeps, tx: Queryable, user: LedgyUser, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query(
    `SELECT id, entry_id, date FROM ledgy_transactions WHERE org_id = $1 AND user_id = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL ORDER BY id FOR UPDATE`,
    [user.orgId, user.id, ids],
  );
  for (const row of rows) {
    if (row.entry_id) await deps.ledger.reverseEntry(user.orgId, row.entry_id, { effectiveAt: row.date, description: 'Transaction deleted' }, tx);
  }
  const now = deps.clock.now();
  await tx.query('UPDATE ledgy_transactions SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = ANY($2::uuid[])', [
    user.orgId,
    rows.map((r) => r.id),
    now,
  ]);
  return rows.map((r) => r.id);
}

export async function deleteTransaction(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string): Promise<void> {
  await ownLiveRow(tx, user, id);
  await softDeleteTransactions(deps, tx, user, [id]);
}

/** Re-posts the entries of rows whose accounts changed (account deleted or moved). */
export async function rebuildEntries(deps: LedgyDeps, tx: Queryable, user: LedgyUser, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.query('SELECT * FROM ledgy_transactions WHERE org_id = $1 AND id = ANY($2::uuid[]) ORDER BY id', [user.orgId, ids]);
  for (const raw of rows) {
    const row = toTransaction(raw);
    if (raw.entry_id) await deps.ledger.reverseEntry(user.orgId, raw.entry_id, { effectiveAt: row.date, description: 'Account changed' }, tx);
    await attachEntry(deps, tx, user, row);
  }
}
