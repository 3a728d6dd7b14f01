import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { parseAsset } from '../../platform/money.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, replaceAccount, type AccountInput } from '../../ledgy/accounts.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyUser } from './context.ts';
import { moneyUnits } from './json.ts';
import { ledgyOperations, resourceRoutes } from './resource.ts';
import * as S from './schemas.ts';
import { accountView, uuidOf } from './views.ts';
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
  resourceRoutes(api, deps, {
    path: '/v1/accounts', kind: 'account', scope: 'accounts', reader: deps, item: Account, view: accountView, body: AccountBody, input: toInput,
    list: { operationId: 'listAccounts', summary: 'Every account you own, with its current balance.', run: listAccounts },
    get: { operationId: 'getAccount', summary: 'One account.', run: getAccount },
    create: { operationId: 'createAccount', summary: 'Create an account; its initial balance is posted as an opening entry.', run: createAccount },
    replace: { operationId: 'replaceAccount', summary: 'Replace an account; every field is required.', errors: [400, 401, 403, 404, 409], run: replaceAccount },
  });

  api.delete(
    '/v1/accounts/:id',
    ledgyOperations('accounts').writes({
      operationId: 'deleteAccount',
      summary: 'Soft-delete an account: Detach (default) its transactions, Move them to moveTargetAccountId, or DeleteAll of them.',
      params: S.IdParams,
      querystring: Type.Object({
        action: Type.Optional(Type.Union([Type.Literal('Detach'), Type.Literal('Move'), Type.Literal('DeleteAll')])),
        moveTargetAccountId: Type.Optional(S.Id),
      }),
      response: { 204: Type.Null(), ...S.errors(400, 401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      const user = ledgyUser(request);
      const action = request.query.action ?? 'Detach';
      const target = request.query.moveTargetAccountId ? uuidOf('account', request.query.moveTargetAccountId, 'moveTargetAccountId') : null;
      await deleteAccount(deps, tx, user, uuidOf('account', request.params.id), action, target);
      reply.code(204);
    }),
  );
}
