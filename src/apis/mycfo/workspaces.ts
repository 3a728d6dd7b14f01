import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { formatId } from '../../platform/ids.ts';
import { createWorkspace, deleteWorkspace, getWorkspace, listWorkspaces, updateWorkspace, type CfoDeps } from '../../mycfo/workspaces.ts';
import { NAME } from '../../platform/http/validation.ts';
import * as S from './schemas.ts';
import { idFrom, listView, pageRequest, workspaceView } from './views.ts';

const workspaces = S.mycfoOperations('workspaces');
const CashCents = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const WsParams = Type.Object({ id: Type.String() });

export function workspaceRoutes(api: SurfaceApp, core: Core, cfo: CfoDeps) {
  api.post(
    '/workspaces',
    workspaces.writes({
      operationId: 'createWorkspace',
      summary: 'Create a workspace: one business or product, with its own ledger.',
      body: Type.Object({
        name: Type.String({ ...NAME, maxLength: 200 }),
        cash_on_hand_cents: Type.Optional(S.Nullable(CashCents)),
        currency: Type.Optional(S.Currency),
      }),
      response: { 201: S.Workspace, ...S.errors(400, 401, 409, 422) },
    }),
    write(async (tx, request, reply) => {
      const body = request.body;
      const ws = await createWorkspace(tx, cfo, principalOf(request).orgId, {
        name: body.name,
        cashOnHandCents: body.cash_on_hand_cents == null ? null : BigInt(body.cash_on_hand_cents),
        currency: body.currency,
      });
      reply.code(201);
      return workspaceView(ws);
    }),
  );

  api.get(
    '/workspaces',
    workspaces.reads({
      operationId: 'listWorkspaces',
      summary: 'The workspaces of your organization, newest first.',
      querystring: Type.Object(S.PageQuery),
      response: { 200: S.ListOf(S.Workspace), ...S.errors(401, 422) },
    }),
    async (request) => listView(await listWorkspaces(core.db, principalOf(request).orgId, pageRequest('workspace', request.query)), workspaceView),
  );

  api.get(
    '/workspaces/:id',
    workspaces.reads({
      operationId: 'getWorkspace',
      summary: 'One workspace.',
      params: WsParams,
      response: { 200: S.Workspace, ...S.errors(401, 404) },
    }),
    async (request) => workspaceView(await getWorkspace(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id))),
  );

  api.patch(
    '/workspaces/:id',
    workspaces.writes({
      operationId: 'updateWorkspace',
      summary: 'Changes only the fields present; cash_on_hand_cents: null clears the cash.',
      params: WsParams,
      body: Type.Object({ name: Type.Optional(Type.String({ ...NAME, maxLength: 200 })), cash_on_hand_cents: Type.Optional(S.Nullable(CashCents)) }),
      response: { 200: S.Workspace, ...S.errors(400, 401, 404, 409, 422) },
    }),
    write(async (tx, request) => {
      const body = request.body;
      const cash = body.cash_on_hand_cents;
      const ws = await updateWorkspace(tx, principalOf(request).orgId, idFrom('workspace', request.params.id), {
        name: body.name,
        cashOnHandCents: 'cash_on_hand_cents' in body ? (cash == null ? null : BigInt(cash)) : undefined,
      });
      return workspaceView(ws);
    }),
  );

  api.delete(
    '/workspaces/:id',
    workspaces.writes({
      operationId: 'deleteWorkspace',
      summary: 'Deletes the workspace with its transactions, forecasts, scenarios and alerts, in one transaction.',
      params: WsParams,
      response: { 204: Type.Null(), ...S.errors(401, 404) },
    }),
    write(async (tx, request, reply) => {
      const principal = principalOf(request);
      const id = idFrom('workspace', request.params.id);
      await deleteWorkspace(tx, cfo, principal.orgId, id, `user:${formatId('usr', principal.id)}`);
      reply.code(204);
      return null;
    }),
  );
}
