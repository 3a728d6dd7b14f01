import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf } from '../../platform/http/surface.ts';
import { formatId } from '../../platform/ids.ts';
import { createWorkspace, deleteWorkspace, getWorkspace, listWorkspaces, updateWorkspace } from '../../mycfo/workspaces.ts';
import { NAME } from '../../platform/http/validation.ts';
import * as S from './schemas.ts';
import { idFrom, startingAfter, workspaceView } from './views.ts';

const security = [{ bearer: [] }];
const CashCents = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export function workspaceRoutes(api: FastifyInstance, core: Core) {
  const deps = core;

  api.post<{ Body: { name: string; cash_on_hand_cents?: number | null; currency?: string } }>(
    '/workspaces',
    {
      schema: {
        tags: ['workspaces'],
        security,
        body: Type.Object({
          name: Type.String({ ...NAME, maxLength: 200 }),
          cash_on_hand_cents: Type.Optional(S.Nullable(CashCents)),
          currency: Type.Optional(S.Currency),
        }),
        response: { 201: S.Workspace, ...S.errors(400, 401, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const ws = await createWorkspace(deps, principalOf(request).orgId, {
        name: body.name,
        cashOnHandCents: body.cash_on_hand_cents == null ? null : BigInt(body.cash_on_hand_cents),
        currency: body.currency,
      });
      return reply.code(201).send(workspaceView(ws));
    },
  );

  api.get<{ Querystring: { limit?: number; starting_after?: string } }>(
    '/workspaces',
    { schema: { tags: ['workspaces'], security, querystring: Type.Object(S.PageQuery), response: { 200: S.ListOf(S.Workspace), ...S.errors(401, 422) } } },
    async (request) => {
      const page = await listWorkspaces(core.db, principalOf(request).orgId, {
        limit: request.query.limit ?? 20,
        after: startingAfter('workspace', request.query.starting_after),
      });
      return { data: page.items.map(workspaceView), has_more: page.nextCursor !== null };
    },
  );

  api.get<{ Params: { id: string } }>(
    '/workspaces/:id',
    { schema: { tags: ['workspaces'], security, params: Type.Object({ id: Type.String() }), response: { 200: S.Workspace, ...S.errors(401, 404) } } },
    async (request) => workspaceView(await getWorkspace(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id))),
  );

  api.patch<{ Params: { id: string }; Body: { name?: string; cash_on_hand_cents?: number | null } }>(
    '/workspaces/:id',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Changes only the fields present; cash_on_hand_cents: null clears the cash.',
        security,
        params: Type.Object({ id: Type.String() }),
        body: Type.Object({ name: Type.Optional(Type.String({ ...NAME, maxLength: 200 })), cash_on_hand_cents: Type.Optional(S.Nullable(CashCents)) }),
        response: { 200: S.Workspace, ...S.errors(400, 401, 404, 409, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const ws = await updateWorkspace(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id), {
        name: body.name,
        cashOnHandCents: 'cash_on_hand_cents' in body ? (body.cash_on_hand_cents === null ? null : BigInt(body.cash_on_hand_cents!)) : undefined,
      });
      return workspaceView(ws);
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/workspaces/:id',
    {
      schema: {
        tags: ['workspaces'],
        summary: 'Deletes the workspace with its transactions, forecasts, scenarios and alerts, in one transaction.',
        security,
        params: Type.Object({ id: Type.String() }),
        response: { 204: Type.Null(), ...S.errors(401, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = idFrom('workspace', request.params.id);
      await deleteWorkspace(deps, principal.orgId, id, `user:${formatId('usr', principal.id)}`);
      return reply.code(204).send();
    },
  );
}

