import { Type } from 'typebox';
import { LosslessNumber } from 'lossless-json';
import { invalid } from '../../platform/errors.ts';
import { parseId } from '../../platform/ids.ts';
import { parseAsset } from '../../platform/money.ts';
import { listAccounts } from '../../ledgy/accounts.ts';
import { createTransaction, createTransfer } from '../../ledgy/transactions.ts';
import { listTransactions, type ListFilter } from '../../ledgy/transaction-list.ts';
import { spendingByCategory } from '../../ledgy/reports.ts';
import { moneyNumber, moneyUnits, rateText } from './json.ts';
import * as S from './schemas.ts';
import { parseDate, toTransactionInput, TransactionBody, TransactionQuery, TransferBody } from './transactions.ts';
import type { ToolContext } from './mcp.ts';
import { described, NoInput, readOnly, tool, toolServer, writes, type Tool } from './mcp-tool.ts';
import { INVITATION_TOOLS } from './mcp-invitations.ts';
import { accountView, categoryIdIn, categoryIdOut, transactionView, uuidOf } from './views.ts';

/*
 * The tools of Ledgy's MCP endpoint (mcp.ts): loaded at the first MCP request, not at server
 * start, since the MCP SDK (and the zod it is built on) is among the largest modules. Their
 * input schemas are the REST routes' own where a route takes the same input (transactions.ts),
 * with descriptions for the model and money as a number or a decimal string.
 */

const NO_UUID = '00000000-0000-0000-0000-000000000000';

// ---- input mapping -------------------------------------------------------------------
/** A number or decimal string as exact decimal text: a JS number is read by its shortest round-trip text, never by arithmetic. */
function exact(value: number | string, field: string): LosslessNumber {
  const text = typeof value === 'number' ? String(value) : value;
  try {
    return new LosslessNumber(text);
  } catch {
    throw invalid(field, `${field} must be a number or a decimal string like "12.50"`);
  }
}
const exactOrNull = (value: number | string | null | undefined, field: string) => (value == null ? null : exact(value, field));

/** A filter's inclusive upper bound as the exclusive bound the domain takes: a date includes its whole day. */
function inclusiveEnd(text: string, field: string): Date {
  const at = parseDate(text, field);
  return new Date(at.getTime() + (/^\d{4}-\d{2}-\d{2}$/.test(text) ? 86_400_000 : 1));
}

// The same signed cursor as GET /api/v1/transactions (cursor.ts), so either accepts the other's.

// ---- schemas -------------------------------------------------------------------------

/** A date filter or a transaction's date: the REST format, refused in words a model can act on. */
const DateText = (description: string) =>
  Type.With(S.DateTime, { description, errorMessage: 'must be an ISO-8601 date (2026-05-13) or date-time (2026-05-13T10:30:00Z)' });
/**
 * Money as MCP clients send it: a number (read by its shortest text) or a decimal string, as
 * exact as given; REST reads its JSON numbers exactly instead (json.ts).
 */
const Money = (description: string) =>
  Type.Union([Type.Number(), Type.String({ maxLength: 64 })], {
    description: `${description} Major units with up to 4 decimals, as a number or a decimal string like "12.50".`,
    errorMessage: 'must be a number or a decimal string like "12.50"',
  });
const Rate = Type.Union([Type.Number(), Type.String({ maxLength: 64 })], {
  description: 'FX rate when currencyCode differs from the primary (or destination) currency; a number or decimal string.',
  errorMessage: 'must be a number or a decimal string like "1.0825"',
});
const OrNull = S.Nullable;
const Currency = Type.With(S.Currency, { description: 'ISO-4217 currency code, e.g. "EUR"' });

const { updatedSince: _updatedSince, ...filters } = TransactionQuery.properties;
const ListInput = Type.Object({
  ...described(filters, {
    type: 'Only this kind of transaction.',
    categoryId: 'Only this category (a user category id or a system one like cat_groceries).',
    accountId: 'Only transactions from or to this account.',
    groupId: 'Only this shared group.',
    limit: 'Page size, clamped to 1..200. Default 50.',
    cursor: 'nextCursor from the previous page.',
  }),
  dateFrom: Type.Optional(DateText('Inclusive lower bound on the transaction date.')),
  dateTo: Type.Optional(DateText('Inclusive upper bound; a plain date includes that whole day.')),
  query: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Text to find in the payee or the note.' })),
});

/** The money of an income, expense or transfer as a model sends it; `converted` says what convertedAmount is. */
const moneyFields = (converted: string) => ({
  amount: Money('Positive amount in currencyCode.'),
  currencyCode: Currency,
  date: DateText('When it happened (UTC); a plain date is midnight UTC.'),
  exchangeRate: Type.Optional(OrNull(Rate)),
  convertedAmount: Type.Optional(OrNull(Money(converted))),
});

const TransactionInput = Type.Object({
  ...described(TransactionBody.properties, {
    type: '"income" or "expense".',
    accountId: 'Source or destination account.',
    categoryId: 'A user category id or a system one like cat_groceries.',
    payee: 'Merchant or counterparty.',
    note: 'Free-form note.',
    groupId: 'Share with this group.',
  }),
  ...moneyFields("Amount in the user's primary currency."),
});

const TransferInput = Type.Object({
  ...described(TransferBody.properties, { fromAccountId: 'The source account.', toAccountId: 'The destination account.', note: 'Free-form note.' }),
  ...moneyFields('Amount arriving in the destination currency.'),
});

const SpendingInput = Type.Object({
  dateFrom: DateText('Inclusive start.'),
  dateTo: DateText('Inclusive end; a plain date includes that whole day.'),
  currency: Type.Optional(Type.With(S.Currency, { description: 'Only this currency (ISO-4217).' })),
});

// ---- tools ---------------------------------------------------------------------------

const LEDGY_TOOLS: Tool[] = [
  tool({
    name: 'list_accounts',
    title: 'List accounts',
    description: "Every account the user owns, with its opening and current balance. Money is in major units in the account's currencyCode.",
    annotations: readOnly,
    scope: 'accounts:read',
    input: NoInput,
    async run(_args, { deps, user }) {
      const accounts = await listAccounts(deps, user);
      return { items: accounts.map(accountView), totalCount: accounts.length };
    },
  }),

  tool({
    name: 'list_transactions',
    title: 'List transactions',
    description:
      'Transactions visible to the user (their own and those of shared groups), newest date first, with cursor pagination. ' +
      'Pass nextCursor back as cursor for the next page; null means the end. `query` searches payee and note text (case-insensitive).',
    annotations: readOnly,
    scope: 'transactions:read',
    input: ListInput,
    async run(args, { deps, cursors, user }) {
      const filter: ListFilter = {
        limit: Math.min(200, Math.max(1, args.limit ?? 50)),
        cursor: null,
        type: args.type,
        dateFrom: args.dateFrom ? parseDate(args.dateFrom, 'dateFrom') : undefined,
        dateTo: args.dateTo ? inclusiveEnd(args.dateTo, 'dateTo') : undefined,
        // An id that is not ours matches nothing rather than failing the list (as in REST).
        categoryId: args.categoryId ? categoryIdIn(args.categoryId) : undefined,
        accountId: args.accountId ? (parseId('acc', args.accountId) ?? NO_UUID) : undefined,
        groupId: args.groupId ? (parseId('grp', args.groupId) ?? NO_UUID) : undefined,
        search: args.query,
      };
      // The same signed cursor as GET /api/v1/transactions (cursor.ts), so either accepts the other's.
      if (args.cursor) filter.cursor = cursors.decode(args.cursor, user.id, filter);
      const page = await listTransactions(deps.db, user, filter);
      return { items: page.items.map(transactionView), totalCount: page.totalCount, nextCursor: page.next ? cursors.encode(page.next, user.id, filter) : null };
    },
  }),

  tool({
    name: 'create_transaction',
    title: 'Create an income or expense',
    description:
      'Record one income or expense. The amount is positive, in major units with at most 4 decimals (a number or a decimal string); ' +
      "with an accountId, currencyCode must be the account's currency. Use create_transfer to move money between accounts.",
    annotations: writes,
    scope: 'transactions:write',
    input: TransactionInput,
    async run(args, context) {
      const input = toTransactionInput(args, {
        amount: exact(args.amount, 'amount'),
        exchangeRate: exactOrNull(args.exchangeRate, 'exchangeRate'),
        convertedAmount: exactOrNull(args.convertedAmount, 'convertedAmount'),
      });
      return transactionView(await context.write('create_transaction', (tx) => createTransaction(context.deps, tx, context.user, input)));
    },
  }),

  tool({
    name: 'create_transfer',
    title: 'Transfer between accounts',
    description:
      "Move money from one of the user's accounts to another. currencyCode is the source account's currency; between currencies " +
      'give exchangeRate and convertedAmount (in the destination currency).',
    annotations: writes,
    scope: 'transactions:write',
    input: TransferInput,
    async run(args, context) {
      const exchangeRate = exactOrNull(args.exchangeRate, 'exchangeRate');
      const convertedAmount = exactOrNull(args.convertedAmount, 'convertedAmount');
      const transfer = {
        fromAccountId: uuidOf('account', args.fromAccountId, 'fromAccountId'),
        toAccountId: uuidOf('account', args.toAccountId, 'toAccountId'),
        amount: moneyUnits(exact(args.amount, 'amount'), 'amount'),
        currencyCode: parseAsset(args.currencyCode, 'currencyCode').currency,
        date: parseDate(args.date, 'date'),
        exchangeRate: exchangeRate ? rateText(exchangeRate, 'exchangeRate') : null,
        convertedAmount: convertedAmount ? moneyUnits(convertedAmount, 'convertedAmount') : null,
        note: args.note ?? null,
      };
      return transactionView(await context.write('create_transfer', (tx) => createTransfer(context.deps, tx, context.user, transfer)));
    },
  }),

  tool({
    name: 'spending_by_category',
    title: 'Spending by category',
    description:
      'Live expense transactions visible to the user between dateFrom and dateTo (both inclusive), summed exactly per category and currency. ' +
      'Currencies are never converted; categoryId null is uncategorised spending.',
    annotations: readOnly,
    scope: 'transactions:read',
    input: SpendingInput,
    async run(args, { deps, user }) {
      const from = parseDate(args.dateFrom, 'dateFrom');
      const to = inclusiveEnd(args.dateTo, 'dateTo');
      if (to.getTime() <= from.getTime()) throw invalid('dateTo', 'dateTo must not be before dateFrom');
      const rows = await spendingByCategory(deps.db, user, { from, to, currency: args.currency ?? null });
      const totals = new Map<string, { total: bigint; count: number }>();
      for (const r of rows) {
        const t = totals.get(r.currencyCode) ?? { total: 0n, count: 0 };
        totals.set(r.currencyCode, { total: t.total + r.total, count: t.count + r.count });
      }
      return {
        dateFrom: args.dateFrom,
        dateTo: args.dateTo,
        currency: args.currency ?? null,
        items: rows.map((r) => ({ categoryId: categoryIdOut(r.categoryId), categoryName: r.categoryName, currencyCode: r.currencyCode, total: moneyNumber(r.total), count: r.count })),
        totals: [...totals].map(([currencyCode, t]) => ({ currencyCode, total: moneyNumber(t.total), count: t.count })),
      };
    },
  }),

  ...INVITATION_TOOLS,
];

/** A server with the seven Ledgy tools, acting for the context's user; scopes come from each call's authInfo. */
export const ledgyMcpServer = (context: ToolContext) => toolServer(LEDGY_TOOLS, context);
