import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { formatId } from '../../platform/ids.ts';
import { invalid } from '../../platform/errors.ts';
import { parseAsset, parseDecimal } from '../../platform/money.ts';
import * as S from './schemas.ts';
import { PREFIX, accountView, balanceView, historyView } from './views.ts';
import { pageRequest, pageView } from './paging.ts';
import { asOfRoute, getOneRoute } from './item-routes.ts';
import { nativeAccount, nativeLedgerId } from './owned.ts';

const { reads, writes } = S.nativeOperations('accounts');

export function accountRoutes(api: SurfaceApp, { ledger }: Core) {
  api.post(
    '/accounts',
    writes({ operationId: 'createAccount', summary: 'Create an account in a ledger, in one asset.', body: S.NewAccount, response: { 201: S.Account, ...S.errorResponses(400, 401, 403, 404, 409) } }),
    write(async (tx, request, reply) => {
      const body = request.body;
      const asset = parseAsset(body.asset, 'asset');
      if (body.no_negative && body.credit_limit !== undefined) {
        throw invalid('credit_limit', 'give either no_negative or credit_limit, not both');
      }
      const minBalance =
        body.credit_limit !== undefined ? -parseDecimal(body.credit_limit, asset.scale, 'credit_limit') : body.no_negative ? 0n : null;
      const orgId = principalOf(request).orgId;
      const ledgerId = await nativeLedgerId(ledger, orgId, body.ledger_id, 'ledger_id');
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
      operationId: 'listAccounts',
      summary: 'List the accounts of a ledger.',
      querystring: Type.Object({ ledger_id: S.Id('ldg'), ...S.PageQuery }),
      response: { 200: S.PageOf(S.Account), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = principalOf(request).orgId;
      const ledgerId = await nativeLedgerId(ledger, orgId, request.query.ledger_id, 'ledger_id');
      return pageView('account', await ledger.listAccounts(orgId, ledgerId, pageRequest('account', request.query)), accountView);
    },
  );

  getOneRoute(api, reads, {
    path: '/accounts/:id', prefix: 'acct', operationId: 'getAccount', summary: 'Get an account with its balance.', item: S.Account,
    load: (orgId, id) => nativeAccount(ledger, orgId, id), view: accountView,
  });

  asOfRoute(api, reads, {
    path: '/accounts/:id/balance', prefix: 'acct', operationId: 'getAccountBalance', summary: 'Balance of an account, now or as of the end of a day.', item: S.Balance,
    report: async (orgId, text, asOf) => {
      const { id } = await nativeAccount(ledger, orgId, text);
      const { account, balance } = await ledger.balance(orgId, id, asOf);
      return balanceView(account, balance, asOf);
    },
  });

  api.get(
    '/accounts/:id/history',
    reads({
      operationId: 'listAccountHistory',
      summary: 'Postings of an account, newest first.',
      params: S.IdParams('acct'),
      querystring: Type.Object(S.PageQuery),
      response: { 200: S.PageOf(S.HistoryLine), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const orgId = principalOf(request).orgId;
      const { id, asset } = await nativeAccount(ledger, orgId, request.params.id);
      const page = await ledger.accountHistory(orgId, id, pageRequest('entry', request.query));
      return pageView('entry', page, (line) => historyView(line, asset.scale));
    },
  );
}
