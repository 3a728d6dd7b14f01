import type { TSchema } from 'typebox';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import * as S from './schemas.ts';

type Reads = ReturnType<typeof S.nativeOperations>['reads'];

/** A read of one native thing by its id (a ledger, an account, an entry): its route and document. */
interface ItemRead {
  /** `/accounts/:id`, with the id's prefix (`acct`). */
  path: string;
  prefix: string;
  operationId: string;
  summary: string;
  /** What it answers with (200). */
  item: TSchema;
}

/**
 * `GET <path>`: the thing as `view` shows it. `load` finds the org's thing in a native ledger,
 * 404 for anything else.
 */
export function getOneRoute<T>(api: SurfaceApp, reads: Reads, one: ItemRead & { load: (orgId: string, id: string) => Promise<T>; view: (thing: T) => unknown }) {
  api.get(
    one.path,
    reads({ operationId: one.operationId, summary: one.summary, params: S.IdParams(one.prefix), response: { 200: one.item, ...S.errorResponses(401, 403, 404) } }),
    async (request) => one.view(await one.load(principalOf(request).orgId, (request.params as { id: string }).id)),
  );
}

/** `GET <path>?as_of=`: a report on the thing, now or as of the end of a day (`as_of`, UTC). */
export function asOfRoute(api: SurfaceApp, reads: Reads, one: ItemRead & { report: (orgId: string, id: string, asOf: string | undefined) => Promise<unknown> }) {
  api.get(
    one.path,
    reads({
      operationId: one.operationId,
      summary: one.summary,
      params: S.IdParams(one.prefix),
      querystring: S.AsOfQuery,
      response: { 200: one.item, ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => one.report(principalOf(request).orgId, (request.params as { id: string }).id, (request.query as { as_of?: string }).as_of),
  );
}
