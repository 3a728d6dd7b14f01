import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { getInvoice, listInvoices } from '../../billing/invoice-store.ts';
import { finalizeInvoice, generateInvoice, payInvoice, voidInvoice, type InvoiceKey } from '../../billing/invoicing.ts';
import type { InvoiceStatus } from '../../billing/invoice-states.ts';
import { renderInvoicePdf } from '../../billing/invoice-pdf.ts';
import { getCustomer } from '../../billing/customer-store.ts';
import { caughtUpSubscription } from '../../billing/subscription-store.ts';
import { pageRequest } from '../../billing/scope.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import { getOrg } from '../../platform/orgs.ts';
import * as S from './schemas.ts';
import * as I from './invoice-schemas.ts';
import { scopeOf, tenantOf } from './context.ts';
import { PREFIX, invoiceView, pageView, uuidOf } from './views.ts';

const tags = ['invoices'];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'An invoice id (inv_…) or number (INV-2025-0042).' }) });

/** `inv_…` is an id, `INV-…` a number (the notes: told apart by shape). */
export function invoiceKey(text: string): InvoiceKey {
  return /^INV-\d{4}-\d{4,}$/.test(text) ? { number: text } : { id: uuidOf(PREFIX.invoice, text) };
}

/** A time the client sent, or 400 naming the field. */
function timeOf(text: string | undefined, param: string): Date | null {
  if (text === undefined || text === '') return null;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw billingError('invalid_input', `${param} must be an ISO 8601 time`, param);
  return at;
}

/** Invoices: generated from a subscription's period (and by the clock at each period end), finalised, voided, paid, as PDF. */
export function invoiceRoutes(api: SurfaceApp, { db, clock, ledger }: Core) {
  api.post(
    '/invoices',
    {
      config: { scope: 'billing:write' },
      schema: {
        operationId: 'createInvoice',
        summary: "Generate a draft invoice of a subscription's current period (usage so far, base fee, seats, pending prorations, discounts, tax).",
        tags,
        body: I.NewInvoice,
        response: { 201: I.Invoice, ...S.errorResponses(400, 401, 403, 404, 409) },
      },
    },
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      if (!request.body.subscription_id) throw billingError('invalid_input', 'subscription_id is required', 'subscription_id');
      const now = await worldNow(tx, scope, clock);
      const { subscription, plan } = await caughtUpSubscription(tx, scope, uuidOf(PREFIX.subscription, request.body.subscription_id), tenantOf(request), now);
      const invoice = await generateInvoice(tx, scope, subscription, plan, { start: subscription.currentPeriodStart, end: subscription.currentPeriodEnd }, now);
      reply.code(201);
      return invoiceView(invoice);
    }),
  );

  const listQuery = Type.Object({
    status: Type.Optional(I.InvoiceStatus),
    start: Type.Optional(Type.String({ maxLength: 40, description: 'Invoices whose period starts at or after (ISO 8601).' })),
    end: Type.Optional(Type.String({ maxLength: 40, description: 'Invoices whose period ends at or before (ISO 8601).' })),
    ...S.PageQuery,
  });
  api.get(
    '/invoices',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'listInvoices', summary: "List invoices, newest first: the tenant in context's, else the app's.", tags, querystring: listQuery, response: { 200: S.PageOf(I.Invoice), ...S.errorResponses(400, 401, 403) } },
    },
    async (request) => {
      const q = request.query;
      const filter = { tenantId: tenantOf(request), status: q.status as InvoiceStatus | undefined, start: timeOf(q.start, 'start'), end: timeOf(q.end, 'end') };
      return pageView(await listInvoices(db, scopeOf(request), filter, pageRequest(q.limit, q.offset)), invoiceView);
    },
  );

  api.get(
    '/invoices/:id',
    {
      config: { scope: 'billing:read' },
      schema: { operationId: 'getInvoice', summary: 'Get an invoice by id (inv_…) or by number (INV-2025-0042).', tags, params: IdParams, response: { 200: I.Invoice, ...S.errorResponses(401, 403, 404) } },
    },
    async (request) => invoiceView(await getInvoice(db, scopeOf(request), invoiceKey(request.params.id), tenantOf(request))),
  );

  const action = (operationId: string, summary: string, body: typeof I.VoidBody | typeof I.PayBody | null) => ({
    config: { scope: 'billing:write' },
    preValidation: async (request: { body: unknown }) => {
      request.body ??= {};
    },
    schema: { operationId, summary, tags, params: IdParams, ...(body ? { body } : {}), response: { 200: I.Invoice, ...S.errorResponses(400, 401, 403, 404) } },
  });

  api.post(
    '/invoices/:id/finalize',
    action('finalizeInvoice', 'Finalize a draft: numbered, customer credit applied, due in 30 days, posted to the ledger; status pending (paid when nothing is left to pay).', null),
    write(async (tx, request) => {
      const scope = scopeOf(request);
      return invoiceView(await finalizeInvoice(tx, scope, invoiceKey(request.params.id), tenantOf(request), await worldNow(tx, scope, clock), ledger));
    }),
  );

  api.post(
    '/invoices/:id/void',
    action('voidInvoice', "Void an invoice that is not paid; a finalised one's ledger entry is reversed and its credit given back.", I.VoidBody),
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const reason = (request.body as { reason?: string }).reason?.trim() || null;
      return invoiceView(await voidInvoice(tx, scope, invoiceKey(request.params.id), tenantOf(request), reason, await worldNow(tx, scope, clock), ledger));
    }),
  );

  api.post(
    '/invoices/:id/pay',
    action('payInvoice', 'Record a payment made outside Kontor (a bank transfer, a cheque): the invoice is paid, cash:manual receives the amount due.', I.PayBody),
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const body = request.body as { payment_ref?: string; paid_at?: string };
      const payment = { provider: 'manual', paymentRef: body.payment_ref?.trim() || null, paidAt: timeOf(body.paid_at, 'paid_at') };
      return invoiceView(await payInvoice(tx, scope, invoiceKey(request.params.id), tenantOf(request), payment, await worldNow(tx, scope, clock), ledger));
    }),
  );

  api.get(
    '/invoices/:id/pdf',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'getInvoicePdf',
        summary: 'Download the invoice as a PDF document.',
        tags,
        params: IdParams,
        response: { 200: { description: 'The invoice as a PDF document.', content: { 'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) } } }, ...S.errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const invoice = await getInvoice(db, scope, invoiceKey(request.params.id), tenantOf(request));
      const customer = invoice.customerId === null ? null : await getCustomer(db, scope, invoice.customerId, null).catch(() => null);
      const pdf = await renderInvoicePdf({ invoice, customer, appName: (await getOrg(db, scope.orgId))?.name ?? 'Kontor' });
      const name = invoice.number ?? `draft-${invoiceView(invoice).id}`;
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${name}.pdf"`).send(pdf);
    },
  );

  api.get(
    '/customers/:id/invoices',
    {
      config: { scope: 'billing:read' },
      schema: {
        operationId: 'listCustomerInvoices',
        summary: "List a customer's invoices, newest first.",
        tags: ['customers'],
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) }),
        querystring: Type.Object({ status: Type.Optional(I.InvoiceStatus), ...S.PageQuery }),
        response: { 200: S.PageOf(I.Invoice), ...S.errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, uuidOf(PREFIX.customer, request.params.id), tenantOf(request));
      const filter = { tenantId: customer.tenantId, status: request.query.status as InvoiceStatus | undefined };
      return pageView(await listInvoices(db, scope, filter, pageRequest(request.query.limit, request.query.offset)), invoiceView);
    },
  );
}
