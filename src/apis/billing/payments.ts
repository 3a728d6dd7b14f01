import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write, writeContext } from '../../platform/http/write.ts';
import { classifyError } from '../../platform/http/errors.ts';
import { DomainError } from '../../platform/errors.ts';
import { BILLING_ERRORS, billingError } from '../../billing/errors.ts';
import { getProviderAccount } from '../../billing/providers/accounts.ts';
import type { ChargeResult, RefundResult } from '../../billing/providers/provider.ts';
import { openPayment, openRefund, recordCharge, recordRefund } from '../../billing/payments.ts';
import { chargeAtProvider, refundAtProvider } from '../../billing/payment-calls.ts';
import { getPayment, listPayments, type PaymentRecord, type PaymentStatus } from '../../billing/payment-store.ts';
import { getInvoice } from '../../billing/invoice-store.ts';
import { paymentWire } from '../../billing/payment-wire.ts';
import { pageRequest } from '../../billing/scope.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf, tenantOf } from './context.ts';
import { billingEnvelope } from './errors.ts';
import { invoiceKey } from './invoices.ts';
import { billingSettings } from './settings.ts';
import { PREFIX, pageView, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('payments');
const PAYMENT = 'pay';
const PaymentStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('refunded'), Type.Literal('canceled')]);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'A payment id, pay_…' }) });

export const Payment = Type.Object({
  id: S.Id(PAYMENT),
  invoice_id: S.Id('inv'),
  customer_id: S.Id('cst'),
  tenant_id: Type.String(),
  amount: S.Money,
  status: PaymentStatusSchema,
  processor_name: Type.Union([Type.Literal('stripe'), Type.Literal('paddle')]),
  processor_id: Type.Union([Type.String(), Type.Null()], { description: "The provider's payment (Stripe pi_…, Paddle txn_…); null until the provider answered." }),
  payment_method_id: Type.Union([S.Id('pm'), Type.Null()]),
  idempotency_key: Type.String({ description: 'The same key charges once: a second request with it answers this payment.' }),
  failure_message: Type.Union([Type.String(), Type.Null()]),
  refunded_amount: S.Money,
  refund_reason: Type.Union([Type.String(), Type.Null()]),
  collection_attempt: Type.Union([Type.Integer(), Type.Null()], { description: "Automatic collection's attempt (1 at finalisation, then the dunning retries); null when asked through the API." }),
  succeeded_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

const MoneyIn = Type.Object({ amount: Type.Optional(Type.Integer({ description: 'Integer minor units.' })), currency: Type.Optional(Type.String({ maxLength: 3 })) });
const NewPayment = Type.Object(
  {
    invoice_id: Type.Optional(Type.String({ maxLength: 64, description: 'Required: the invoice to pay (inv_… or its number).' })),
    customer_id: Type.Optional(Type.String({ maxLength: 64, description: "The invoice's customer (checked when given)." })),
    amount: Type.Optional(MoneyIn),
    payment_method_id: Type.Optional(Type.String({ maxLength: 64, description: "A saved method of the customer (pm_…); default: the customer's default method." })),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "The same key is the same payment; default: the invoice's next attempt." })),
  },
  { description: 'invoice_id is required; amount, when given, must be what the invoice asks.' },
);
const RefundBody = Type.Object({ amount: Type.Optional(MoneyIn), reason: Type.Optional(Type.String({ maxLength: 500 })) }, { description: 'Omit amount for a full refund (of what is left).' });

const moneyIn = (m: { amount?: number; currency?: string } | undefined, field: string) => {
  if (m === undefined) return undefined;
  if (m.amount === undefined) throw billingError('invalid_input', `${field}.amount is required`, `${field}.amount`);
  return { amount: BigInt(m.amount), currency: m.currency?.trim().toLowerCase() || null };
};

/**
 * Payments through the app's provider. The provider is called between two transactions
 * (decision 0014): a preHandler opens the payment (its own write) and calls the provider with
 * a key made from the payment's id; the route's write records the answer. A declined payment
 * is recorded (payment.failed) and answered 402 `payment_failed` with the payment's id.
 */
export function paymentRoutes(api: SurfaceApp, { db, clock, ledger, writes: runner, config }: Core) {
  const endpoints = billingSettings(config.env).providers;
  const charged = new WeakMap<object, { payment: PaymentRecord; result: ChargeResult | null }>();
  const refunded = new WeakMap<object, { payment: PaymentRecord; refundId: string; result: RefundResult | null }>();
  const step = (request: FastifyRequest, operation: string) => ({ ...writeContext(request), operation });
  /** The request's Idempotency-Key as a payment's (refund's) key: per credential, as the header's scope is. */
  const requestKey = (request: FastifyRequest) => (request.idempotency ? `request:${request.idempotency.scope.principalId}:${request.idempotency.scope.key}` : null);

  /**
   * A 402 in the surface's envelope naming the payment, stored with the write that recorded
   * it: `payment_failed` (the charge was declined) or `refund_failed` (the provider refused the
   * refund, or it could not go to the payment's provider).
   */
  const refusal = (request: FastifyRequest, payment: PaymentRecord, code: 'payment_failed' | 'refund_failed', message: string, field: string) =>
    billingEnvelope(
      classifyError(new DomainError(BILLING_ERRORS[code].kind, message, field, { code, type: 'payment', status: 402, payment_id: paymentWire(payment).id })),
      request.id,
    ).body;

  api.post(
    '/payments',
    {
      ...writes({ operationId: 'createPayment', summary: "Charge an invoice through the app's provider with the customer's payment method.", body: NewPayment, response: { 201: Payment, ...S.errorResponses(400, 401, 402, 403, 404, 409, 500, 502, 504) } }),
      preHandler: async (request) => {
        const body = request.body;
        if (!body.invoice_id) throw billingError('invalid_input', 'invoice_id is required', 'invoice_id');
        const scope = scopeOf(request);
        const input = {
          invoice: invoiceKey(body.invoice_id),
          tenantId: tenantOf(request),
          customerId: body.customer_id === undefined ? undefined : uuidOf(PREFIX.customer, body.customer_id),
          amount: moneyIn(body.amount, 'amount'),
          paymentMethodId: body.payment_method_id === undefined ? undefined : uuidOf('pm', body.payment_method_id),
          idempotencyKey: body.idempotency_key ?? requestKey(request),
        };
        const payment = await runner.execute(step(request, 'createPayment:open'), async (tx) => openPayment(tx, scope, await getProviderAccount(tx, scope), input, await worldNow(tx, scope, clock)));
        let result: ChargeResult | null = null;
        if (payment.status === 'pending' && payment.processorId === null) {
          const invoice = await getInvoice(db, scope, { id: payment.invoiceId }, null);
          result = await chargeAtProvider(db, scope, endpoints, payment, invoice.number);
        }
        charged.set(request, { payment, result });
      },
    },
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const { payment: opened, result } = charged.get(request)!;
      const payment = result ? await recordCharge(tx, scope, opened.id, result, await worldNow(tx, scope, clock), ledger) : await getPayment(tx, scope, opened.id, null);
      if (payment.status === 'failed') {
        (reply as FastifyReply).code(402);
        return refusal(request, payment, 'payment_failed', `the payment failed: ${payment.failureMessage ?? 'declined'}`, 'payment_method_id') as never;
      }
      reply.code(201);
      return paymentWire(payment);
    }),
  );

  api.get(
    '/payments',
    reads({
      operationId: 'listPayments',
      summary: "List payments, newest first: the tenant in context's, else the app's.",
      querystring: Type.Object({
        status: Type.Optional(PaymentStatusSchema),
        invoice_id: Type.Optional(Type.String({ maxLength: 64 })),
        customer_id: Type.Optional(Type.String({ maxLength: 64 })),
        ...S.PageQuery,
      }),
      response: { 200: S.PageOf(Payment), ...S.errorResponses(400, 401, 403) },
    }),
    async (request) => {
      const q = request.query;
      const none = '00000000-0000-0000-0000-000000000000';
      const filter = {
        tenantId: tenantOf(request),
        status: q.status as PaymentStatus | undefined,
        // An id of the wrong shape names nothing: an empty page.
        invoiceId: q.invoice_id === undefined ? null : (uuidOf(PREFIX.invoice, q.invoice_id) ?? none),
        customerId: q.customer_id === undefined ? null : (uuidOf(PREFIX.customer, q.customer_id) ?? none),
      };
      return pageView(await listPayments(db, scopeOf(request), filter, pageRequest(q.limit, q.offset)), paymentWire);
    },
  );

  api.get(
    '/payments/:id',
    reads({ operationId: 'getPayment', summary: 'Get a payment by id.', params: IdParams, response: { 200: Payment, ...S.errorResponses(401, 403, 404) } }),
    async (request) => paymentWire(await getPayment(db, scopeOf(request), uuidOf(PAYMENT, request.params.id), tenantOf(request))),
  );

  api.post(
    '/payments/:id/refund',
    {
      ...writes({ operationId: 'refundPayment', summary: 'Refund a succeeded payment, in full or in part.', params: IdParams, body: RefundBody, response: { 200: Payment, ...S.errorResponses(400, 401, 402, 403, 404, 500, 502, 504) } }),
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
      preHandler: async (request) => {
        const scope = scopeOf(request);
        const body = request.body;
        const input = { amount: moneyIn(body.amount, 'amount'), reason: body.reason?.trim() || null, requestKey: requestKey(request) };
        const { payment, refund } = await runner.execute(step(request, 'refundPayment:open'), async (tx) =>
          openRefund(tx, scope, uuidOf(PAYMENT, request.params.id), tenantOf(request), input, await worldNow(tx, scope, clock)),
        );
        const result = refund.status === 'pending' && refund.processorId === null ? await refundAtProvider(db, scope, endpoints, payment, refund) : null;
        refunded.set(request, { payment, refundId: refund.id, result });
      },
    },
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const { payment, refundId, result } = refunded.get(request)!;
      const after = result ? await recordRefund(tx, scope, refundId, payment.id, result, await worldNow(tx, scope, clock), ledger) : await getPayment(tx, scope, payment.id, null);
      if (result?.status === 'failed') {
        // The refused refund is recorded (failed) with this answer; the payment is as it was.
        (reply as FastifyReply).code(402);
        return refusal(request, after, 'refund_failed', 'the provider refused the refund; the payment is unchanged', 'amount') as never;
      }
      return paymentWire(after);
    }),
  );
}
