import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { createCustomer, deleteCustomer, getCustomer, getCustomerByEmail, listCustomers, updateCustomerById } from '../../billing/customer-store.ts';
import { tenantSubscriptions } from '../../billing/subscription-store.ts';
import { pageRequest } from '../../billing/scope.ts';
import { worldNow } from '../../billing/test-clocks.ts';
import { emitBillingEvent } from '../../billing/webhook-events.ts';
import * as S from './schemas.ts';
import { billingOperations, requireTenant, scopeOf, tenantOf } from './context.ts';
import { PREFIX, customerView, pageView, subscriptionView, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('customers');
const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'A customer id, cst_…' }) });

/**
 * A customer is made for the tenant in context (`X-Tenant-ID`, required) and is that tenant's
 * one customer. Reads and changes by id need only the key; with a tenant in context they
 * reach only that tenant's customer.
 */
export function customerRoutes(api: SurfaceApp, { db, clock }: Core) {
  const customerId = (id: string) => uuidOf(PREFIX.customer, id);

  api.post(
    '/customers',
    writes({
      operationId: 'createCustomer',
      summary: 'Create the customer of the tenant in context.',
      body: S.NewCustomer,
      response: { 201: S.Customer, ...S.errorResponses(400, 401, 403, 409) },
    }),
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const now = await worldNow(tx, scope, clock);
      const customer = customerView(await createCustomer(tx, scope, requireTenant(request), request.body, now));
      await emitBillingEvent(tx, scope, 'customer.created', customer, now);
      reply.code(201);
      return customer;
    }),
  );

  api.get(
    '/customers',
    reads({
      operationId: 'listCustomers',
      summary: "List the app's customers, oldest first.",
      querystring: Type.Object(S.PageQuery),
      response: { 200: S.PageOf(S.Customer), ...S.errorResponses(400, 401, 403) },
    }),
    async (request) => pageView(await listCustomers(db, scopeOf(request), tenantOf(request), pageRequest(request.query.limit, request.query.offset)), customerView),
  );

  api.get(
    '/customers/:id',
    reads({ operationId: 'getCustomer', summary: 'Get a customer by id.', params: IdParams, response: { 200: S.Customer, ...S.errorResponses(401, 403, 404) } }),
    async (request) => customerView(await getCustomer(db, scopeOf(request), customerId(request.params.id), tenantOf(request))),
  );

  api.get(
    '/customers/email/:email',
    reads({
      operationId: 'getCustomerByEmail',
      summary: 'Look up a customer by email address (case-insensitive).',
      params: Type.Object({ email: Type.String({ maxLength: 254 }) }),
      response: { 200: S.Customer, ...S.errorResponses(401, 403, 404) },
    }),
    async (request) => customerView(await getCustomerByEmail(db, scopeOf(request), request.params.email, tenantOf(request))),
  );

  api.put(
    '/customers/:id',
    writes({
      operationId: 'updateCustomer',
      summary: 'Update a customer: only the fields given change.',
      params: IdParams,
      body: S.CustomerPatch,
      response: { 200: S.Customer, ...S.errorResponses(400, 401, 403, 404, 409) },
    }),
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const now = await worldNow(tx, scope, clock);
      const customer = customerView(await updateCustomerById(tx, scope, customerId(request.params.id), tenantOf(request), request.body, now));
      await emitBillingEvent(tx, scope, 'customer.updated', customer, now);
      return customer;
    }),
  );

  api.delete(
    '/customers/:id',
    writes({
      operationId: 'deleteCustomer',
      summary: 'Delete a customer; refused while its tenant has a live subscription.',
      params: IdParams,
      response: { 204: Type.Null(), ...S.errorResponses(400, 401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      const scope = scopeOf(request);
      const deleted = await deleteCustomer(tx, scope, customerId(request.params.id), tenantOf(request));
      await emitBillingEvent(tx, scope, 'customer.deleted', customerView(deleted), await worldNow(tx, scope, clock));
      reply.code(204);
    }),
  );

  api.get(
    '/customers/:id/subscriptions',
    reads({
      operationId: 'listCustomerSubscriptions',
      summary: "List a customer's subscriptions (its tenant's), newest first.",
      params: IdParams,
      response: { 200: Type.Array(S.Subscription), ...S.errorResponses(401, 403, 404) },
    }),
    async (request) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, customerId(request.params.id), tenantOf(request));
      return (await tenantSubscriptions(db, scope, customer.tenantId)).map(subscriptionView);
    },
  );
}
