import { Type, type Static } from 'typebox';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { invalid } from '../../platform/errors.ts';
import { parseAsset } from '../../platform/money.ts';
import { createBudget, deleteBudget, getBudget, listBudgets, replaceBudget, type BudgetInput, type BudgetPeriod } from '../../ledgy/budgets.ts';
import type { LedgyDeps } from '../../ledgy/deps.ts';
import { moneyUnits } from './json.ts';
import { resourceRoutes } from './resource.ts';
import * as S from './schemas.ts';
import { parseDate } from './transactions.ts';
import { budgetView, categoryIdIn, uuidOf } from './views.ts';
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
  resourceRoutes(api, deps, {
    path: '/v1/budgets', kind: 'budget', scope: 'budgets', reader: deps, item: Budget, view: budgetView, body: BudgetBody, input: toInput,
    list: { operationId: 'listBudgets', summary: 'Your budgets and those shared with your groups.', run: listBudgets },
    get: { operationId: 'getBudget', summary: 'One budget of yours or shared with your groups, with its current period.', run: getBudget },
    create: { operationId: 'createBudget', summary: 'Create a budget: a spending limit per recurring period.', errors: [400, 401, 403, 404], run: createBudget },
    replace: { operationId: 'replaceBudget', summary: 'Replace a budget; body as for create.', run: replaceBudget },
    delete: { operationId: 'deleteBudget', summary: 'Soft-delete a budget (its creator only).', run: deleteBudget },
  });
}
