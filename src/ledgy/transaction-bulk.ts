import { Dictionary, prepared, textArray, tokenArray, type Queryable } from '../platform/db.ts';
import { DomainError, invalid, notFound, rowRefusal } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LedgyDeps } from './deps.ts';
import { entriesFor, type RowForEntry } from './books.ts';
import type { EntryInput } from '../ledger/types.ts';
import type { LedgyUser } from './users.ts';
import { SYSTEM_CATEGORY_IDS } from './catalogue.ts';
import { inSavepoint } from './savepoint.ts';
import { asRowError, ledgerSideOf, replaceTransaction, settled, validateAmounts, type AccountRef, type LedgyTransaction, type TransactionInput } from './transactions.ts';

/* Best-effort bulk calls: every row is reported on its own, inside the write's one transaction. */

/** A row of a bulk call: what it holds, or why it was refused before reaching the database. */
export type BulkSlot<T> = T | DomainError;

/** The refusal of one row (a domain error, or the database refusing its data), else null. */
const refusalOf = (error: unknown): DomainError | null => (error instanceof DomainError ? error : rowRefusal(error));

/** The good rows of a bulk create, in one statement (prepared: the same text on every call). */
const INSERT_ROWS = prepared(
  `INSERT INTO ledgy_transactions (org_id, id, user_id, type, amount, currency_code, exchange_rate, converted_amount, date,
                                   account_id, category_id, group_id, payee, note, source, entry_id, created_at, updated_at)
   SELECT $1, r.id, $2, r.type, r.amount, r.currency_code, r.exchange_rate, r.converted_amount, r.date,
          ($4::uuid[])[r.account], ($5::text[])[r.category], r.group_id, r.payee, r.note, 'api', r.entry_id, $3, $3
     FROM unnest($6::uuid[], $7::text[], $8::int8[], $9::text[], $10::text[], $11::int8[], $12::timestamptz[],
                 $13::int4[], $14::int4[], $15::uuid[], $16::text[], $17::text[], $18::uuid[])
       AS r(id, type, amount, currency_code, exchange_rate, converted_amount, date, account, category, group_id, payee, note, entry_id)`,
);

/**
 * Best-effort bulk create, set-based: references are read once for all rows, every entry is
 * posted in one pass where each row stands alone (a bad row fails by itself), and the good
 * rows are inserted with one statement, all in one savepoint of `tx`. Should the database
 * still refuse a row, that savepoint is undone and each row is made again in a savepoint of
 * its own. Slots hold the row or the reason it failed, in request order.
 */
export async function bulkCreateTransactions(
  deps: LedgyDeps,
  tx: Queryable,
  user: LedgyUser,
  inputs: BulkSlot<TransactionInput>[],
): Promise<BulkSlot<LedgyTransaction>[]> {
  try {
    return await inSavepoint(tx, deps.systemAccounts, () => createRows(deps, tx, user, inputs));
  } catch (error) {
    if (!rowRefusal(error)) throw error;
  }
  // The database refused a row that passed every check made here: none was kept, so each row
  // goes again on its own, and only the one at fault fails.
  const out: BulkSlot<LedgyTransaction>[] = [];
  for (const input of inputs) {
    if (input instanceof DomainError) {
      out.push(input);
      continue;
    }
    try {
      out.push(...(await inSavepoint(tx, deps.systemAccounts, () => createRows(deps, tx, user, [input]))));
    } catch (error) {
      const refusal = rowRefusal(error);
      if (!refusal) throw error;
      out.push(refusal);
    }
  }
  return out;
}

/**
 * Best-effort bulk replace: each row in a savepoint of `tx`, so a refused row is undone alone
 * and reported in its slot; the others are kept.
 */
export async function bulkReplaceTransactions(
  deps: LedgyDeps,
  tx: Queryable,
  user: LedgyUser,
  rows: BulkSlot<{ id: string; input: TransactionInput }>[],
): Promise<BulkSlot<LedgyTransaction>[]> {
  const out: BulkSlot<LedgyTransaction>[] = [];
  for (const row of rows) {
    if (row instanceof DomainError) {
      out.push(row);
      continue;
    }
    try {
      out.push(await inSavepoint(tx, deps.systemAccounts, () => replaceTransaction(deps, tx, user, row.id, row.input)));
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      out.push(refusal);
    }
  }
  return out;
}

/**
 * Creates the rows that pass their checks, in `tx`: entries posted together (each standing
 * alone: a refused entry takes no other with it), then the rows in one insert.
 */
async function createRows(deps: LedgyDeps, tx: Queryable, user: LedgyUser, inputs: BulkSlot<TransactionInput>[]): Promise<BulkSlot<LedgyTransaction>[]> {
  const out: BulkSlot<LedgyTransaction>[] = [...inputs] as BulkSlot<LedgyTransaction>[];
  const valid = inputs.map((input, index) => ({ input, index })).filter((x): x is { input: TransactionInput; index: number } => !(x.input instanceof DomainError));
  const accountIds = [...new Set(valid.map((v) => v.input.accountId).filter((x): x is string => !!x))];
  const accounts = new Map(
    (
      await tx.query<AccountRef>(
        'SELECT id, ledger_account_id, currency_code FROM ledgy_accounts WHERE org_id = $1 AND user_id = $2 AND id = ANY($3::uuid[]) AND deleted_at IS NULL',
        [user.orgId, user.id, accountIds],
      )
    ).map((a) => [a.id, a]),
  );
  const categoryIds = [...new Set(valid.map((v) => v.input.categoryId).filter((c): c is string => !!c && !SYSTEM_CATEGORY_IDS.has(c)))];
  const categories = new Set(
    categoryIds.length === 0
      ? []
      : (
          await tx.query<{ id: string }>(
            'SELECT id::text AS id FROM ledgy_categories WHERE org_id = $1 AND user_id = $2 AND id::text = ANY($3::text[]) AND deleted_at IS NULL',
            [user.orgId, user.id, categoryIds],
          )
        ).map((r) => r.id),
  );
  const groups = new Set(
    valid.some((v) => v.input.groupId)
      ? (
          await tx.query<{ group_id: string }>(
            `SELECT m.group_id FROM ledgy_group_members m JOIN ledgy_groups g ON g.org_id = m.org_id AND g.id = m.group_id
              WHERE m.org_id = $1 AND m.user_id = $2 AND g.deleted_at IS NULL`,
            [user.orgId, user.id],
          )
        ).map((r) => r.group_id)
      : [],
  );
  const checked: { index: number; input: TransactionInput; row: RowForEntry }[] = [];
  for (const { input: given, index } of valid) {
    try {
      validateAmounts(given);
      // Nothing to settle (no conversion figures, the user's own currency): the row as given.
      const plain = given.exchangeRate == null && given.convertedAmount == null && given.currencyCode === user.primaryCurrency;
      const input = plain ? given : settled(user, given);
      const account = input.accountId ? accounts.get(input.accountId) : undefined;
      if (input.accountId && !account) throw notFound('account', 'accountId');
      if (account && account.currency_code !== input.currencyCode) throw invalid('currencyCode', `currencyCode must be the account's currency ${account.currency_code}`);
      if (input.categoryId && !SYSTEM_CATEGORY_IDS.has(input.categoryId) && !categories.has(input.categoryId)) throw notFound('category', 'categoryId');
      if (input.groupId && !groups.has(input.groupId)) throw notFound('group', 'groupId');
      checked.push({ index, input, row: ledgerSideOf(input, account) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      out[index] = error;
    }
  }
  const ready: { index: number; input: TransactionInput; entry: EntryInput }[] = [];
  (await entriesFor(deps, tx, user.orgId, user.ledgerId, checked.map((c) => c.row))).forEach((entry, i) => {
    if (entry instanceof DomainError) out[checked[i].index] = entry;
    else ready.push({ index: checked[i].index, input: checked[i].input, entry });
  });
  const posted = await deps.ledger.postEach(user.orgId, ready.map((r) => r.entry), tx);
  const good: { index: number; input: TransactionInput; entryId: string; id: string }[] = [];
  posted.forEach((result, i) => {
    if (result instanceof Error) {
      if (!(result instanceof DomainError)) throw result;
      out[ready[i].index] = asRowError(result) as DomainError;
    } else good.push({ index: ready[i].index, input: ready[i].input, entryId: result.entry.id, id: newId() });
  });
  if (good.length > 0) {
    const now = deps.clock.now();
    // A call names a few accounts and categories many times: each goes once (see Dictionary).
    const accountRefs = new Dictionary();
    const categoryRefs = new Dictionary();
    const accountOf = good.map((g) => accountRefs.ref(g.input.accountId));
    const categoryOf = good.map((g) => categoryRefs.ref(g.input.categoryId));
    await tx.query(INSERT_ROWS, [
      user.orgId,
      user.id,
      now,
      tokenArray(accountRefs.values),
      // Category ids are uuids or system ids (`cat_food_drinks`): plain tokens too.
      tokenArray(categoryRefs.values),
      tokenArray(good.map((g) => g.id)),
      tokenArray(good.map((g) => g.input.type)),
      tokenArray(good.map((g) => g.input.amount)),
      tokenArray(good.map((g) => g.input.currencyCode)),
      tokenArray(good.map((g) => g.input.exchangeRate)),
      tokenArray(good.map((g) => g.input.convertedAmount)),
      tokenArray(good.map((g) => g.input.date.toISOString())),
      tokenArray(accountOf),
      tokenArray(categoryOf),
      tokenArray(good.map((g) => g.input.groupId)),
      textArray(good.map((g) => g.input.payee ?? null)),
      textArray(good.map((g) => g.input.note ?? null)),
      tokenArray(good.map((g) => g.entryId)),
    ]);
    // The rows are what was just written: built here rather than read back.
    for (const g of good) {
      out[g.index] = {
        id: g.id,
        userId: user.id,
        type: g.input.type,
        amount: g.input.amount,
        currencyCode: g.input.currencyCode,
        exchangeRate: g.input.exchangeRate ?? null,
        convertedAmount: g.input.convertedAmount ?? null,
        date: g.input.date,
        accountId: g.input.accountId ?? null,
        toAccountId: null,
        categoryId: g.input.categoryId ?? null,
        groupId: g.input.groupId ?? null,
        payee: g.input.payee ?? null,
        note: g.input.note ?? null,
        receiptImagePath: null,
        recurringTransactionId: null,
        source: 'api',
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      };
    }
  }
  return out;
}
