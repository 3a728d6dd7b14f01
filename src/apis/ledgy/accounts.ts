import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parseAsset } from '../../platform/money.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, replaceAccount, type AccountInput, type DeleteAction } from '../../ledgy/accounts.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyUser } from './context.ts';
import { exactBody, moneyUnits } from './json.ts';
import * as S from './schemas.ts';
import { accountView, id, uuidOf } from './views.ts';
import { NAME } from '../../platform/http/validation.ts';

const Account = Type.Object({
  id: Type.String(),
  name: Type.String(),
  currencyCode: Type.String(),
  initialBalance: S.Money,
  currentBalance: Type.Number({ description: 'Read-only: the ledger balance of the account, opening balance included.' }),
  icon: S.Nullable(Type.String()),
  color: S.Nullable(Type.String()),
  iconColor: S.Nullable(Type.String()),
  order: Type.Integer(),
  shareInviteToken: S.Nullable(Type.String()),
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const AccountBody = Type.Object({
  name: Type.String({ ...NAME, maxLength: 100 }),
  currencyCode: S.Currency,
  initialBalance: S.Money,
  order: Type.Integer({ minimum: -2147483648, maximum: 2147483647 }),
  icon: Type.Optional(S.Nullable(Type.String({ maxLength: 50 }))),
  color: Type.Optional(S.Nullable(Type.String({ maxLength: 20 }))),
  iconColor: Type.Optional(S.Nullable(Type.String({ maxLength: 20 }))),
});

interface Body {
  name: string;
  currencyCode: string;
  order: number;
  icon?: string | null;
  color?: string | null;
  iconColor?: string | null;
}

function toInput(body: Body, exact: any): AccountInput {
  return {
    name: body.name,
    currencyCode: parseAsset(body.currencyCode, 'currencyCode').currency,
    initialBalance: moneyUnits(exact.initialBalance, 'initialBalance'),
    order: body.order,
    icon: body.icon ?? null,
    color: body.color ?? null,
    iconColor: body.iconColor ?? null,
  };
}

export function accountRoutes(api: FastifyInstance, deps: LedgyDeps) {
  api.get('/v1/accounts', { config: { scope: 'accounts:read' }, schema: { tags: ['accounts'], response: { 200: S.ListOf(Account), ...S.errors(401, 403) } } }, async (request) => {
    const accounts = await listAccounts(deps.db, ledgyUser(request));
    return { items: accounts.map(accountView), totalCount: accounts.length };
  });

  api.get<{ Params: { id: string } }>(
    '/v1/accounts/:id',
    { config: { scope: 'accounts:read' }, schema: { tags: ['accounts'], params: S.IdParams, response: { 200: Account, ...S.errors(401, 403, 404) } } },
    async (request) => accountView(await getAccount(deps.db, ledgyUser(request), uuidOf('account', request.params.id))),
  );

  api.post<{ Body: Body }>(
    '/v1/accounts',
    { config: { scope: 'accounts:write' }, schema: { tags: ['accounts'], body: AccountBody, response: { 201: Account, ...S.errors(400, 401, 403) } } },
    async (request, reply) => {
      const account = await createAccount(deps, ledgyUser(request), toInput(request.body, exactBody(request)));
      return reply.code(201).header('location', `/api/v1/accounts/${id('account', account.id)}`).send(accountView(account));
    },
  );

  api.put<{ Params: { id: string }; Body: Body }>(
    '/v1/accounts/:id',
    {
      config: { scope: 'accounts:write' },
      schema: { tags: ['accounts'], summary: 'Replace an account; every field is required.', params: S.IdParams, body: AccountBody, response: { 200: Account, ...S.errors(400, 401, 403, 404, 409) } },
    },
    async (request) => {
      const user = ledgyUser(request);
      return accountView(await replaceAccount(deps, user, uuidOf('account', request.params.id), toInput(request.body, exactBody(request))));
    },
  );

  api.delete<{ Params: { id: string }; Querystring: { action?: DeleteAction; moveTargetAccountId?: string } }>(
    '/v1/accounts/:id',
    {
      config: { scope: 'accounts:write' },
      schema: {
        tags: ['accounts'],
        summary: 'Soft-delete an account: Detach (default) its transactions, Move them to moveTargetAccountId, or DeleteAll of them.',
        params: S.IdParams,
        querystring: Type.Object({
          action: Type.Optional(Type.Union([Type.Literal('Detach'), Type.Literal('Move'), Type.Literal('DeleteAll')])),
          moveTargetAccountId: Type.Optional(S.Id),
        }),
        response: { 204: Type.Null(), ...S.errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const user = ledgyUser(request);
      const action = request.query.action ?? 'Detach';
      const target = request.query.moveTargetAccountId ? uuidOf('account', request.query.moveTargetAccountId, 'moveTargetAccountId') : null;
      await deleteAccount(deps, user, uuidOf('account', request.params.id), action, target);
      return reply.code(204).send();
    },
  );
}
