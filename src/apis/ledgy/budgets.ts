import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { invalid } from '../../platform/errors.ts';
import { parseAsset } from '../../platform/money.ts';
import { createBudget, deleteBudget, getBudget, listBudgets, replaceBudget, type BudgetInput, type BudgetPeriod } from '../../ledgy/budgets.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { ledgyUser } from './context.ts';
import { exactBody, moneyUnits } from './json.ts';
import * as S from './schemas.ts';
import { parseDate } from './transactions.ts';
import { budgetView, categoryIdIn, id, uuidOf } from './views.ts';
import { NAME } from '../../platform/http/validation.ts';

const Budget = Type.Object({
  id: Type.String(),
  name: S.Nullable(Type.String()),
  amount: S.Money,
  currencyCode: Type.String(),
  period: Type.Integer({ description: '0 Weekly · 1 Monthly · 2 Quarterly · 3 Yearly' }),
  startDate: S.Timestamp,
  endDate: S.Nullable(S.Timestamp),
  isActive: Type.Boolean(),
  categoryId: S.Nullable(Type.String()),
  groupId: S.Nullable(Type.String()),
  spent: S.ExactNumber({ description: 'Read-only: expense transactions in currencyCode within the current period.' }),
  remaining: S.ExactNumber({ description: 'Read-only: amount − spent; negative when overspent.' }),
  periodStart: { ...S.Timestamp, description: 'Read-only: the start of the current period.' },
  periodEnd: { ...S.Timestamp, description: 'Read-only: the end of the current period (exclusive).' },
  createdAt: S.Timestamp,
  updatedAt: S.Timestamp,
});

const BudgetBody = Type.Object({
  amount: S.Money,
  currencyCode: S.Currency,
  period: Type.Integer({ minimum: 0, maximum: 3, description: '0 Weekly · 1 Monthly · 2 Quarterly · 3 Yearly' }),
  startDate: S.DateTime,
  isActive: Type.Boolean(),
  endDate: Type.Optional(S.Nullable(S.DateTime)),
  name: Type.Optional(S.Nullable(Type.String({ ...NAME, maxLength: 200 }))),
  categoryId: Type.Optional(S.Nullable(S.Id)),
  groupId: Type.Optional(S.Nullable(S.Id)),
});

function toInput(body: Static<typeof BudgetBody>, exact: any): BudgetInput {
  const amount = moneyUnits(exact.amount, 'amount');
  if (amount <= 0n) throw invalid('amount', 'amount must be greater than 0');
  return {
    amount,
    currencyCode: parseAsset(body.currencyCode, 'currencyCode').currency,
    period: body.period as BudgetPeriod,
    startDate: parseDate(body.startDate, 'startDate'),
    isActive: body.isActive,
    endDate: body.endDate ? parseDate(body.endDate, 'endDate') : null,
    name: body.name ?? null,
    categoryId: body.categoryId ? categoryIdIn(body.categoryId) : null,
    groupId: body.groupId ? uuidOf('group', body.groupId, 'groupId') : null,
  };
}

/**
 * Budgets, with read-only spent / remaining / periodStart / periodEnd for the current period
 * (rules in src/ledgy/budgets.ts). A budget shared with a group is visible to its members;
 * only its creator changes it (403 for a member, 404 for anyone else).
 */
export function budgetRoutes(api: SurfaceApp, deps: LedgyDeps) {
  const read = { scope: 'budgets:read' };
  const writes = { scope: 'budgets:write' };
  const tags = ['budgets'];

  api.get('/v1/budgets', { config: read, schema: { operationId: 'listBudgets', tags, summary: 'Your budgets and those shared with your groups.', response: { 200: S.ListOf(Budget), ...S.errors(401, 403) } } }, async (request) => {
    const budgets = await listBudgets(deps, ledgyUser(request));
    return { items: budgets.map(budgetView), totalCount: budgets.length };
  });

  api.get(
    '/v1/budgets/:id',
    { config: read, schema: { operationId: 'getBudget', summary: 'One budget of yours or shared with your groups, with its current period.', tags, params: S.IdParams, response: { 200: Budget, ...S.errors(401, 403, 404) } } },
    async (request) => budgetView(await getBudget(deps, ledgyUser(request), uuidOf('budget', request.params.id))),
  );

  api.post(
    '/v1/budgets',
    { config: writes, schema: { operationId: 'createBudget', summary: 'Create a budget: a spending limit per recurring period.', tags, body: BudgetBody, response: { 201: Budget, ...S.errors(400, 401, 403, 404) } } },
    write(async (tx, request, reply) => {
      const budget = await createBudget(deps, tx, ledgyUser(request), toInput(request.body, exactBody(request)));
      reply.code(201).header('location', `/api/v1/budgets/${id('budget', budget.id)}`);
      return budgetView(budget);
    }),
  );

  api.put(
    '/v1/budgets/:id',
    {
      config: writes,
      schema: { operationId: 'replaceBudget', tags, summary: 'Replace a budget; body as for create.', params: S.IdParams, body: BudgetBody, response: { 200: Budget, ...S.errors(400, 401, 403, 404) } },
    },
    write(async (tx, request) => budgetView(await replaceBudget(deps, tx, ledgyUser(request), uuidOf('budget', request.params.id), toInput(request.body, exactBody(request))))),
  );

  api.delete(
    '/v1/budgets/:id',
    { config: writes, schema: { operationId: 'deleteBudget', summary: 'Soft-delete a budget (its creator only).', tags, params: S.IdParams, response: { 204: Type.Null(), ...S.errors(401, 403, 404) } } },
    write(async (tx, request, reply) => {
      await deleteBudget(deps, tx, ledgyUser(request), uuidOf('budget', request.params.id));
      reply.code(204);
    }),
  );
}
