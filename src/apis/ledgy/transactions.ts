import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, invalid, rowRefusal } from '../../platform/errors.ts';
import { fromValidation } from '../../platform/http/errors.ts';
import { rowValidator } from '../../platform/http/validation.ts';
import { parseAsset } from '../../platform/money.ts';
import { parseInstant } from '../../platform/dates.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import type { LedgyUser } from '../../ledgy/users.ts';
import {
  bulkCreateTransactions,
  createTransactionIn,
  createTransfer,
  deleteTransaction,
  getTransaction,
  listTransactions,
  replaceTransaction,
  replaceTransactionIn,
  softDeleteTransactions,
  type ListFilter,
  type TransactionInput,
  type TransactionType,
} from '../../ledgy/transactions.ts';
import { ledgyUser } from './context.ts';
import { exactBody, moneyUnits, rateText } from './json.ts';
import * as S from './schemas.ts';
import type { CursorCodec } from './cursor.ts';
import { categoryIdIn, id, transactionView, uuidOf } from './views.ts';
import { parseId } from '../../platform/ids.ts';

export const MAX_BULK = 100;

const Transaction = Type.Object({
  id: Type.String(),
  type: Type.String(),
  amount: S.Money,
  currencyCode: Type.String(),
  exchangeRate: S.Nullable(Type.Number()),
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

const TransactionBody = Type.Object({
  type: Type.Union([Type.Literal('income'), Type.Literal('expense')]),
  amount: S.Money,
  currencyCode: S.Currency,
  date: S.DateTime,
  accountId: Type.Optional(S.Nullable(S.Id)),
  categoryId: Type.Optional(S.Nullable(S.Id)),
  payee: Type.Optional(S.Nullable(Type.String({ maxLength: 200 }))),
  note: Type.Optional(S.Nullable(Type.String({ maxLength: 2000 }))),
  groupId: Type.Optional(S.Nullable(S.Id)),
  exchangeRate: Type.Optional(S.Nullable(Type.Number({ exclusiveMinimum: 0 }))),
  convertedAmount: Type.Optional(S.Nullable(S.Money)),
});
const BulkUpdateItem = Type.Intersect([Type.Object({ id: S.Id }), TransactionBody]);

const TransferBody = Type.Object({
  fromAccountId: S.Id,
  toAccountId: S.Id,
  amount: S.Money,
  currencyCode: S.Currency,
  date: S.DateTime,
  exchangeRate: Type.Optional(S.Nullable(Type.Number({ exclusiveMinimum: 0 }))),
  convertedAmount: Type.Optional(S.Nullable(S.Money)),
  note: Type.Optional(S.Nullable(Type.String({ maxLength: 2000 }))),
});

/** An ISO date is midnight UTC; a time is taken as given. */
export const parseDate = (text: string, field: string): Date => parseInstant(text, field);

/** A validated body (plain numbers) plus its exact twin (numbers as text) → domain input. */
export function toTransactionInput(body: any, exact: any): TransactionInput {
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

/** Runs each row in its own transaction; one bad row does not stop the others. */
async function bestEffort<T>(items: unknown[], run: (index: number) => Promise<T>) {
  const ok: T[] = [];
  const errors: { index: number; error: string }[] = [];
  for (let index = 0; index < items.length; index++) {
    try {
      ok.push(await run(index));
    } catch (error) {
      const refusal = error instanceof DomainError ? error : rowRefusal(error);
      if (!refusal) throw error;
      errors.push({ index, error: refusal.message });
    }
  }
  return { items: ok, errors };
}

export function transactionRoutes(api: FastifyInstance, deps: LedgyDeps, cursors: CursorCodec) {
  const checkCreate = rowValidator(TransactionBody);
  const checkUpdate = rowValidator(BulkUpdateItem);
  const rowProblem = (issues: any[] | null) => {
    if (!issues) return;
    throw new DomainError('validation', fromValidation(issues, 'body').message);
  };

  api.get<{
    Querystring: {
      limit?: number;
      cursor?: string;
      type?: TransactionType;
      dateFrom?: string;
      dateTo?: string;
      categoryId?: string;
      accountId?: string;
      groupId?: string;
      updatedSince?: string;
    };
  }>(
    '/v1/transactions',
    {
      config: { scope: 'transactions:read' },
      schema: {
        tags: ['transactions'],
        summary: 'Newest date first (ties by creation, then id). updatedSince also returns rows deleted since, with deletedAt.',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer()),
          cursor: Type.Optional(Type.String({ maxLength: 500 })),
          type: Type.Optional(Type.Union(['income', 'expense', 'transfer', 'adjustment'].map((t) => Type.Literal(t)))),
          dateFrom: Type.Optional(S.DateTime),
          dateTo: Type.Optional(S.DateTime),
          categoryId: Type.Optional(S.Id),
          accountId: Type.Optional(S.Id),
          groupId: Type.Optional(S.Id),
          updatedSince: Type.Optional(S.DateTime),
        }),
        response: { 200: Type.Object({ items: Type.Array(Transaction), totalCount: Type.Integer(), nextCursor: S.Nullable(Type.String()) }), ...S.errors(400, 401, 403) },
      },
    },
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

  api.get<{ Params: { id: string } }>(
    '/v1/transactions/:id',
    { config: { scope: 'transactions:read' }, schema: { tags: ['transactions'], params: S.IdParams, response: { 200: Transaction, ...S.errors(401, 403, 404) } } },
    async (request) => transactionView(await getTransaction(deps.db, ledgyUser(request), uuidOf('transaction', request.params.id))),
  );

  api.post(
    '/v1/transactions',
    { config: { scope: 'transactions:write' }, schema: { tags: ['transactions'], body: TransactionBody, response: { 201: Transaction, ...S.errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      const user = ledgyUser(request);
      const input = toTransactionInput(request.body, exactBody(request));
      const created = await deps.db.transaction((tx) => createTransactionIn(deps, tx, user, input));
      return reply.code(201).header('location', `/api/v1/transactions/${id('transaction', created.id)}`).send(transactionView(created));
    },
  );

  api.put<{ Params: { id: string } }>(
    '/v1/transactions/:id',
    {
      config: { scope: 'transactions:write' },
      schema: { tags: ['transactions'], summary: 'Replace a transaction: its entry is reversed and a new one posted.', params: S.IdParams, body: TransactionBody, response: { 200: Transaction, ...S.errors(400, 401, 403, 404) } },
    },
    async (request) => {
      const user = ledgyUser(request);
      return transactionView(await replaceTransaction(deps, user, uuidOf('transaction', request.params.id), toTransactionInput(request.body, exactBody(request))));
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/v1/transactions/:id',
    { config: { scope: 'transactions:write' }, schema: { tags: ['transactions'], params: S.IdParams, response: { 204: Type.Null(), ...S.errors(401, 403, 404) } } },
    async (request, reply) => {
      await deleteTransaction(deps, ledgyUser(request), uuidOf('transaction', request.params.id));
      return reply.code(204).send();
    },
  );

  api.post<{ Body: any }>(
    '/v1/transactions/transfer',
    { config: { scope: 'transactions:write' }, schema: { tags: ['transactions'], body: TransferBody, response: { 201: Transaction, ...S.errors(400, 401, 403, 404) } } },
    async (request, reply) => {
      const user = ledgyUser(request);
      const b = request.body as any;
      const exact = exactBody(request);
      const created = await createTransfer(deps, user, {
        fromAccountId: uuidOf('account', b.fromAccountId, 'fromAccountId'),
        toAccountId: uuidOf('account', b.toAccountId, 'toAccountId'),
        amount: moneyUnits(exact.amount, 'amount'),
        currencyCode: parseAsset(b.currencyCode, 'currencyCode').currency,
        date: parseDate(b.date, 'date'),
        exchangeRate: exact.exchangeRate != null ? rateText(exact.exchangeRate, 'exchangeRate') : null,
        convertedAmount: exact.convertedAmount != null ? moneyUnits(exact.convertedAmount, 'convertedAmount') : null,
        note: b.note ?? null,
      });
      return reply.code(201).header('location', `/api/v1/transactions/${id('transaction', created.id)}`).send(transactionView(created));
    },
  );

  const BulkResult = Type.Object({ items: Type.Array(Transaction), errors: Type.Array(Type.Object({ index: Type.Integer(), error: Type.String() })) });
  const BulkBody = Type.Union([Type.Array(Type.Unknown()), Type.Object({ items: Type.Array(Type.Unknown()) })], {
    description: `Up to ${MAX_BULK} transactions: a JSON array, or { "items": [...] }.`,
  });

  api.post<{ Body: unknown }>(
    '/v1/transactions/bulk',
    {
      config: { scope: 'transactions:write' },
      schema: { tags: ['transactions'], summary: 'Best effort: each row in its own transaction; failures are reported per row.', body: BulkBody, response: { 200: BulkResult, ...S.errors(400, 401, 403) } },
    },
    async (request) => {
      const user = ledgyUser(request);
      const { items, exact } = bulkItems(request.body, exactBody(request));
      // Rows are checked one by one here; the good ones post together, each standing alone.
      const inputs = items.map((item, i) => {
        try {
          rowProblem(checkCreate(item));
          return toTransactionInput(item, exact[i]);
        } catch (error) {
          if (error instanceof DomainError) return error;
          throw error;
        }
      });
      const results = await bulkCreateTransactions(deps, user, inputs);
      return {
        items: results.filter((r): r is Exclude<typeof r, DomainError> => !(r instanceof DomainError)).map(transactionView),
        errors: results.flatMap((r, index) => (r instanceof DomainError ? [{ index, error: r.message }] : [])),
      };
    },
  );

  api.put<{ Body: unknown }>(
    '/v1/transactions/bulk',
    {
      config: { scope: 'transactions:write' },
      schema: { tags: ['transactions'], summary: 'Best-effort update: each item carries its id and the full body.', body: BulkBody, response: { 200: BulkResult, ...S.errors(400, 401, 403) } },
    },
    async (request) => {
      const user = ledgyUser(request);
      const { items, exact } = bulkItems(request.body, exactBody(request));
      const result = await bestEffort(items, async (i) => {
        rowProblem(checkUpdate(items[i]));
        const row = items[i] as { id: string };
        const input = toTransactionInput(row, exact[i]);
        return deps.db.transaction((tx) => replaceTransactionIn(deps, tx, user, uuidOf('transaction', row.id, 'id'), input));
      });
      return { items: result.items.map(transactionView), errors: result.errors };
    },
  );

  api.post<{ Body: { ids: string[] } }>(
    '/v1/transactions/bulk-delete',
    {
      config: { scope: 'transactions:write' },
      schema: {
        tags: ['transactions'],
        body: Type.Object({ ids: Type.Array(S.Id, { minItems: 1, maxItems: MAX_BULK }) }),
        response: { 200: Type.Object({ deleted: Type.Integer(), notFound: Type.Array(Type.String()) }), ...S.errors(400, 401, 403) },
      },
    },
    async (request) => {
      const user: LedgyUser = ledgyUser(request);
      const wanted = request.body.ids.map((text) => ({ text, uuid: parseId('tx', text) }));
      const uuids = [...new Set(wanted.map((w) => w.uuid).filter((u): u is string => u !== null))];
      const deleted = new Set(await deps.db.transaction((tx) => softDeleteTransactions(deps, tx, user, uuids)));
      return { deleted: deleted.size, notFound: wanted.filter((w) => !w.uuid || !deleted.has(w.uuid)).map((w) => w.text) };
    },
  );
}
