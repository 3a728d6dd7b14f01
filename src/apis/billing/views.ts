import { parseId, uuidToUlid } from '../../platform/ids.ts';
import { formatDisplay, moneyView } from '../../billing/money-view.ts';
import type { Plan } from '../../billing/plan-store.ts';
import { planWireFields } from '../../billing/plans.ts';
import type { Customer } from '../../billing/customer-store.ts';
import type { SubscriptionRecord } from '../../billing/subscription-store.ts';
import type { Page } from '../../billing/scope.ts';

/** The reference's id prefixes. */
export const PREFIX = { plan: 'plan', customer: 'cst', subscription: 'sub', invoice: 'inv' } as const;

/** `plan_01hqx3…`: the prefix and the ULID in lower case, as the reference writes its ids. */
export const idOf = (prefix: string, uuid: string) => `${prefix}_${uuidToUlid(uuid).toLowerCase()}`;
/** The uuid behind a client's id, or null when the text is no id of that kind (then nothing has it: 404). */
export const uuidOf = (prefix: string, text: string | undefined) => (text === undefined ? null : parseId(prefix, text));

const time = (d: Date | null) => (d === null ? null : d.toISOString());

export const pageView = <T, V>(page: Page<T>, view: (item: T) => V) => ({
  data: page.items.map(view),
  pagination: { total: page.total, limit: page.limit, offset: page.offset, has_more: page.hasMore },
});

export function planView(p: Plan) {
  const { metadata, ...fields } = planWireFields(p, moneyView);
  return {
    id: idOf(PREFIX.plan, p.id),
    ...fields,
    app_id: p.orgId,
    metadata,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** `balance`: what finalised, unpaid invoices ask less credit available; negative means credit (the reference's sign). */
export function customerView(c: Customer) {
  return {
    id: idOf(PREFIX.customer, c.id),
    tenant_id: c.tenantId,
    app_id: c.orgId,
    name: c.name,
    email: c.email,
    currency: c.currency,
    balance: { amount: c.owed - c.creditBalance, currency: c.currency, display: formatDisplay(c.owed - c.creditBalance, c.currency) },
    billing_address: c.billingAddress,
    tax_ids: c.taxIds,
    metadata: c.metadata,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

export function subscriptionView(s: SubscriptionRecord) {
  return {
    id: idOf(PREFIX.subscription, s.id),
    tenant_id: s.tenantId,
    plan_id: idOf(PREFIX.plan, s.planId),
    status: s.status,
    current_period_start: s.currentPeriodStart.toISOString(),
    current_period_end: s.currentPeriodEnd.toISOString(),
    billing_anchor_day: s.billingAnchorDay,
    seats: s.seats,
    trial_start: time(s.trialStart),
    trial_end: time(s.trialEnd),
    cancel_at: time(s.cancelAt),
    canceled_at: time(s.canceledAt),
    ended_at: time(s.endedAt),
    paused_at: time(s.pausedAt),
    resume_at: time(s.resumeAt),
    app_id: s.orgId,
    metadata: s.metadata,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

export { invoiceWire as invoiceView } from '../../billing/invoice-wire.ts';
