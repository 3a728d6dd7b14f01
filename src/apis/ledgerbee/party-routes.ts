import { Type, type TSchema } from 'typebox';
import type { Queryable } from '../../platform/db.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { listContacts, listDepartments } from '../../ledgerbee/party-parts.ts';
import { listGroups } from '../../ledgerbee/party-groups.ts';
import { companyIdOf, ledgerbeeOperations } from './context.ts';
import { errors, IdParams } from './schemas.ts';
import * as S from './party-schemas.ts';

/** A kind of party (customers, vendors): what its routes are called, and how a party is known to exist. */
export interface Party {
  kind: 'customer' | 'vendor';
  /** `Customer`: in operation ids (`listCustomerContacts`) and the group DTO's name. */
  name: 'Customer' | 'Vendor';
  /** Refuses (404, `CUSTOMER_NOT_FOUND`…) unless the company has the party. */
  require: (db: Queryable, orgId: string, id: string) => Promise<unknown>;
  /** The groups' summary, and what their control account is. */
  groups: { summary: string; account: string };
}

/**
 * What customers and vendors share: a party's contacts and departments
 * (`/v1/<kind>s/:id/contacts`, `…/departments`; 404 for another's party) and the kind's groups
 * (`/v1/<kind>-groups`).
 */
export function partyRoutes(api: SurfaceApp, db: Queryable, party: Party) {
  const { kind, name } = party;
  const operations = ledgerbeeOperations(`${kind}s`, `${name}s`);
  const partRoute = (part: 'contacts' | 'departments', operationId: string, item: TSchema, list: (orgId: string, id: string) => Promise<unknown[]>) =>
    api.get(
      `/v1/${kind}s/:id/${part}`,
      operations.reads({ operationId, summary: `List a ${kind}'s ${part}.`, params: IdParams, response: { 200: Type.Array(item), ...errors(400, 401, 403, 404) } }),
      async (request) => {
        const orgId = companyIdOf(request);
        await party.require(db, orgId, request.params.id);
        return list(orgId, request.params.id);
      },
    );
  partRoute('contacts', `list${name}Contacts`, S.ContactDto, async (orgId, id) => (await listContacts(db, kind, orgId, id)).map(S.contactView));
  partRoute('departments', `list${name}Departments`, S.DepartmentDto, async (orgId, id) => (await listDepartments(db, kind, orgId, id)).map(S.departmentView));

  api.get(
    `/v1/${kind}-groups`,
    operations.reads({
      operationId: `list${name}Groups`,
      summary: party.groups.summary,
      response: { 200: Type.Array(S.GroupDto(`${name}GroupDto`, party.groups.account)), ...errors(401, 403) },
    }),
    async (request) => (await listGroups(db, kind, companyIdOf(request))).map(S.groupView),
  );
}
