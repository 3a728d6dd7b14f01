import { parseId } from '../../platform/ids.ts';
import { subscriptionWire, wireId } from '../../billing/wire.ts';
import { formatDisplay, moneyView } from '../../billing/money-view.ts';
import type { Plan } from '../../billing/plan-store.ts';
import { planWireFields } from '../../billing/plans.ts';
import type { Customer } from '../../billing/customer-store.ts';
import type { Page } from '../../billing/scope.ts';

/** The reference's id prefixes. */
export const PREFIX = { plan: 'plan', customer: 'cst', subscription: 'sub', invoice: 'inv' } as const;

/** `plan_01hqx3…`: the prefix and the ULID in lower case, as the reference writes its ids. */
export const idOf = wireId;
/** The uuid behind a client's id, or null when the text is no id of that kind (then nothing has it: 404). */
export const uuidOf = (prefix: string, text: string | undefined) => (text === undefined ? null : parseId(prefix, text));

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

/**
 * The reference's six address fields, each present: a line the customer never gave is null
 * (the PUT example sends no line2, and a client reads `billing_address.line2` all the same).
 */
const addressView = (a: Customer['billingAddress']) =>
  a === null
    ? null
    : { line1: a.line1 ?? null, line2: a.line2 ?? null, city: a.city ?? null, state: a.state ?? null, postal_code: a.postal_code ?? null, country: a.country ?? null };

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
    billing_address: addressView(c.billingAddress),
    tax_ids: c.taxIds,
    metadata: c.metadata,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/** The subscription's wire shape is billing's own (src/billing/wire.ts): its events carry the same object. */
export const subscriptionView = subscriptionWire;

export { invoiceWire as invoiceView } from '../../billing/invoice-wire.ts';
