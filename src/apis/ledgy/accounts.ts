import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { parseAsset } from '../../platform/money.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, replaceAccount, type AccountInput } from '../../ledgy/accounts.ts';
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
  currentBalance: S.ExactNumber({ description: 'Read-only: the ledger balance of the account, opening balance included.' }),
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

type AccountBodyT = Static<typeof AccountBody>;

function toInput(body: AccountBodyT, exact: any): AccountInput {
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

export function accountRoutes(api: SurfaceApp, deps: LedgyDeps) {
  const tags = ['accounts'];

  api.get(
    '/v1/accounts',
    { config: { scope: 'accounts:read' }, schema: { operationId: 'listAccounts', summary: 'Every account you own, with its current balance.', tags, response: { 200: S.ListOf(Account), ...S.errors(401, 403) } } },
    async (request) => {
      const accounts = await listAccounts(deps, ledgyUser(request));
      return { items: accounts.map(accountView), totalCount: accounts.length };
    },
  );

  api.get(
    '/v1/accounts/:id',
    { config: { scope: 'accounts:read' }, schema: { operationId: 'getAccount', summary: 'One account.', tags, params: S.IdParams, response: { 200: Account, ...S.errors(401, 403, 404) } } },
    async (request) => accountView(await getAccount(deps, ledgyUser(request), uuidOf('account', request.params.id))),
  );

  api.post(
    '/v1/accounts',
    { config: { scope: 'accounts:write' }, schema: { operationId: 'createAccount', summary: 'Create an account; its initial balance is posted as an opening entry.', tags, body: AccountBody, response: { 201: Account, ...S.errors(400, 401, 403) } } },
    write(async (tx, request, reply) => {
      const account = await createAccount(deps, tx, ledgyUser(request), toInput(request.body, exactBody(request)));
      reply.code(201).header('location', `/api/v1/accounts/${id('account', account.id)}`);
      return accountView(account);
    }),
  );

  api.put(
    '/v1/accounts/:id',
    {
      config: { scope: 'accounts:write' },
      schema: { operationId: 'replaceAccount', summary: 'Replace an account; every field is required.', tags, params: S.IdParams, body: AccountBody, response: { 200: Account, ...S.errors(400, 401, 403, 404, 409) } },
    },
    write(async (tx, request) => {
      const user = ledgyUser(request);
      return accountView(await replaceAccount(deps, tx, user, uuidOf('account', request.params.id), toInput(request.body, exactBody(request))));
    }),
  );

  api.delete(
    '/v1/accounts/:id',
    {
      config: { scope: 'accounts:write' },
      schema: {
        operationId: 'deleteAccount',
        summary: 'Soft-delete an account: Detach (default) its transactions, Move them to moveTargetAccountId, or DeleteAll of them.',
        tags,
        params: S.IdParams,
        querystring: Type.Object({
          action: Type.Optional(Type.Union([Type.Literal('Detach'), Type.Literal('Move'), Type.Literal('DeleteAll')])),
          moveTargetAccountId: Type.Optional(S.Id),
        }),
        response: { 204: Type.Null(), ...S.errors(400, 401, 403, 404) },
      },
    },
    write(async (tx, request, reply) => {
      const user = ledgyUser(request);
      const action = request.query.action ?? 'Detach';
      const target = request.query.moveTargetAccountId ? uuidOf('account', request.query.moveTargetAccountId, 'moveTargetAccountId') : null;
      await deleteAccount(deps, tx, user, uuidOf('account', request.params.id), action, target);
      reply.code(204);
    }),
  );
}
