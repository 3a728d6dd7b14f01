import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { formatId } from '../../platform/ids.ts';
import { invalid } from '../../platform/errors.ts';
import { assetCode, formatDecimal, parseAsset, parseDecimal } from '../../platform/money.ts';
import * as S from './schemas.ts';
import { reads, writes } from './route-options.ts';
import { PREFIX, accountView, historyView, idFrom } from './views.ts';
import { cursorFrom } from './paging.ts';
import { nativeAccount, requireNativeLedgers } from './owned.ts';

export function accountRoutes(api: SurfaceApp, { ledger }: Core) {
  api.post(
    '/accounts',
    writes({ operationId: 'createAccount', summary: 'Create an account in a ledger, in one asset.', tags: ['accounts'], body: S.NewAccount, response: { 201: S.Account, ...S.errorResponses(400, 401, 403, 404, 409) } }),
    write(async (tx, request, reply) => {
      const body = request.body;
      const asset = parseAsset(body.asset, 'asset');
      if (body.no_negative && body.credit_limit !== undefined) {
        throw invalid('credit_limit', 'give either no_negative or credit_limit, not both');
      }
      const minBalance =
        body.credit_limit !== undefined ? -parseDecimal(body.credit_limit, asset.scale, 'credit_limit') : body.no_negative ? 0n : null;
      const orgId = principalOf(request).orgId;
      const ledgerId = idFrom('ledger', body.ledger_id, 'ledger_id');
      await requireNativeLedgers(ledger, orgId, [ledgerId], () => 'ledger_id');
      const account = await ledger.createAccount(orgId, {
        ledgerId,
        code: body.code,
        name: body.name,
        type: body.type,
        asset,
        minBalance,
        metadata: body.metadata ?? null,
      }, tx);
      reply.code(201).header('location', `/kontor/v1/accounts/${formatId(PREFIX.account, account.id)}`);
      return accountView(account);
    }),
  );

  api.get(
    '/accounts',
    reads({
      operationId: 'listAccounts', summary: 'List the accounts of a ledger.',
      tags: ['accounts'],
      querystring: Type.Object({ ledger_id: S.Id('ldg'), ...S.PageQuery }),
      response: { 200: S.PageOf(S.Account), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = principalOf(request).orgId;
      const ledgerId = idFrom('ledger', request.query.ledger_id, 'ledger_id');
      await requireNativeLedgers(ledger, orgId, [ledgerId], () => 'ledger_id');
      const page = await ledger.listAccounts(orgId, ledgerId, {
        limit: request.query.limit ?? 50,
        after: cursorFrom('account', request.query.cursor),
      });
      return { data: page.items.map(accountView), next_cursor: page.nextCursor && formatId(PREFIX.account, page.nextCursor) };
    },
  );

  api.get(
    '/accounts/:id',
    reads({ operationId: 'getAccount', summary: 'Get an account with its balance.', tags: ['accounts'], params: S.IdParams('acct'), response: { 200: S.Account, ...S.errorResponses(401, 403, 404) } }),
    async (request) => accountView(await nativeAccount(ledger, principalOf(request).orgId, idFrom('account', request.params.id))),
  );

  api.get(
    '/accounts/:id/balance',
    reads({
      operationId: 'getAccountBalance', summary: 'Balance of an account, now or as of the end of a day.',
      tags: ['accounts'],
      params: S.IdParams('acct'),
      querystring: Type.Object({ as_of: Type.Optional(S.Day) }),
      response: { 200: S.Balance, ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = principalOf(request).orgId;
      const accountId = idFrom('account', request.params.id);
      await nativeAccount(ledger, orgId, accountId);
      const { account, balance } = await ledger.balance(orgId, accountId, request.query.as_of);
      return {
        object: 'balance' as const,
        account_id: formatId(PREFIX.account, account.id),
        asset: assetCode(account.asset),
        balance: formatDecimal(balance, account.asset.scale),
        as_of: request.query.as_of ?? null,
      };
    },
  );

  api.get(
    '/accounts/:id/history',
    reads({
      operationId: 'listAccountHistory', summary: 'Postings of an account, newest first.',
      tags: ['accounts'],
      params: S.IdParams('acct'),
      querystring: Type.Object(S.PageQuery),
      response: { 200: S.PageOf(S.HistoryLine), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = principalOf(request).orgId;
      const accountId = idFrom('account', request.params.id);
      const { asset } = await nativeAccount(ledger, orgId, accountId);
      const page = await ledger.accountHistory(orgId, accountId, {
        limit: request.query.limit ?? 50,
        after: cursorFrom('entry', request.query.cursor),
      });
      return { data: page.items.map((l) => historyView(l, asset.scale)), next_cursor: page.nextCursor && formatId(PREFIX.entry, page.nextCursor) };
    },
  );
}
