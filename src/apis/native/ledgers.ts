import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf } from '../../platform/http/surface.ts';
import { formatId } from '../../platform/ids.ts';
import * as S from './schemas.ts';
import { PREFIX, idFrom, ledgerView, trialBalanceView } from './views.ts';
import { cursorFrom } from './paging.ts';
import { NATIVE_OWNER, requireNativeLedgers } from './owned.ts';

const security = [{ apiKey: [] }];

export function ledgerRoutes(api: FastifyInstance, { ledger }: Core) {
  api.post<{ Body: { name: string; metadata?: Record<string, unknown> } }>(
    '/ledgers',
    {
      config: { scope: 'ledger:write' },
      schema: { tags: ['ledgers'], security, body: S.NewLedger, response: { 201: S.Ledger, ...S.errorResponses(400, 401, 403, 409) } },
    },
    async (request, reply) => {
      const created = await ledger.createLedger(principalOf(request).orgId, { ...request.body, owner: NATIVE_OWNER });
      return reply.code(201).header('location', `/kontor/v1/ledgers/${formatId(PREFIX.ledger, created.id)}`).send(ledgerView(created));
    },
  );

  api.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/ledgers',
    {
      config: { scope: 'ledger:read' },
      schema: { tags: ['ledgers'], security, querystring: Type.Object(S.PageQuery), response: { 200: S.PageOf(S.Ledger), ...S.errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const page = await ledger.listLedgers(principalOf(request).orgId, NATIVE_OWNER, {
        limit: request.query.limit ?? 50,
        after: cursorFrom('ledger', request.query.cursor),
      });
      return { data: page.items.map(ledgerView), next_cursor: page.nextCursor && formatId(PREFIX.ledger, page.nextCursor) };
    },
  );

  api.get<{ Params: { id: string } }>(
    '/ledgers/:id',
    {
      config: { scope: 'ledger:read' },
      schema: { tags: ['ledgers'], security, params: S.IdParams('ldg'), response: { 200: S.Ledger, ...S.errorResponses(401, 403, 404) } },
    },
    async (request) => ledgerView(await ledger.getLedger(principalOf(request).orgId, idFrom('ledger', request.params.id), NATIVE_OWNER)),
  );

  api.delete<{ Params: { id: string } }>(
    '/ledgers/:id',
    {
      config: { scope: 'ledger:write' },
      schema: {
        tags: ['ledgers'],
        summary: 'Purge a ledger: deletes it and everything in it in one transaction, and logs the purge.',
        security,
        params: S.IdParams('ldg'),
        response: { 204: Type.Null(), ...S.errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const ledgerId = idFrom('ledger', request.params.id);
      await requireNativeLedgers(ledger, principal.orgId, [ledgerId]);
      await ledger.purgeLedger(principal.orgId, ledgerId, `api_key:${principal.id}`);
      return reply.code(204).send();
    },
  );

  api.get<{ Params: { id: string }; Querystring: { as_of?: string } }>(
    '/ledgers/:id/trial-balance',
    {
      config: { scope: 'ledger:read' },
      schema: {
        tags: ['ledgers'],
        security,
        params: S.IdParams('ldg'),
        querystring: Type.Object({ as_of: Type.Optional(S.Day) }),
        response: { 200: S.TrialBalance, ...S.errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const orgId = principalOf(request).orgId;
      const ledgerId = idFrom('ledger', request.params.id);
      await requireNativeLedgers(ledger, orgId, [ledgerId]);
      return trialBalanceView(await ledger.trialBalance(orgId, ledgerId, request.query.as_of));
    },
  );
}
