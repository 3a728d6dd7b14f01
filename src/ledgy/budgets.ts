import type { Queryable } from '../platform/db.ts';
import { DomainError, invalid, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { utcMs } from '../platform/dates.ts';
import type { LedgyDeps } from './deps.ts';
import type { LedgyUser } from './users.ts';
import { checkReferences } from './transactions.ts';

/**
 * Budgets: a spending limit per recurring period.
 *
 * Who sees what: a personal budget is its creator's alone (anyone else: 404). A budget with a
 * groupId is shared with that group: every member sees it (list and get), only its creator
 * changes it (a member who tries: 403), as with transactions. groupId must be a live group the
 * creator belongs to, categoryId a system category or one of the creator's live categories
 * (else 404).
 *
 * `spent` and `remaining` (read-only) are for the current period:
 *   - startDate and endDate are dates: only their UTC date portion is significant (as for
 *     transaction dates), so periods run from midnight UTC to midnight UTC.
 *   - Period k runs [start + k·step, start + (k+1)·step) with step a week, a month, three
 *     months or a year (0 Weekly, 1 Monthly, 2 Quarterly, 3 Yearly). Months are added to the
 *     start date, clamped to the month's last day (a budget starting Jan 31 has periods
 *     starting Feb 28/29, Mar 31, Apr 30, …).
 *   - The current period is the one containing now (the server clock). Before startDate it is
 *     the first period. endDate, when set, is the last tracked day (inclusive): a period is cut
 *     short at the end of that day, and after it the current period stays the last one.
 *   - spent = the sum of live `expense` transactions in the budget's currencyCode (other
 *     currencies are not converted) dated within [periodStart, periodEnd); only those carrying
 *     categoryId when it is set; those shared with groupId when it is set (whoever created
 *     them), else the creator's own transactions (shared or not). Income, transfers and
 *     adjustments never count.
 *   - remaining = amount − spent, negative once the budget is overspent.
 * isActive does not change the figures; it is the client's flag for whether to enforce them.
 */
export type BudgetPeriod = 0 | 1 | 2 | 3;

export interface LedgyBudget {
  id: string;
  userId: string;
  name: string | null;
  amount: bigint;
  currencyCode: string;
  period: BudgetPeriod;
  startDate: Date;
  endDate: Date | null;
  isActive: boolean;
  /** As stored: a user category's uuid text or a system category id (`cat_…`). */
  categoryId: string | null;
  groupId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BudgetWithSpend extends LedgyBudget {
  periodStart: Date;
  periodEnd: Date;
  spent: bigint;
  remaining: bigint;
}

export interface BudgetInput {
  amount: bigint;
  currencyCode: string;
  period: BudgetPeriod;
  startDate: Date;
  isActive: boolean;
  endDate?: Date | null;
  name?: string | null;
  categoryId?: string | null;
  groupId?: string | null;
}

const DAY = 86_400_000;

const toBudget = (r: any): LedgyBudget => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  amount: r.amount,
  currencyCode: r.currency_code,
  period: r.period,
  startDate: r.start_date,
  endDate: r.end_date,
  isActive: r.is_active,
  categoryId: r.category_id,
  groupId: r.group_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

// utcMs, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
const midnight = (d: Date) => utcMs(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

function addMonths(start: number, months: number): number {
  const d = new Date(start);
  const target = new Date(utcMs(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const last = new Date(utcMs(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return utcMs(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), last));
}

/** The start of period k of a budget whose first period starts at `start` (midnight UTC, ms). */
function periodAt(start: number, period: BudgetPeriod, k: number): number {
  if (period === 0) return start + k * 7 * DAY;
  return addMonths(start, k * (period === 1 ? 1 : period === 2 ? 3 : 12));
}

/** The current period of a budget at `now`: see the rules above. */
export function currentPeriod(budget: Pick<LedgyBudget, 'period' | 'startDate' | 'endDate'>, now: Date): { start: Date; end: Date } {
  const start = midnight(budget.startDate);
  const stop = budget.endDate ? midnight(budget.endDate) + DAY : null;
  let at = now.getTime();
  if (stop !== null && at >= stop) at = stop - 1;
  let k = 0;
  if (at >= start) {
    if (budget.period === 0) {
      k = Math.floor((at - start) / (7 * DAY));
    } else {
      const step = budget.period === 1 ? 1 : budget.period === 2 ? 3 : 12;
      const s = new Date(start);
      const a = new Date(at);
      const months = (a.getUTCFullYear() - s.getUTCFullYear()) * 12 + (a.getUTCMonth() - s.getUTCMonth());
      k = Math.max(0, Math.floor(months / step));
      while (k > 0 && periodAt(start, budget.period, k) > at) k--;
      while (periodAt(start, budget.period, k + 1) <= at) k++;
    }
  }
  const from = periodAt(start, budget.period, k);
  let to = periodAt(start, budget.period, k + 1);
  if (stop !== null && stop < to) to = Math.max(stop, from);
  return { start: new Date(from), end: new Date(to) };
}

async function withSpend(db: Queryable, orgId: string, budget: LedgyBudget, now: Date): Promise<BudgetWithSpend> {
  const { start, end } = currentPeriod(budget, now);
  const params: unknown[] = [orgId, budget.currencyCode, start, end];
  let scope: string;
  if (budget.groupId) {
    params.push(budget.groupId);
    scope = `group_id = $${params.length}`;
  } else {
    params.push(budget.userId);
    scope = `user_id = $${params.length}`;
  }
  let category = '';
  if (budget.categoryId) {
    params.push(budget.categoryId);
    category = ` AND category_id = $${params.length}`;
  }
  const [{ spent }] = await db.query<{ spent: string }>(
    `SELECT COALESCE(sum(amount), 0)::text AS spent FROM ledgy_transactions
      WHERE org_id = $1 AND ${scope} AND deleted_at IS NULL AND type = 'expense' AND currency_code = $2
        AND date >= $3 AND date < $4${category}`,
    params,
  );
  const total = BigInt(spent);
  return { ...budget, periodStart: start, periodEnd: end, spent: total, remaining: budget.amount - total };
}

const VISIBLE = `org_id = $1 AND deleted_at IS NULL
  AND (user_id = $2 OR group_id IN (SELECT group_id FROM ledgy_group_members WHERE org_id = $1 AND user_id = $2))`;

/** The user's own budgets and those shared with their groups. */
export async function listBudgets(deps: Pick<LedgyDeps, 'db' | 'clock'>, user: LedgyUser): Promise<BudgetWithSpend[]> {
  const rows = await deps.db.query(`SELECT * FROM ledgy_budgets WHERE ${VISIBLE} ORDER BY created_at, id`, [user.orgId, user.id]);
  const now = deps.clock.now();
  const out: BudgetWithSpend[] = [];
  for (const row of rows) out.push(await withSpend(deps.db, user.orgId, toBudget(row), now));
  return out;
}

async function visibleBudget(db: Queryable, user: LedgyUser, id: string, lock = false): Promise<LedgyBudget> {
  const [row] = await db.query(`SELECT * FROM ledgy_budgets WHERE ${VISIBLE} AND id = $3${lock ? ' FOR UPDATE' : ''}`, [user.orgId, user.id, id]);
  if (!row) throw notFound('budget');
  return toBudget(row);
}

export async function getBudget(deps: Pick<LedgyDeps, 'db' | 'clock'>, user: LedgyUser, id: string): Promise<BudgetWithSpend> {
  return withSpend(deps.db, user.orgId, await visibleBudget(deps.db, user, id), deps.clock.now());
}

/** The budget, locked, when the user created it: 404 if they cannot see it, 403 if it is only shared with them. */
async function ownBudget(tx: Queryable, user: LedgyUser, id: string): Promise<LedgyBudget> {
  const budget = await visibleBudget(tx, user, id, true);
  if (budget.userId !== user.id) throw new DomainError('forbidden', 'only the creator of a budget can change it');
  return budget;
}

async function checkInput(tx: Queryable, user: LedgyUser, input: BudgetInput) {
  if (input.amount <= 0n) throw invalid('amount', 'amount must be greater than 0');
  if (input.endDate && midnight(input.endDate) < midnight(input.startDate)) throw invalid('endDate', 'endDate must not be before startDate');
  // Share-locked, so a concurrent delete of the category or group waits for this budget.
  await checkReferences(tx, user, input);
}

const values = (input: BudgetInput) => [
  input.name ?? null,
  input.amount.toString(),
  input.currencyCode,
  input.period,
  input.startDate,
  input.endDate ?? null,
  input.isActive,
  input.categoryId ?? null,
  input.groupId ?? null,
];

export async function createBudget(deps: LedgyDeps, tx: Queryable, user: LedgyUser, input: BudgetInput): Promise<BudgetWithSpend> {
  await checkInput(tx, user, input);
  const id = newId();
  const [row] = await tx.query(
    `INSERT INTO ledgy_budgets (org_id, id, user_id, name, amount, currency_code, period, start_date, end_date, is_active, category_id, group_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *`,
    [user.orgId, id, user.id, ...values(input), deps.clock.now()],
  );
  return withSpend(tx, user.orgId, toBudget(row), deps.clock.now());
}

/** PUT: every field replaced (an omitted optional field becomes null). */
export async function replaceBudget(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string, input: BudgetInput): Promise<BudgetWithSpend> {
  await ownBudget(tx, user, id);
  await checkInput(tx, user, input);
  const [row] = await tx.query(
    `UPDATE ledgy_budgets SET name = $3, amount = $4, currency_code = $5, period = $6, start_date = $7, end_date = $8, is_active = $9,
            category_id = $10, group_id = $11, updated_at = $12
      WHERE org_id = $1 AND id = $2 RETURNING *`,
    [user.orgId, id, ...values(input), deps.clock.now()],
  );
  return withSpend(tx, user.orgId, toBudget(row), deps.clock.now());
}

export async function deleteBudget(deps: LedgyDeps, tx: Queryable, user: LedgyUser, id: string): Promise<void> {
  await ownBudget(tx, user, id);
  const now = deps.clock.now();
  await tx.query('UPDATE ledgy_budgets SET deleted_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2', [user.orgId, id, now]);
}
