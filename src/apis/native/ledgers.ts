import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { formatId } from '../../platform/ids.ts';
import * as S from './schemas.ts';
import { PREFIX, idFrom, ledgerView, trialBalanceView } from './views.ts';
import { pageRequest, pageView } from './paging.ts';
import { asOfRoute, getOneRoute } from './item-routes.ts';
import { NATIVE_OWNER, nativeLedgerId } from './owned.ts';

const { reads, writes } = S.nativeOperations('ledgers');

export function ledgerRoutes(api: SurfaceApp, { ledger }: Core) {
  api.post(
    '/ledgers',
    writes({ operationId: 'createLedger', summary: 'Create a ledger.', body: S.NewLedger, response: { 201: S.Ledger, ...S.errorResponses(400, 401, 403, 409) } }),
    write(async (tx, request, reply) => {
      const created = await ledger.createLedger(principalOf(request).orgId, { ...request.body, owner: NATIVE_OWNER }, tx);
      reply.code(201).header('location', `/kontor/v1/ledgers/${formatId(PREFIX.ledger, created.id)}`);
      return ledgerView(created);
    }),
  );

  api.get(
    '/ledgers',
    reads({ operationId: 'listLedgers', summary: 'List ledgers, oldest first.', querystring: Type.Object(S.PageQuery), response: { 200: S.PageOf(S.Ledger), ...S.errorResponses(400, 401, 403) } }),
    async (request) => pageView('ledger', await ledger.listLedgers(principalOf(request).orgId, NATIVE_OWNER, pageRequest('ledger', request.query)), ledgerView),
  );

  getOneRoute(api, reads, {
    path: '/ledgers/:id', prefix: 'ldg', operationId: 'getLedger', summary: 'Get a ledger.', item: S.Ledger,
    load: (orgId, id) => ledger.getLedger(orgId, idFrom('ledger', id), NATIVE_OWNER), view: ledgerView,
  });

  api.delete(
    '/ledgers/:id',
    writes({
      operationId: 'purgeLedger',
      summary: 'Purge a ledger: deletes it and everything in it in one transaction, and logs the purge.',
      params: S.IdParams('ldg'),
      response: { 204: Type.Null(), ...S.errorResponses(401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      const principal = principalOf(request);
      const ledgerId = await nativeLedgerId(ledger, principal.orgId, request.params.id);
      await ledger.purgeLedger(principal.orgId, ledgerId, `api_key:${principal.id}`, tx);
      reply.code(204);
    }),
  );

  asOfRoute(api, reads, {
    path: '/ledgers/:id/trial-balance', prefix: 'ldg', operationId: 'getTrialBalance', summary: 'Trial balance of a ledger, now or as of the end of a day.', item: S.TrialBalance,
    report: async (orgId, id, asOf) => trialBalanceView(await ledger.trialBalance(orgId, await nativeLedgerId(ledger, orgId, id), asOf)),
  });
}
