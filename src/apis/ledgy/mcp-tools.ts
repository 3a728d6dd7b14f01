import type { FastifyBaseLogger } from 'fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LosslessNumber, isSafeNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { DomainError, invalid } from '../../platform/errors.ts';
import { parseId } from '../../platform/ids.ts';
import { parseAsset } from '../../platform/money.ts';
import { listAccounts } from '../../ledgy/accounts.ts';
import { createTransaction, createTransfer } from '../../ledgy/transactions.ts';
import { listTransactions, type ListFilter } from '../../ledgy/transaction-list.ts';
import { spendingByCategory } from '../../ledgy/reports.ts';
import { moneyNumber, moneyUnits, rateText } from './json.ts';
import { parseDate, toTransactionInput } from './transactions.ts';
import type { ToolContext } from './mcp.ts';
import { registerInvitationTools } from './mcp-invitations.ts';
import { accountView, categoryIdIn, categoryIdOut, transactionView, uuidOf } from './views.ts';

/*
 * The tools of Ledgy's MCP endpoint (mcp.ts): loaded at the first MCP request, not at server
 * start, since the MCP SDK and zod are among the largest modules.
 */

export type ToolExtra = { authInfo?: AuthInfo };
const NO_UUID = '00000000-0000-0000-0000-000000000000';

// ---- tool results --------------------------------------------------------------------

/**
 * The view as JSON text, exact (money is LosslessNumber), and the same value as
 * structuredContent when every number in it survives as a JS number; otherwise the text
 * alone carries it, rather than a rounded copy.
 */
function ok(view: Record<string, unknown>): CallToolResult {
  const text = stringifyLossless(view) ?? '{}';
  let structured: Record<string, unknown> | undefined;
  try {
    structured = parseLossless(text, null, (digits) => {
      if (!isSafeNumber(digits)) throw new Error('unsafe');
      return Number(digits);
    }) as Record<string, unknown>;
  } catch {
    structured = undefined;
  }
  return { content: [{ type: 'text', text }], ...(structured ? { structuredContent: structured } : {}) };
}

const failure = (message: string): CallToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** The REST message: "Account not found" (with the field it came from), else as the domain says it. */
function domainMessage(error: DomainError): string {
  if (error.code !== 'not_found') return error.message;
  const message = error.message.replace(/^(\w)/, (c) => c.toUpperCase());
  return error.field ? `${message} (${error.field})` : message;
}

/** Scope check, then the work; domain errors become tool errors, anything else is logged. */
export async function guarded(log: FastifyBaseLogger, extra: ToolExtra, scope: string, run: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  const scopes = extra.authInfo?.scopes ?? [];
  if (!scopes.includes(scope)) return failure(`Forbidden: this token lacks the scope ${scope}`);
  try {
    return ok(await run());
  } catch (error) {
    if (error instanceof DomainError) return failure(domainMessage(error));
    log.error({ err: error }, 'MCP tool failed');
    return failure('Internal server error');
  }
}

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

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DateText = (description: string) => z.string().regex(ISO_DATE, 'must be an ISO-8601 date (2026-05-13) or date-time (2026-05-13T10:30:00Z)').describe(description);
export const IdText = (description: string) => z.string().min(1).max(64).describe(description);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be three uppercase letters').describe('ISO-4217 currency code, e.g. "EUR"');
const Money = (description: string) =>
  z.union([z.number(), z.string().max(64)]).describe(`${description} Major units with up to 4 decimals, as a number or a decimal string like "12.50".`);
const Rate = z.union([z.number(), z.string().max(64)]).describe('FX rate when currencyCode differs from the primary (or destination) currency; a number or decimal string.');

export const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
export const writes = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

/**
 * A server with the seven Ledgy tools, acting for the context's user; scopes come from each
 * call's authInfo. Input schemas are zod: the MCP SDK takes no other.
 */
export function ledgyMcpServer(context: ToolContext): McpServer {
  const { deps, cursors, user, log } = context;
  const server = new McpServer({ name: 'ledgy', title: 'Ledgy', version: '1.0.0' });

  server.registerTool(
    'list_accounts',
    {
      title: 'List accounts',
      description: "Every account the user owns, with its opening and current balance. Money is in major units in the account's currencyCode.",
      annotations: readOnly,
    },
    async (extra) =>
      guarded(log, extra, 'accounts:read', async () => {
        const accounts = await listAccounts(deps, user);
        return { items: accounts.map(accountView), totalCount: accounts.length };
      }),
  );

  server.registerTool(
    'list_transactions',
    {
      title: 'List transactions',
      description:
        'Transactions visible to the user (their own and those of shared groups), newest date first, with cursor pagination. ' +
        'Pass nextCursor back as cursor for the next page; null means the end. `query` searches payee and note text (case-insensitive).',
      inputSchema: {
        type: z.enum(['income', 'expense', 'transfer', 'adjustment']).optional().describe('Only this kind of transaction.'),
        dateFrom: DateText('Inclusive lower bound on the transaction date.').optional(),
        dateTo: DateText('Inclusive upper bound; a plain date includes that whole day.').optional(),
        categoryId: IdText('Only this category (a user category id or a system one like cat_groceries).').optional(),
        accountId: IdText('Only transactions from or to this account.').optional(),
        groupId: IdText('Only this shared group.').optional(),
        query: z.string().min(1).max(200).optional().describe('Text to find in the payee or the note.'),
        limit: z.number().int().optional().describe('Page size, clamped to 1..200. Default 50.'),
        cursor: z.string().max(500).optional().describe('nextCursor from the previous page.'),
      },
      annotations: readOnly,
    },
    async (args, extra) =>
      guarded(log, extra, 'transactions:read', async () => {
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
        if (args.cursor) filter.cursor = cursors.decode(args.cursor, user.id, filter);
        const page = await listTransactions(deps.db, user, filter);
        return { items: page.items.map(transactionView), totalCount: page.totalCount, nextCursor: page.next ? cursors.encode(page.next, user.id, filter) : null };
      }),
  );

  server.registerTool(
    'create_transaction',
    {
      title: 'Create an income or expense',
      description:
        'Record one income or expense. The amount is positive, in major units with at most 4 decimals (a number or a decimal string); ' +
        "with an accountId, currencyCode must be the account's currency. Use create_transfer to move money between accounts.",
      inputSchema: {
        type: z.enum(['income', 'expense']).describe('"income" or "expense".'),
        amount: Money('Positive amount in currencyCode.'),
        currencyCode: Currency,
        date: DateText('When it happened (UTC); a plain date is midnight UTC.'),
        accountId: IdText('Source or destination account.').nullish(),
        categoryId: IdText('A user category id or a system one like cat_groceries.').nullish(),
        payee: z.string().max(200).nullish().describe('Merchant or counterparty.'),
        note: z.string().max(2000).nullish().describe('Free-form note.'),
        groupId: IdText('Share with this group.').nullish(),
        exchangeRate: Rate.nullish(),
        convertedAmount: Money("Amount in the user's primary currency.").nullish(),
      },
      annotations: writes,
    },
    async (args, extra) =>
      guarded(log, extra, 'transactions:write', async () => {
        const input = toTransactionInput(args, {
          amount: exact(args.amount, 'amount'),
          exchangeRate: exactOrNull(args.exchangeRate, 'exchangeRate'),
          convertedAmount: exactOrNull(args.convertedAmount, 'convertedAmount'),
        });
        return transactionView(await context.write('create_transaction', (tx) => createTransaction(deps, tx, user, input)));
      }),
  );

  server.registerTool(
    'create_transfer',
    {
      title: 'Transfer between accounts',
      description:
        "Move money from one of the user's accounts to another. currencyCode is the source account's currency; between currencies " +
        'give exchangeRate and convertedAmount (in the destination currency).',
      inputSchema: {
        fromAccountId: IdText('The source account.'),
        toAccountId: IdText('The destination account.'),
        amount: Money('Positive amount in currencyCode.'),
        currencyCode: Currency,
        date: DateText('When it happened (UTC); a plain date is midnight UTC.'),
        exchangeRate: Rate.nullish(),
        convertedAmount: Money('Amount arriving in the destination currency.').nullish(),
        note: z.string().max(2000).nullish().describe('Free-form note.'),
      },
      annotations: writes,
    },
    async (args, extra) =>
      guarded(log, extra, 'transactions:write', async () => {
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
        return transactionView(await context.write('create_transfer', (tx) => createTransfer(deps, tx, user, transfer)));
      }),
  );

  server.registerTool(
    'spending_by_category',
    {
      title: 'Spending by category',
      description:
        'Live expense transactions visible to the user between dateFrom and dateTo (both inclusive), summed exactly per category and currency. ' +
        'Currencies are never converted; categoryId null is uncategorised spending.',
      inputSchema: {
        dateFrom: DateText('Inclusive start.'),
        dateTo: DateText('Inclusive end; a plain date includes that whole day.'),
        currency: Currency.optional().describe('Only this currency (ISO-4217).'),
      },
      annotations: readOnly,
    },
    async (args, extra) =>
      guarded(log, extra, 'transactions:read', async () => {
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
      }),
  );

  registerInvitationTools(server, context);
  return server;
}
