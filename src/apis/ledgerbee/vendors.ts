import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { chartAccountExists, createVendor, listVendors, requireVendor } from '../../ledgerbee/vendor-store.ts';
import { listContacts, listDepartments } from '../../ledgerbee/party-parts.ts';
import { listGroups } from '../../ledgerbee/party-groups.ts';
import { companyIdOf, ledgerbeeOperations, type Companies } from './context.ts';
import { errors, IdParams } from './schemas.ts';
import * as S from './party-schemas.ts';

const { reads, writes } = ledgerbeeOperations('vendors', 'Vendors');

/** Vendors (scopes vendors-read / vendors-write): full lists; create answers only `{id, vendorNumber}`. */
export function vendorRoutes(api: SurfaceApp, core: Core, companies: Companies) {
  const { db, clock } = core;

  api.get(
    '/v1/vendors',
    reads({ operationId: 'listVendors', summary: 'List vendors, sorted by vendor number.', response: { 200: Type.Array(S.VendorDto), ...errors(401, 403) } }),
    async (request) => (await listVendors(db, companyIdOf(request))).map(S.vendorView),
  );

  api.post(
    '/v1/vendors',
    writes({
      operationId: 'createVendor',
      summary: 'Create a vendor with its contacts (exactly one default); answers its id and vendorNumber.',
      body: S.CreateVendorDto,
      response: { 201: S.CreatedVendorDto, ...errors(400, 401, 403, 404) },
    }),
    write(async (tx, request, reply) => {
      const orgId = companyIdOf(request);
      const { currency } = await companies.get(orgId);
      const { openingBalance, ...rest } = request.body;
      const made = await createVendor(tx, orgId, { ...rest, openingBalance: openingBalance === undefined ? undefined : BigInt(openingBalance) }, clock.now(), {
        defaultCurrency: currency,
        accountExists: chartAccountExists,
      });
      reply.code(201);
      return made;
    }),
  );

  api.get(
    '/v1/vendors/:id/contacts',
    reads({ operationId: 'listVendorContacts', summary: "List a vendor's contacts.", params: IdParams, response: { 200: Type.Array(S.ContactDto), ...errors(400, 401, 403, 404) } }),
    async (request) => {
      const orgId = companyIdOf(request);
      await requireVendor(db, orgId, request.params.id);
      return (await listContacts(db, 'vendor', orgId, request.params.id)).map(S.contactView);
    },
  );

  api.get(
    '/v1/vendors/:id/departments',
    reads({ operationId: 'listVendorDepartments', summary: "List a vendor's departments.", params: IdParams, response: { 200: Type.Array(S.DepartmentDto), ...errors(400, 401, 403, 404) } }),
    async (request) => {
      const orgId = companyIdOf(request);
      await requireVendor(db, orgId, request.params.id);
      return (await listDepartments(db, 'vendor', orgId, request.params.id)).map(S.departmentView);
    },
  );

  api.get(
    '/v1/vendor-groups',
    reads({
      operationId: 'listVendorGroups',
      summary: 'List vendor groups (each names the payable account its vendors’ entries post to).',
      response: { 200: Type.Array(S.GroupDto('VendorGroupDto', 'The payable control account.')), ...errors(401, 403) },
    }),
    async (request) => (await listGroups(db, 'vendor', companyIdOf(request))).map(S.groupView),
  );
}
