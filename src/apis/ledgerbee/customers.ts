import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { invalid } from '../../platform/errors.ts';
import { createCustomer, getCustomer, listCustomers, updateCustomer } from '../../ledgerbee/customer-store.ts';
import { companyIdOf, ledgerbeeOperations, type Companies } from './context.ts';
import { itemRoutes } from './item-routes.ts';
import { errors } from './schemas.ts';
import * as S from './party-schemas.ts';
import { partyRoutes } from './party-routes.ts';

const customerOperations = ledgerbeeOperations('customers', 'Customers');
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
    customerOperations.reads({
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

  itemRoutes(api, {
    path: '/v1/customers', operations: customerOperations, item: S.CustomerDto, view: S.customerView,
    create: {
      operationId: 'createCustomer',
      summary: 'Create a customer with its contacts and departments.',
      body: S.CreateCustomerDto,
      errors: [400, 401, 403, 404],
      run: (tx, orgId, body) => createCustomer(tx, orgId, body, clock.now()),
    },
    get: { operationId: 'getCustomer', summary: 'Get a single customer.', errors: [400, 401, 403, 404], run: (orgId, id) => getCustomer(db, orgId, id) },
    update: {
      method: 'patch',
      operationId: 'updateCustomer',
      summary: 'Update a customer: the fields given change (null clears one); contacts and departments, when given, are replaced.',
      body: S.UpdateCustomerDto,
      errors: [400, 401, 403, 404],
      run: (tx, orgId, id, body) => updateCustomer(tx, orgId, id, body, clock.now()),
    },
  });

  partyRoutes(api, db, {
    kind: 'customer', name: 'Customer', require: getCustomer,
    groups: { summary: 'List customer groups (each names the receivable account its customers’ entries post to).', account: 'The receivable control account.' },
  });
}
