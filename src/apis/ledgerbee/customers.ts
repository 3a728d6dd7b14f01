import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { invalid } from '../../platform/errors.ts';
import { createCustomer, getCustomer, listCustomers, updateCustomer } from '../../ledgerbee/customer-store.ts';
import { companyIdOf, ledgerbeeOperations, type Companies } from './context.ts';
import { errors, IdParams } from './schemas.ts';
import * as S from './party-schemas.ts';
import { partyRoutes } from './party-routes.ts';

const { reads, writes } = ledgerbeeOperations('customers', 'Customers');
const METADATA_KEY = /^metadata\[([^\]]+)\]$/;
export const MAX_METADATA_FILTERS = 10;

const ListQuery = Type.Object(
  {
    customerNumber: Type.Optional(Type.String({ maxLength: 50, description: 'Exact match on customerNumber.' })),
    externalSystemId: Type.Optional(Type.String({ maxLength: 200, description: 'Exact match on externalSystemId (unique per company: at most one match).' })),
  },
  {
    additionalProperties: false,
    patternProperties: { '^metadata\\[[^\\]]+\\]$': Type.String({ maxLength: 500 }) },
    description: 'Also `metadata[key]=value`: up to 10 pairs, all of which must match (AND).',
  },
);

/** The `metadata[key]=value` pairs of a list query; more than ten is a validation error. */
function metadataFilter(query: Record<string, unknown>): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const key = METADATA_KEY.exec(name)?.[1];
    if (key !== undefined) pairs[key] = String(value);
  }
  if (Object.keys(pairs).length > MAX_METADATA_FILTERS) throw invalid('metadata', `at most ${MAX_METADATA_FILTERS} metadata[key]=value filters may be given`);
  return pairs;
}

/** Customers (scopes customers-read / customers-write): full lists, as the product answers them. */
export function customerRoutes(api: SurfaceApp, core: Core, _companies: Companies) {
  const { db, clock } = core;

  api.get(
    '/v1/customers',
    reads({
      operationId: 'listCustomers',
      summary: 'List customers, sorted by customer number; exact filters by customerNumber, externalSystemId and metadata[key]=value (AND).',
      querystring: ListQuery,
      response: { 200: Type.Array(S.CustomerDto), ...errors(400, 401, 403) },
    }),
    async (request) => {
      const query = request.query as Record<string, string | undefined>;
      const customers = await listCustomers(db, companyIdOf(request), { customerNumber: query.customerNumber, externalSystemId: query.externalSystemId, metadata: metadataFilter(query) });
      return customers.map(S.customerView);
    },
  );

  api.post(
    '/v1/customers',
    writes({ operationId: 'createCustomer', summary: 'Create a customer with its contacts and departments.', body: S.CreateCustomerDto, response: { 201: S.CustomerDto, ...errors(400, 401, 403, 404) } }),
    write(async (tx, request, reply) => {
      const customer = await createCustomer(tx, companyIdOf(request), request.body, clock.now());
      reply.code(201);
      return S.customerView(customer);
    }),
  );

  api.get(
    '/v1/customers/:id',
    reads({ operationId: 'getCustomer', summary: 'Get a single customer.', params: IdParams, response: { 200: S.CustomerDto, ...errors(400, 401, 403, 404) } }),
    async (request) => S.customerView(await getCustomer(db, companyIdOf(request), request.params.id)),
  );

  api.patch(
    '/v1/customers/:id',
    writes({
      operationId: 'updateCustomer',
      summary: 'Update a customer: the fields given change (null clears one); contacts and departments, when given, are replaced.',
      params: IdParams,
      body: S.UpdateCustomerDto,
      response: { 200: S.CustomerDto, ...errors(400, 401, 403, 404) },
    }),
    write(async (tx, request) => S.customerView(await updateCustomer(tx, companyIdOf(request), request.params.id, request.body, clock.now()))),
  );

  partyRoutes(api, db, {
    kind: 'customer', name: 'Customer', require: getCustomer,
    groups: { summary: 'List customer groups (each names the receivable account its customers’ entries post to).', account: 'The receivable control account.' },
  });
}
