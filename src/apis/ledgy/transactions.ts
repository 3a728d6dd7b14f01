import { Type, type Static } from 'typebox';
import { DomainError, invalid } from '../../platform/errors.ts';
import { fromValidation } from '../../platform/http/errors.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { rowValidator } from '../../platform/http/validation.ts';
import { parseAsset } from '../../platform/money.ts';
import { parseInstant } from '../../platform/dates.ts';
import { parseId } from '../../platform/ids.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { createTransaction, createTransfer, deleteTransaction, replaceTransaction, softDeleteTransactions, type LedgyTransaction, type TransactionInput } from '../../ledgy/transactions.ts';
import { getTransaction, listTransactions, type ListFilter } from '../../ledgy/transaction-list.ts';
import { bulkCreateTransactions, bulkReplaceTransactions, type BulkSlot } from '../../ledgy/transaction-bulk.ts';
import { ledgyUser } from './context.ts';
import { exactBody, moneyUnits, rateText } from './json.ts';
import * as S from './schemas.ts';
import type { CursorCodec } from './cursor.ts';
import { categoryIdIn, id, transactionView, uuidOf } from './views.ts';
import { ledgyOperations, resourceRoutes } from './resource.ts';

export const MAX_BULK = 100;

const Transaction = Type.Object({
  id: Type.String(),
  type: Type.String(),
  amount: S.Money,
  currencyCode: Type.String(),
  exchangeRate: S.Nullable(S.ExactNumber()),
  convertedAmount: S.Nullable(S.Money),
  date: S.Timestamp,
  accountId: S.Nullable(Type.String()),
  toAccountId: S.Nullable(Type.String()),
  categoryId: S.Nullable(Type.String()),
  groupId: S.Nullable(Type.String()),
  payee: S.Nullable(Type.String()),
  note: S.Nullable(Type.String()),
  receiptImagePath: S.Nullable(Type.String()),
  recurringTransactionId: S.Nullable(Type.String()),
  source: Type.String(),
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
  deletedAt: S.Nullable(S.Timestamp),
});

/** The body of POST /v1/transactions; Ledgy's MCP tool create_transaction takes the same fields (mcp-tools.ts). */
export const TransactionBody = Type.Object({
  type: Type.Union([Type.Literal('income'), Type.Literal('expense')]),
  amount: S.Money,
  currencyCode: S.Currency,
  date: S.DateTime,
  accountId: Type.Optional(S.Nullable(S.Id)),
  categoryId: Type.Optional(S.Nullable(S.Id)),
  payee: Type.Optional(S.Nullable(Type.String({ maxLength: 200 }))),
  note: Type.Optional(S.Nullable(Type.String({ maxLength: 2000 }))),
  groupId: Type.Optional(S.Nullable(S.Id)),
  exchangeRate: Type.Optional(S.Nullable(S.ExactNumber({ exclusiveMinimum: 0 }))),
  convertedAmount: Type.Optional(S.Nullable(S.Money)),
});
const BulkUpdateItem = Type.Intersect([Type.Object({ id: S.Id }), TransactionBody]);
type TransactionBodyT = Static<typeof TransactionBody>;

/** The body of POST /v1/transactions/transfer, and of the MCP tool create_transfer. */
export const TransferBody = Type.Object({
  fromAccountId: S.Id,
  toAccountId: S.Id,
  amount: S.Money,
  currencyCode: S.Currency,
  date: S.DateTime,
  exchangeRate: Type.Optional(S.Nullable(S.ExactNumber({ exclusiveMinimum: 0 }))),
  convertedAmount: Type.Optional(S.Nullable(S.Money)),
  note: Type.Optional(S.Nullable(Type.String({ maxLength: 2000 }))),
});

/** The filters of GET /v1/transactions; the MCP tool list_transactions takes them too (less updatedSince, plus a text query). */
export const TransactionQuery = Type.Object({
  limit: Type.Optional(Type.Integer()),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
  type: Type.Optional(Type.Union([Type.Literal('income'), Type.Literal('expense'), Type.Literal('transfer'), Type.Literal('adjustment')])),
  dateFrom: Type.Optional(S.DateTime),
  dateTo: Type.Optional(S.DateTime),
  categoryId: Type.Optional(S.Id),
  accountId: Type.Optional(S.Id),
  groupId: Type.Optional(S.Id),
  updatedSince: Type.Optional(S.DateTime),
});

/** An ISO date is midnight UTC; a time is taken as given. */
export const parseDate = (text: string, field: string): Date => parseInstant(text, field);

/** An income or expense as the API takes it (REST bodies, MCP tool arguments). */
export type TransactionFields = Pick<TransactionBodyT, 'type' | 'currencyCode' | 'date' | 'accountId' | 'categoryId' | 'payee' | 'note' | 'groupId'>;

/** A validated body (plain numbers) plus its exact twin (numbers as text) → domain input. */
export function toTransactionInput(body: TransactionFields, exact: any): TransactionInput {
  return {
    type: body.type,
    amount: moneyUnits(exact.amount, 'amount'),
    currencyCode: parseAsset(body.currencyCode, 'currencyCode').currency,
    date: parseDate(body.date, 'date'),
    accountId: body.accountId ? uuidOf('account', body.accountId, 'accountId') : null,
    categoryId: body.categoryId ? categoryIdIn(body.categoryId) : null,
    payee: body.payee ?? null,
    note: body.note ?? null,
    groupId: body.groupId ? uuidOf('group', body.groupId, 'groupId') : null,
    exchangeRate: exact.exchangeRate != null ? rateText(exact.exchangeRate, 'exchangeRate') : null,
    convertedAmount: exact.convertedAmount != null ? moneyUnits(exact.convertedAmount, 'convertedAmount') : null,
  };
}

/** The items of a bulk body: a JSON array, or `{ "items": [...] }`. */
function bulkItems(body: unknown, exact: any): { items: unknown[]; exact: any[] } {
  const items = Array.isArray(body) ? body : (body as any)?.items;
  const exactItems = Array.isArray(exact) ? exact : exact?.items;
  if (!Array.isArray(items)) throw invalid('items', 'send a JSON array of transactions, or { "items": [...] }');
  if (items.length === 0) throw invalid('items', 'send at least one transaction');
  if (items.length > MAX_BULK) throw invalid('items', `a bulk call holds at most ${MAX_BULK} items`);
  return { items, exact: exactItems };
}

/** The row, or the domain error its checks threw (anything else is the whole call's error). */
function slot<T>(make: () => T): BulkSlot<T> {
  try {
    return make();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

/** A bulk answer: the rows made, and each refused row's index and reason. */
function bulkAnswer(results: BulkSlot<LedgyTransaction>[]) {
  return {
    items: results.filter((r): r is LedgyTransaction => !(r instanceof DomainError)).map(transactionView),
    errors: results.flatMap((r, index) => (r instanceof DomainError ? [{ index, error: r.message }] : [])),
  };
}

export function transactionRoutes(api: SurfaceApp, deps: LedgyDeps, cursors: CursorCodec) {
  const checkCreate = rowValidator(TransactionBody);
  const checkUpdate = rowValidator(BulkUpdateItem);
  const rowProblem = (issues: any[] | null) => {
    if (!issues) return;
    throw new DomainError('validation', fromValidation(issues, 'body').message);
  };
  const { reads, writes } = ledgyOperations('transactions');
  const location = (txId: string) => `/api/v1/transactions/${id('transaction', txId)}`;

  api.get(
    '/v1/transactions',
    reads({
      operationId: 'listTransactions',
      summary: 'Newest date first (ties by creation, then id). updatedSince also returns rows deleted since, with deletedAt.',
      querystring: TransactionQuery,
      response: { 200: Type.Object({ items: Type.Array(Transaction), totalCount: Type.Integer(), nextCursor: S.Nullable(Type.String()) }), ...S.errors(400, 401, 403) },
    }),
    async (request) => {
      const q = request.query;
      const user = ledgyUser(request);
      const dateTo = q.dateTo
        ? /^\d{4}-\d{2}-\d{2}$/.test(q.dateTo)
          ? new Date(parseDate(q.dateTo, 'dateTo').getTime() + 86_400_000) // the whole day is included
          : new Date(parseDate(q.dateTo, 'dateTo').getTime() + 1)
        : undefined;
      const filter: ListFilter = {
        limit: Math.min(200, Math.max(1, q.limit ?? 50)),
        cursor: null,
        type: q.type,
        dateFrom: q.dateFrom ? parseDate(q.dateFrom, 'dateFrom') : undefined,
        dateTo,
        // An id that is not ours matches nothing rather than failing the list.
        categoryId: q.categoryId ? categoryIdIn(q.categoryId) : undefined,
        accountId: q.accountId ? (parseId('acc', q.accountId) ?? '00000000-0000-0000-0000-000000000000') : undefined,
        groupId: q.groupId ? (parseId('grp', q.groupId) ?? '00000000-0000-0000-0000-000000000000') : undefined,
        updatedSince: q.updatedSince ? parseDate(q.updatedSince, 'updatedSince') : undefined,
      };
      if (q.cursor) filter.cursor = cursors.decode(q.cursor, user.id, filter);
      const page = await listTransactions(deps.db, user, filter);
      return { items: page.items.map(transactionView), totalCount: page.totalCount, nextCursor: page.next ? cursors.encode(page.next, user.id, filter) : null };
    },
  );

  resourceRoutes(api, deps, {
    path: '/v1/transactions', kind: 'transaction', scope: 'transactions', reader: deps.db, item: Transaction, view: transactionView, body: TransactionBody, input: toTransactionInput,
    get: { operationId: 'getTransaction', summary: 'One transaction of yours or of a group you belong to.', run: getTransaction },
    create: { operationId: 'createTransaction', summary: 'Create an income or expense; for transfers use /transfer.', errors: [400, 401, 403, 404], run: createTransaction },
    replace: { operationId: 'replaceTransaction', summary: 'Replace a transaction: its entry is reversed and a new one posted.', run: replaceTransaction },
    delete: { operationId: 'deleteTransaction', summary: 'Soft-delete one transaction; its entry is reversed.', run: deleteTransaction },
  });

  api.post(
    '/v1/transactions/transfer',
    writes({ operationId: 'createTransfer', summary: 'Move money between two of your accounts; across currencies give exchangeRate and convertedAmount.', body: TransferBody, response: { 201: Transaction, ...S.errors(400, 401, 403, 404) } }),
    write(async (tx, request, reply) => {
      const b = request.body;
      const exact = exactBody(request);
      const created = await createTransfer(deps, tx, ledgyUser(request), {
        fromAccountId: uuidOf('account', b.fromAccountId, 'fromAccountId'),
        toAccountId: uuidOf('account', b.toAccountId, 'toAccountId'),
        amount: moneyUnits(exact.amount, 'amount'),
        currencyCode: parseAsset(b.currencyCode, 'currencyCode').currency,
        date: parseDate(b.date, 'date'),
        exchangeRate: exact.exchangeRate != null ? rateText(exact.exchangeRate, 'exchangeRate') : null,
        convertedAmount: exact.convertedAmount != null ? moneyUnits(exact.convertedAmount, 'convertedAmount') : null,
        note: b.note ?? null,
      });
      reply.code(201).header('location', location(created.id));
      return transactionView(created);
    }),
  );

  const BulkResult = Type.Object({ items: Type.Array(Transaction), errors: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String() })) });
  const BulkBody = Type.Union([Type.Array(Type.Unknown()), Type.Object({ items: Type.Array(Type.Unknown()) })], {
    description: `Up to ${MAX_BULK} transactions: a JSON array, or { "items": [...] }.`,
  });

  api.post(
    '/v1/transactions/bulk',
    writes({
      operationId: 'bulkCreateTransactions',
      summary: 'Best effort: each row stands alone (in a savepoint of the one transaction); failures are reported per row.',
      body: BulkBody,
      response: { 200: BulkResult, ...S.errors(400, 401, 403) },
    }),
    write(async (tx, request) => {
      const { items, exact } = bulkItems(request.body, exactBody(request));
      // Rows are checked one by one here; the good ones post together, each standing alone.
      const inputs = items.map((item, i) =>
        slot(() => {
          rowProblem(checkCreate(item));
          return toTransactionInput(item as TransactionBodyT, exact[i]);
        }),
      );
      return bulkAnswer(await bulkCreateTransactions(deps, tx, ledgyUser(request), inputs));
    }),
  );

  api.put(
    '/v1/transactions/bulk',
    writes({
      operationId: 'bulkUpdateTransactions',
      summary: 'Best-effort update: each item carries its id and the full body; each row stands alone.',
      body: BulkBody,
      response: { 200: BulkResult, ...S.errors(400, 401, 403) },
    }),
    write(async (tx, request) => {
      const { items, exact } = bulkItems(request.body, exactBody(request));
      const rows = items.map((item, i) =>
        slot(() => {
          rowProblem(checkUpdate(item));
          const row = item as TransactionBodyT & { id: string };
          const input = toTransactionInput(row, exact[i]);
          return { id: uuidOf('transaction', row.id, 'id'), input };
        }),
      );
      return bulkAnswer(await bulkReplaceTransactions(deps, tx, ledgyUser(request), rows));
    }),
  );

  api.post(
    '/v1/transactions/bulk-delete',
    writes({
      operationId: 'bulkDeleteTransactions',
      summary: 'Soft-delete up to 100 of your transactions; ids that are not found are listed.',
      body: Type.Object({ ids: Type.Array(S.Id, { minItems: 1, maxItems: MAX_BULK }) }),
      response: { 200: Type.Object({ deleted: Type.Integer(), notFound: Type.Array(Type.String()) }), ...S.errors(400, 401, 403) },
    }),
    write(async (tx, request) => {
      const ids: string[] = request.body.ids;
      const wanted = ids.map((text) => ({ text, uuid: parseId('tx', text) }));
      const uuids = [...new Set(wanted.map((w) => w.uuid).filter((u): u is string => u !== null))];
      const deleted = new Set(await softDeleteTransactions(deps, tx, ledgyUser(request), uuids));
      return { deleted: deleted.size, notFound: wanted.filter((w) => !w.uuid || !deleted.has(w.uuid)).map((w) => w.text) };
    }),
  );
}
