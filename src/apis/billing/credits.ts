import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { grantCredit } from '../../billing/credits.ts';
import { getTaxSettings, putTaxSettings } from '../../billing/tax-store.ts';
import { rateText, type TaxSettings } from '../../billing/tax.ts';
import { moneyView } from '../../billing/money-view.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import * as I from './invoice-schemas.ts';
import { scopeOf, tenantOf } from './context.ts';
import { PREFIX, idOf, uuidOf } from './views.ts';

const taxView = (t: TaxSettings & { updatedAt: Date | null }) => ({
  default_rate: rateText(t.defaultPpm),
  rates: t.rates.map((r) => ({ country: r.country, rate: rateText(r.ppm), exempt_with_tax_id: r.exemptWithTaxId })),
  updated_at: t.updatedAt?.toISOString() ?? null,
});

/** Customer credit, and the app's tax rule (decision 0019). */
export function creditRoutes(api: SurfaceApp, { db, clock, ledger }: Core) {
  api.post(
    '/customers/:id/credit',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'addCustomerCredit',
        summary: "Add credit to a customer (in its currency); its next finalised invoices take it automatically. A negative balance is credit available.",
        tags: ['customers'],
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) }),
        body: I.CreditBody,
        response: { 200: I.CreditAnswer, ...S.errorResponses(400, 401, 403, 404) },
      },
    },
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const { customer, granted } = await grantCredit(tx, scope, uuidOf(PREFIX.customer, request.params.id), tenantOf(request), request.body, await worldNow(tx, scope, clock), ledger);
      const balance = customer.owed - customer.creditBalance;
      return { customer_id: idOf(PREFIX.customer, customer.id), balance: moneyView({ amount: balance, currency: customer.currency }), credit_applied: moneyView({ amount: granted, currency: customer.currency }) };
    }),
  );

  api.get(
    '/tax-settings',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'getTaxSettings', summary: "The app's tax rule: a rate per customer country, a default rate, exemptions for valid tax ids.", tags: ['tax'], response: { 200: I.TaxSettings, ...S.errorResponses(401, 403) } },
    },
    async (request) => taxView(await getTaxSettings(db, scopeOf(request))),
  );

  api.put(
    '/tax-settings',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'putTaxSettings',
        summary: "Replace the app's tax rule; invoices made from now on follow it (drafts made before keep theirs).",
        tags: ['tax'],
        body: I.TaxSettingsBody,
        response: { 200: I.TaxSettings, ...S.errorResponses(400, 401, 403) },
      },
    },
    write(async (tx, request) => {
      const scope = scopeOf(request);
      return taxView(await putTaxSettings(tx, scope, request.body, await worldNow(tx, scope, clock)));
    }),
  );
}
