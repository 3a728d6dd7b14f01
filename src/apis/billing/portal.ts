import { Type } from 'typebox';
import { listCustomerPayments, type CustomerPayment } from '../../billing/payments.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { getOrg } from '../../platform/orgs.ts';
import { billingError } from '../../billing/errors.ts';
import { getCustomer, type Customer } from '../../billing/customer-store.ts';
import type { EntitlementCache } from '../../billing/entitlement-cache.ts';
import { getInvoice, listInvoices, type InvoiceRecord } from '../../billing/invoice-store.ts';
import { renderInvoicePdf } from '../../billing/invoice-pdf.ts';
import { listPaymentMethods } from '../../billing/payment-method-store.ts';
import { getProviderAccount } from '../../billing/providers/accounts.ts';
import { plansByIds } from '../../billing/plan-store.ts';
import type { BillingScope } from '../../billing/scope.ts';
import { cancel, getSubscription, tenantSubscriptions } from '../../billing/subscription-store.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { scopeOf, tenantOf } from './context.ts';
import { billingSettings } from './settings.ts';
import { PREFIX, idOf, uuidOf } from './views.ts';
import { portalPage, refusalPage, type PortalPayment, type PortalRefusal } from './portal-page.ts';
import { PortalTokens, type PortalSession } from './portal-token.ts';

/** Where the portal's pages are served, outside the API's `/ledger` prefix: they are HTML for a browser, not JSON for an app. */
export const PORTAL_PREFIX = '/portal';
/** The newest invoices the page lists (all of them are in the export). */
const PAGE_INVOICES = 100;
/** Requests a minute one portal session may make: a person clicking, never a crawler. */
const SESSION_REQUESTS_PER_MINUTE = 120;

export const portalTokens = (core: Pick<Core, 'deriveKey'>) => new PortalTokens(core.deriveKey('billing:portal-session'), core.deriveKey('billing:portal-csrf'));

const PortalBody = Type.Object({
  return_url: Type.Optional(Type.String({ maxLength: 2048, description: 'Where the portal\'s "Back" link goes: an http(s) URL of your app.' })),
});
const PortalAnswer = Type.Object({
  url: Type.String({ description: 'The portal page of this customer, served by Kontor; the link itself is the credential: hand it to this customer only.' }),
  expires_at: Type.String({ format: 'date-time' }),
});

function returnUrlOf(given: string | undefined): string | null {
  if (given === undefined || given.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    throw billingError('invalid_input', 'return_url must be an absolute http(s) URL', 'return_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw billingError('invalid_input', 'return_url must be an absolute http(s) URL', 'return_url');
  return url.toString();
}

/**
 * `POST /ledger/customers/{id}/portal`: a signed link to the customer's portal, valid for
 * BILLING_PORTAL_TTL_SECONDS (default an hour; decision 0029). It changes no data, but it
 * hands out a credential: it needs `billing:write`, goes through the write runner for its
 * audit row, and with an Idempotency-Key only its success is kept, never the link.
 */
export function portalSessionRoutes(api: SurfaceApp, core: Core) {
  const { portal } = billingSettings(core.config.env);
  const tokens = portalTokens(core);
  api.post(
    '/customers/:id/portal',
    {
      config: { scope: 'billing:write', secretAnswer: true },
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
      schema: {
        operationId: 'createCustomerPortalSession',
        summary: "Create a signed, expiring link to a customer's billing portal (invoices and PDFs, payments, payment methods, cancel at period end).",
        tags: ['customers'],
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) }),
        body: PortalBody,
        response: { 200: PortalAnswer, ...S.errorResponses(400, 401, 403, 404) },
      },
    },
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const returnUrl = returnUrlOf(request.body.return_url);
      const customer = await getCustomer(tx, scope, uuidOf(PREFIX.customer, request.params.id), tenantOf(request));
      const { token, expiresAt } = await tokens.sign({ orgId: scope.orgId, mode: scope.mode, customerId: customer.id, tenantId: customer.tenantId, returnUrl }, core.clock.now(), portal.ttlSeconds);
      const origin = portal.baseUrl ?? `${request.protocol}://${request.host}`;
      return { url: `${origin}${PORTAL_PREFIX}/session/${token}`, expires_at: expiresAt.toISOString() };
    }),
  );
}

/**
 * The payments the portal lists: those made through the app's provider, and each invoice paid
 * outside Kontor (`POST /ledger/invoices/{id}/pay`, which records no payment object), newest first.
 */
function portalPayments(payments: readonly CustomerPayment[], invoices: readonly InvoiceRecord[]): PortalPayment[] {
  const byProvider = new Set(payments.filter((p) => p.status === 'succeeded' || p.status === 'refunded').map((p) => p.invoiceNumber));
  const outside = invoices.filter((i) => i.status === 'paid' && i.paidAt !== null && !byProvider.has(i.number));
  return [
    ...payments.map((p) => ({ date: p.createdAt, invoiceNumber: p.invoiceNumber, status: p.status, amount: p.amount, currency: p.currency, refundedAmount: p.refundedAmount, reference: null })),
    ...outside.map((i) => ({ date: i.paidAt!, invoiceNumber: i.number, status: 'succeeded', amount: i.amountDue, currency: i.currency, refundedAmount: 0n, reference: i.paymentRef })),
  ].sort((a, b) => b.date.getTime() - a.date.getTime());
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  // The token is in the path: no page of the portal may hand it to another site in a Referer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Thrown inside a portal route: the refusal page instead of the page asked for. */
class Refused extends Error {
  constructor(readonly kind: PortalRefusal) {
    super(kind);
  }
}

/**
 * The portal's pages at `/portal/session/{token}`: one customer's subscriptions, invoices
 * (with PDFs), payments and payment methods, and a form to cancel a subscription at the end
 * of its period. Everything is read for the token's customer only (its app, mode and
 * tenant); an expired or altered token, or anything of another customer, gets a refusal page.
 */
export async function registerPortalPages(root: FastifyInstance, core: Core, cache: EntitlementCache): Promise<void> {
  const { db, clock, writes, rateLimiter } = core;
  const tokens = portalTokens(core);
  await root.register(
    async (app) => {
      // The cancel form's body; nothing else of the portal takes one.
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      app.addHook('onRequest', async (_request, reply) => {
        reply.headers(SECURITY_HEADERS);
      });
      const refuse = (reply: FastifyReply, kind: PortalRefusal) => {
        const { status, html } = refusalPage(kind);
        return reply.code(status).type('text/html; charset=utf-8').send(html);
      };
      app.setErrorHandler((error, request, reply) => {
        if (error instanceof Refused) return refuse(reply, error.kind);
        const status = (error as { statusCode?: number }).statusCode ?? 500;
        if (status >= 500) request.log.error({ err: error }, 'billing portal request failed');
        return refuse(reply, status === 404 ? 'not_found' : status < 500 ? 'forbidden' : 'not_found');
      });
      app.setNotFoundHandler((_request, reply) => refuse(reply, 'not_found'));

      /** The session of the token in the path, its app world and customer; a refusal page for anything else. */
      const sessionOf = async (token: string): Promise<{ session: PortalSession; scope: BillingScope; customer: Customer }> => {
        const check = await tokens.verify(token, clock.now());
        if (!check.ok) throw new Refused(check.reason);
        const { session } = check;
        const taken = await rateLimiter.take(`billing:portal:${session.sessionId}`, SESSION_REQUESTS_PER_MINUTE, 60_000, Date.now());
        if (!taken.allowed) throw new Refused('forbidden');
        const scope: BillingScope = { orgId: session.orgId, mode: session.mode };
        // A customer deleted since the link was made: nothing to show.
        const customer = await getCustomer(db, scope, session.customerId, session.tenantId).catch(() => {
          throw new Refused('not_found');
        });
        return { session, scope, customer };
      };
      const base = (token: string) => `${PORTAL_PREFIX}/session/${token}`;

      /** The page: the customer's subscriptions, invoices, payments and payment methods. */
      const showPage = async (token: string, done: string | undefined, reply: FastifyReply) => {
        const { session, scope, customer } = await sessionOf(token);
        const [org, subscriptions, invoicePage, account] = await Promise.all([
          getOrg(db, scope.orgId),
          tenantSubscriptions(db, scope, customer.tenantId),
          listInvoices(db, scope, { tenantId: customer.tenantId, customerId: customer.id }, { limit: PAGE_INVOICES, offset: 0 }),
          getProviderAccount(db, scope),
        ]);
        const plans = await plansByIds(db, scope, [...new Set(subscriptions.map((s) => s.planId))]);
        // Drafts are the app's work in progress: the customer sees invoices once finalised.
        const invoices = invoicePage.items.filter((i) => i.status !== 'draft');
        const html = portalPage({
          appName: org?.name ?? 'Kontor',
          customer,
          subscriptions: subscriptions.map((s) => ({ subscription: s, planName: plans.get(s.planId)?.name ?? '—' })),
          invoices,
          invoiceTotal: invoicePage.total - (invoicePage.items.length - invoices.length),
          payments: portalPayments(await listCustomerPayments(db, scope, customer.id), invoices),
          paymentMethods: account ? await listPaymentMethods(db, scope, customer.id, account.provider) : [],
          returnUrl: session.returnUrl,
          base: base(token),
          csrfToken: tokens.csrfToken(session),
          expiresAt: session.expiresAt,
          notice: done === 'canceled' ? 'Your subscription will end at the end of its current period.' : null,
        });
        return reply.type('text/html; charset=utf-8').send(html);
      };

      /** One of the customer's finalised invoices as a PDF download. */
      const sendPdf = async (token: string, invoiceId: string, reply: FastifyReply) => {
        const { scope, customer } = await sessionOf(token);
        const invoice = await getInvoice(db, scope, { id: uuidOf(PREFIX.invoice, invoiceId) }, customer.tenantId).catch(() => null);
        if (!invoice || invoice.customerId !== customer.id || invoice.status === 'draft') throw new Refused('not_found');
        const pdf = await renderInvoicePdf({ invoice, customer, appName: (await getOrg(db, scope.orgId))?.name ?? 'Kontor' });
        const name = invoice.number ?? idOf(PREFIX.invoice, invoice.id);
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${name}.pdf"`).send(pdf);
      };

      /** The cancel form: the subscription ends at the end of its current period. */
      const cancelAtPeriodEnd = async (token: string, subscriptionId: string, request: FastifyRequest, reply: FastifyReply) => {
        const { session, scope, customer } = await sessionOf(token);
        // The form's token is bound to this session; a browser that says the form came from another site is refused too.
        const csrf = (request.body as Record<string, unknown> | undefined)?.csrf_token;
        if (!tokens.csrfMatches(session, csrf) || request.headers['sec-fetch-site'] === 'cross-site') throw new Refused('forbidden');
        const id = uuidOf(PREFIX.subscription, subscriptionId);
        const context = { orgId: scope.orgId, principalId: `portal:${idOf(PREFIX.customer, customer.id)}`, surface: 'billing', operation: 'portalCancelSubscription', requestId: request.id };
        await writes.execute(context, async (tx) => {
          // Only the customer's own (its tenant's) subscriptions; another's is not found.
          const subscription = await getSubscription(tx, scope, id, customer.tenantId).catch(() => {
            throw new Refused('not_found');
          });
          // Scheduled already: nothing to change (a second click, a reloaded form).
          if (subscription.cancelAt !== null || subscription.status === 'canceled' || subscription.status === 'expired') return subscription;
          return cancel(tx, scope, subscription.id, customer.tenantId, await worldNow(tx, scope, clock), false);
        });
        cache.invalidate(scope, customer.tenantId);
        return reply.code(303).header('location', `${base(token)}?done=canceled`).send();
      };

      // One wildcard route per method: a signed token is longer than the router allows a `:param` to be.
      app.get<{ Params: { '*': string }; Querystring: { done?: string } }>('/session/*', async (request, reply) => {
        const [token, ...rest] = request.params['*'].split('/');
        if (rest.length === 0) return showPage(token, request.query.done, reply);
        if (rest.length === 3 && rest[0] === 'invoices' && rest[2] === 'pdf') return sendPdf(token, rest[1], reply);
        throw new Refused('not_found');
      });
      app.post<{ Params: { '*': string } }>('/session/*', async (request, reply) => {
        const [token, ...rest] = request.params['*'].split('/');
        if (rest.length === 3 && rest[0] === 'subscriptions' && rest[2] === 'cancel') return cancelAtPeriodEnd(token, rest[1], request, reply);
        throw new Refused('not_found');
      });
    },
    { prefix: PORTAL_PREFIX },
  );
}
