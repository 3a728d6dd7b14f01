import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { getCustomer } from '../../billing/customer-store.ts';
import { getProviderAccount } from '../../billing/providers/accounts.ts';
import { deletePaymentMethod, listPaymentMethods, openInvoiceCount, savePaymentMethod, type PaymentMethod } from '../../billing/payment-method-store.ts';
import { preparePaymentMethod, removeAtProvider, type PreparedPaymentMethod } from '../../billing/payment-method-calls.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf, tenantOf } from './context.ts';
import { billingSettings } from './settings.ts';
import { PREFIX, idOf, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('payment-methods');
const METHOD = 'pm';

export const PaymentMethodSchema = Type.Object({
  id: S.Id(METHOD),
  customer_id: S.Id('cst'),
  type: Type.String({ examples: ['card'] }),
  last4: Type.String(),
  brand: Type.String(),
  expiry_month: Type.Integer(),
  expiry_year: Type.Integer(),
  is_default: Type.Boolean(),
  provider_name: Type.Union([Type.Literal('stripe'), Type.Literal('paddle')]),
  provider_id: Type.String({ description: "The provider's id (Stripe pm_…, Paddle paymtd_…)." }),
  created_at: Type.String({ format: 'date-time' }),
});

export const paymentMethodView = (m: PaymentMethod) => ({
  id: idOf(METHOD, m.id),
  customer_id: idOf(PREFIX.customer, m.customerId),
  type: m.type,
  last4: m.last4,
  brand: m.brand,
  expiry_month: m.expiryMonth,
  expiry_year: m.expiryYear,
  is_default: m.isDefault,
  provider_name: m.provider,
  provider_id: m.providerId,
  created_at: m.createdAt.toISOString(),
});

const NewPaymentMethod = Type.Object(
  {
    customer_id: Type.Optional(Type.String({ maxLength: 64 })),
    token: Type.Optional(Type.String({ maxLength: 255, description: "From the provider's client-side SDK: a Stripe token (tok_…) or a Paddle saved payment method (paymtd_…)." })),
    set_default: Type.Optional(Type.Boolean({ description: "Make it the customer's default (a customer's first method always is)." })),
  },
  { description: 'customer_id and token are required.' },
);

/**
 * Payment methods are saved at the app's provider: the provider is called in a preHandler,
 * before the write's transaction, and the write records what it answered. A delete commits
 * first and removes the provider's copy after (a refused delete touches nothing).
 */
export function paymentMethodRoutes(api: SurfaceApp, { db, clock, config }: Core) {
  const endpoints = billingSettings(config.env).providers;
  const prepared = new WeakMap<object, PreparedPaymentMethod>();
  const deleted = new WeakMap<object, PaymentMethod>();

  api.post(
    '/payment-methods',
    {
      ...writes({
        operationId: 'addPaymentMethod',
        summary: "Save a payment method on a customer at the app's provider, from a client-side token.",
        body: NewPaymentMethod,
        response: { 201: PaymentMethodSchema, ...S.errorResponses(400, 401, 403, 404, 500, 502, 504) },
      }),
      preHandler: async (request) => {
        const { customer_id, token } = request.body;
        if (!customer_id) throw billingError('invalid_input', 'customer_id is required', 'customer_id');
        if (!token?.trim()) throw billingError('invalid_input', 'token is required', 'token');
        prepared.set(request, await preparePaymentMethod(db, scopeOf(request), endpoints, uuidOf(PREFIX.customer, customer_id), tenantOf(request), token.trim()));
      },
    },
    write(async (tx, request, reply) => {
      const p = prepared.get(request)!;
      const scope = scopeOf(request);
      const method = await savePaymentMethod(tx, scope, { ...p, setDefault: request.body.set_default === true }, await worldNow(tx, scope, clock));
      reply.code(201);
      return paymentMethodView(method);
    }),
  );

  api.get(
    '/payment-methods',
    reads({
      operationId: 'listPaymentMethods',
      summary: "List a customer's payment methods at the app's provider (empty when the app has none), the default first.",
      querystring: Type.Object({ customer_id: Type.Optional(Type.String({ maxLength: 64, description: 'Required.' })) }),
      response: { 200: Type.Array(PaymentMethodSchema), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const given = request.query.customer_id;
      if (!given) throw billingError('invalid_input', 'customer_id is required', 'customer_id');
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, uuidOf(PREFIX.customer, given), tenantOf(request));
      const account = await getProviderAccount(db, scope);
      return account ? (await listPaymentMethods(db, scope, customer.id, account.provider)).map(paymentMethodView) : [];
    },
  );

  api.delete(
    '/payment-methods/:id',
    {
      ...writes({
        operationId: 'deletePaymentMethod',
        summary: "Remove a payment method; refused while it is the customer's only one and invoices wait for payment.",
        params: Type.Object({ id: Type.String({ maxLength: 64, description: 'A payment method id, pm_…' }) }),
        response: { 204: Type.Null({ description: 'Removed.' }), ...S.errorResponses(400, 401, 403, 404) },
      }),
      // After the delete committed (the handler has returned), before the answer goes out.
      onSend: async (request, reply, payload) => {
        const method = deleted.get(request);
        if (!method || reply.statusCode !== 204) return payload;
        deleted.delete(request);
        await removeAtProvider(db, scopeOf(request), endpoints, method).catch((error) => request.log.warn({ err: error }, 'the provider kept a payment method Kontor deleted'));
        return payload;
      },
    },
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const method = await deletePaymentMethod(tx, scope, uuidOf(METHOD, request.params.id), tenantOf(request), (customerId) => openInvoiceCount(tx, scope, customerId));
      deleted.set(request, method);
      reply.code(204);
      return null;
    }),
  );
}
