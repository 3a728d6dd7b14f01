import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { billingCodeOf } from '../../billing/errors.ts';
import { getCustomer } from '../../billing/customer-store.ts';
import type { EntitlementCache } from '../../billing/entitlement-cache.ts';
import { listInvoices } from '../../billing/invoice-store.ts';
import { listUsageEvents } from '../../billing/meter-store.ts';
import type { Page, PageRequest } from '../../billing/scope.ts';
import { tenantSubscriptions } from '../../billing/subscription-store.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import * as I from './invoice-schemas.ts';
import { billingOperations, scopeOf, tenantOf } from './context.ts';
import { Check, checkView } from './entitlements.ts';
import { UsageEvent, eventView } from './meter.ts';
import { Payment } from './payments.ts';
import { listPayments } from '../../billing/payment-store.ts';
import { paymentWire } from '../../billing/payment-wire.ts';
import { PREFIX, customerView, invoiceView, subscriptionView, uuidOf } from './views.ts';

const { reads } = billingOperations('customers');
/** Rows read a query at a time while collecting everything of a customer. */
const CHUNK = 1000;

const CustomerExport = Type.Object({
  customer: S.Customer,
  subscriptions: Type.Array(S.Subscription),
  invoices: Type.Array(I.Invoice),
  payments: Type.Array(Payment),
  usage_events: Type.Array(UsageEvent),
  entitlement_checks: Type.Array(Check, {
    description: "Kontor keeps no log of entitlement checks (they are answered from memory): these are the answers a check of each of the plan's features gives at exported_at; empty without a live subscription.",
  }),
  exported_at: Type.String({ format: 'date-time' }),
});

/** Every row of a paged read, `CHUNK` at a time, in its order. */
async function everything<T>(read: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += CHUNK) {
    const page = await read({ limit: CHUNK, offset });
    all.push(...page.items);
    if (!page.hasMore) return all;
  }
}

/**
 * `GET /ledger/customers/{id}/export` (GDPR): everything Kontor holds about one customer of
 * the key's app and mode, the reference's keys and nothing of any other customer.
 */
export function customerExportRoutes(api: SurfaceApp, { db, clock }: Core, cache: EntitlementCache) {
  api.get(
    '/customers/:id/export',
    reads({
      operationId: 'exportCustomer',
      summary: 'Export all data of a customer (GDPR): profile, subscriptions, invoices, payments, usage events and entitlement checks.',
      params: Type.Object({ id: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) }),
      response: { 200: CustomerExport, ...S.errorResponses(401, 403, 404) },
    }),
    async (request) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, uuidOf(PREFIX.customer, request.params.id), tenantOf(request));
      const exportedAt = await worldNow(db, scope, clock);
      const tenantId = customer.tenantId;
      const [subscriptions, invoices, payments, usageEvents, entitlements] = await Promise.all([
        tenantSubscriptions(db, scope, tenantId),
        everything((page) => listInvoices(db, scope, { tenantId, customerId: customer.id }, page)),
        everything((page) => listPayments(db, scope, { tenantId, customerId: customer.id }, page)),
        everything((page) => listUsageEvents(db, scope, tenantId, { featureKey: null, start: null, end: null }, page)),
        cache.all(scope, tenantId).then(
          (found) => found.entitlements,
          (error) => {
            if (billingCodeOf(error) === 'no_active_subscription') return [];
            throw error;
          },
        ),
      ]);
      return {
        customer: customerView(customer),
        subscriptions: subscriptions.map(subscriptionView),
        invoices: invoices.map(invoiceView),
        payments: payments.map(paymentWire),
        usage_events: usageEvents.map(eventView),
        entitlement_checks: entitlements.map(checkView),
        exported_at: exportedAt.toISOString(),
      };
    },
  );
}

