import { formatId, parseId } from '../../platform/ids.ts';
import { notFound } from '../../platform/errors.ts';
import type { ApiKey } from '../../platform/identity/api-keys.ts';
import type { LedgyUser } from '../../ledgy/users.ts';
import type { LedgyAccount } from '../../ledgy/accounts.ts';
import type { LedgyTransaction } from '../../ledgy/transactions.ts';
import type { LedgyCategory, LedgyCategoryGroup } from '../../ledgy/categories.ts';
import type { LedgyGroup } from '../../ledgy/groups.ts';
import type { GroupInvitation } from '../../ledgy/invitations.ts';
import type { BudgetWithSpend } from '../../ledgy/budgets.ts';
import { moneyNumber, rateNumber } from './json.ts';

export const PREFIX = {
  user: 'usr',
  token: 'tok',
  account: 'acc',
  category: 'cat',
  categoryGroup: 'cgr',
  budget: 'bud',
  group: 'grp',
  transaction: 'tx',
  invitation: 'ginv',
} as const;

/** Timestamps to the second with a trailing Z. */
export const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const maybeTimestamp = (d: Date | null) => (d ? timestamp(d) : null);

export const id = (kind: keyof typeof PREFIX, uuid: string) => formatId(PREFIX[kind], uuid);
export const maybeId = (kind: keyof typeof PREFIX, uuid: string | null) => (uuid ? formatId(PREFIX[kind], uuid) : null);

/** The uuid behind an id of ours; anything else is simply not found. */
export function uuidOf(kind: keyof typeof PREFIX, text: string, field?: string): string {
  const uuid = parseId(PREFIX[kind], text);
  if (!uuid) throw notFound(kind === 'categoryGroup' ? 'category group' : kind, field);
  return uuid;
}

/** Category ids are ours (`cat_<ULID>`, stored as uuid text) or a system category's (`cat_food_drinks`). */
export function categoryIdIn(text: string): string {
  const uuid = parseId(PREFIX.category, text);
  return uuid ?? text;
}
export function categoryIdOut(stored: string | null): string | null {
  if (stored === null) return null;
  return /^[0-9a-f-]{36}$/.test(stored) ? formatId(PREFIX.category, stored) : stored;
}

export const userView = (u: LedgyUser) => ({
  id: id('user', u.id),
  email: u.email,
  name: u.name,
  primaryCurrency: u.primaryCurrency,
  subscription: { status: u.subscriptionStatus, trialEndsAt: maybeTimestamp(u.trialEndsAt) },
  createdAt: timestamp(u.createdAt),
});

export const tokenView = (k: ApiKey, now: Date) => ({
  id: id('token', k.id),
  name: k.name,
  scopes: k.scopes,
  permissionCount: k.scopes.length,
  lastUsedAt: maybeTimestamp(k.lastUsedAt),
  expiresAt: maybeTimestamp(k.expiresAt),
  expiresSoon: k.expiresAt !== null && k.expiresAt.getTime() - now.getTime() <= 30 * 86_400_000,
  createdAt: timestamp(k.createdAt),
});

export const accountView = (a: LedgyAccount) => ({
  id: id('account', a.id),
  name: a.name,
  currencyCode: a.currencyCode,
  initialBalance: moneyNumber(a.initialBalance),
  currentBalance: moneyNumber(a.currentBalance),
  icon: a.icon,
  color: a.color,
  iconColor: a.iconColor,
  order: a.order,
  shareInviteToken: a.shareInviteToken,
  createdAt: timestamp(a.createdAt),
  updatedAt: timestamp(a.updatedAt),
});

export const transactionView = (t: LedgyTransaction) => ({
  id: id('transaction', t.id),
  type: t.type,
  amount: moneyNumber(t.amount),
  currencyCode: t.currencyCode,
  exchangeRate: rateNumber(t.exchangeRate),
  convertedAmount: t.convertedAmount === null ? null : moneyNumber(t.convertedAmount),
  date: timestamp(t.date),
  accountId: maybeId('account', t.accountId),
  toAccountId: maybeId('account', t.toAccountId),
  categoryId: categoryIdOut(t.categoryId),
  groupId: maybeId('group', t.groupId),
  payee: t.payee,
  note: t.note,
  receiptImagePath: t.receiptImagePath,
  recurringTransactionId: t.recurringTransactionId,
  source: t.source,
  createdAt: timestamp(t.createdAt),
  updatedAt: timestamp(t.updatedAt),
  deletedAt: maybeTimestamp(t.deletedAt),
});

export const categoryView = (c: LedgyCategory) => ({
  id: id('category', c.id),
  name: c.name,
  type: c.type,
  order: c.order,
  isPinned: c.isPinned,
  categoryGroupId: maybeId('categoryGroup', c.categoryGroupId),
  icon: c.icon,
  color: c.color,
  createdAt: timestamp(c.createdAt),
  updatedAt: timestamp(c.updatedAt),
});

export const categoryGroupView = (g: LedgyCategoryGroup) => ({
  id: id('categoryGroup', g.id),
  name: g.name,
  order: g.order,
  icon: g.icon,
  color: g.color,
  createdAt: timestamp(g.createdAt),
  updatedAt: timestamp(g.updatedAt),
});

export const groupView = (g: LedgyGroup) => ({
  id: id('group', g.id),
  name: g.name,
  description: g.description,
  icon: g.icon,
  color: g.color,
  ownerId: id('user', g.ownerId),
  members: g.members.map((m) => ({ userId: id('user', m.userId), email: m.email, name: m.name, role: m.role, addedAt: timestamp(m.addedAt) })),
  createdAt: timestamp(g.createdAt),
  updatedAt: timestamp(g.updatedAt),
});

export const budgetView = (b: BudgetWithSpend) => ({
  id: id('budget', b.id),
  name: b.name,
  amount: moneyNumber(b.amount),
  currencyCode: b.currencyCode,
  period: b.period,
  startDate: timestamp(b.startDate),
  endDate: maybeTimestamp(b.endDate),
  isActive: b.isActive,
  categoryId: categoryIdOut(b.categoryId),
  groupId: maybeId('group', b.groupId),
  spent: moneyNumber(b.spent),
  remaining: moneyNumber(b.remaining),
  periodStart: timestamp(b.periodStart),
  periodEnd: timestamp(b.periodEnd),
  createdAt: timestamp(b.createdAt),
  updatedAt: timestamp(b.updatedAt),
});

export const invitationView = (i: GroupInvitation) => ({
  id: id('invitation', i.id),
  groupId: id('group', i.groupId),
  groupName: i.groupName,
  invitedBy: { userId: id('user', i.invitedBy.userId), email: i.invitedBy.email, name: i.invitedBy.name },
  createdAt: timestamp(i.createdAt),
});
