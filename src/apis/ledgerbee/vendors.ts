import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { chartAccountExists, createVendor, listVendors, requireVendor } from '../../ledgerbee/vendor-store.ts';
import { companyIdOf, ledgerbeeOperations, type Companies } from './context.ts';
import { errors } from './schemas.ts';
import * as S from './party-schemas.ts';
import { partyRoutes } from './party-routes.ts';

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

  partyRoutes(api, db, {
    kind: 'vendor', name: 'Vendor', require: requireVendor,
    groups: { summary: 'List vendor groups (each names the payable account its vendors’ entries post to).', account: 'The payable control account.' },
  });
}
