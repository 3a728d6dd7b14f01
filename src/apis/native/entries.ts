import { Type, type Static } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write, writeShared } from '../../platform/http/write.ts';
import type { StoredResponse } from '../../platform/idempotency.ts';
import { formatId, parseId } from '../../platform/ids.ts';
import { DomainError, invalid } from '../../platform/errors.ts';
import { parseDecimal } from '../../platform/money.ts';
import { parseInstant } from '../../platform/dates.ts';
import type { LedgerEngine } from '../../ledger/engine.ts';
import type { EntryInput, PostResult } from '../../ledger/types.ts';
import * as S from './schemas.ts';
import { PREFIX, entryView, idFrom } from './views.ts';
import { pageRequest, pageView } from './paging.ts';
import { getOneRoute } from './item-routes.ts';
import { nativeEntry, nativeLedgerId, requireNativeLedgers } from './owned.ts';

type EntryBody = Static<typeof S.NewEntry>;

/** RFC 3339 time or a plain date (midnight UTC). */
function parseTime(text: string | undefined, field: string): Date | undefined {
  return text === undefined ? undefined : parseInstant(text, field);
}

/**
 * Turns request entries into engine input. Amounts are exact decimals in the asset of each
 * posting's account, so their assets are looked up first (kept in memory: they never change).
 */
async function toEntryInputs(ledger: LedgerEngine, orgId: string, bodies: EntryBody[], batch: boolean): Promise<EntryInput[]> {
  const at = (i: number, rest: string) => (batch ? `entries[${i}].${rest}` : rest);
  const ids = bodies.map((body, i) =>
    body.postings.map((p, j) => {
      const id = parseId(PREFIX.account, p.account_id);
      if (!id) throw new DomainError('not_found', 'account not found in this ledger', at(i, `postings[${j}].account_id`));
      return id;
    }),
  );
  const ledgerIds = bodies.map((body, i) => idFrom('ledger', body.ledger_id, at(i, 'ledger_id')));
  await requireNativeLedgers(ledger, orgId, ledgerIds, (i) => at(i, 'ledger_id'));
  const assets = await ledger.accountAssets(orgId, [...new Set(ids.flat())]);
  return bodies.map((body, i) => ({
    ledgerId: ledgerIds[i],
    effectiveAt: parseTime(body.effective_at, at(i, 'effective_at')),
    externalId: body.external_id ?? null,
    description: body.description ?? null,
    metadata: body.metadata ?? null,
    rates: body.rates ?? null,
    postings: body.postings.map((p, j) => {
      const asset = assets.get(ids[i][j]);
      if (!asset) throw new DomainError('not_found', 'account not found in this ledger', at(i, `postings[${j}].account_id`));
      const amount = parseDecimal(p.amount, asset.scale, at(i, `postings[${j}].amount`));
      if (amount === 0n) throw invalid(at(i, `postings[${j}].amount`), 'amount must be greater than zero');
      return { accountId: ids[i][j], amount: p.side === 'debit' ? amount : -amount };
    }),
  }));
}

const location = (r: PostResult) => `/kontor/v1/entries/${formatId(PREFIX.entry, r.entry.id)}`;
const JSON_TYPE = 'application/json; charset=utf-8';

const { reads, writes } = S.nativeOperations('entries');

export function entryRoutes(api: SurfaceApp, core: Core) {
  const { ledger } = core;
  api.post(
    '/entries',
    writes({
      operationId: 'postEntry',
      summary: 'Post a balanced entry. A known external_id answers 200 with the entry it already posted.',
      body: S.NewEntry,
      response: { 200: S.Entry, 201: S.Entry, ...S.errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    writeShared(async (commit, request) => {
      const orgId = principalOf(request).orgId;
      const [input] = await toEntryInputs(ledger, orgId, [request.body], false);
      const answer = ([result]: PostResult[]): StoredResponse => ({
        status: result.duplicate ? 200 : 201,
        headers: { 'content-type': JSON_TYPE, location: location(result) },
        body: JSON.stringify(entryView(result.entry)),
      });
      return answer([await ledger.submitEntry(orgId, input, commit.options(answer, { created: 201, existing: 200 }))]);
    }),
  );

  api.post(
    '/entries/batch',
    writes({
      operationId: 'postEntryBatch',
      summary: 'Post up to 1,000 entries atomically: all of them or none.',
      body: S.NewBatch,
      response: { 201: Type.Object({ data: Type.Array(S.Entry) }), ...S.errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    writeShared(async (commit, request) => {
      const orgId = principalOf(request).orgId;
      const inputs = await toEntryInputs(ledger, orgId, request.body.entries, true);
      const answer = (results: PostResult[]): StoredResponse => ({
        status: 201,
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({ data: results.map((r) => entryView(r.entry)) }),
      });
      return answer(await ledger.submitBatch(orgId, inputs, commit.options(answer, { created: 201, existing: 201 })));
    }),
  );

  api.get(
    '/entries',
    reads({
      operationId: 'listEntries',
      summary: 'Entries of a ledger, newest first, optionally within effective times [effective_from, effective_to).',
      querystring: Type.Object({
        ledger_id: S.Id('ldg'),
        effective_from: Type.Optional(S.Timestamp),
        effective_to: Type.Optional(S.Timestamp),
        ...S.PageQuery,
      }),
      response: { 200: S.PageOf(S.Entry), ...S.errorResponses(400, 401, 403, 404) },
    }),
    async (request) => {
      const q = request.query;
      const orgId = principalOf(request).orgId;
      const ledgerId = await nativeLedgerId(ledger, orgId, q.ledger_id, 'ledger_id');
      const page = await ledger.listEntries(orgId, ledgerId, {
        ...pageRequest('entry', q),
        effectiveFrom: parseTime(q.effective_from, 'effective_from'),
        effectiveTo: parseTime(q.effective_to, 'effective_to'),
      });
      return pageView('entry', page, entryView);
    },
  );

  getOneRoute(api, reads, {
    path: '/entries/:id', prefix: 'ent', operationId: 'getEntry', summary: 'Get an entry with its postings.', item: S.Entry,
    load: (orgId, id) => nativeEntry(ledger, orgId, id), view: entryView,
  });

  api.post(
    '/entries/:id/reversal',
    {
      ...writes({
        operationId: 'reverseEntry',
          summary: 'Reverse an entry: posts its mirror image, linked to it. An entry is reversed at most once.',
        params: S.IdParams('ent'),
        body: S.Reversal,
        response: { 201: S.Entry, ...S.errorResponses(400, 401, 403, 404, 409, 422) },
      }),
      // The body is optional: an empty POST reverses with today's date.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    write(async (tx, request, reply) => {
      const body = request.body ?? {};
      const orgId = principalOf(request).orgId;
      const { id: entryId } = await nativeEntry(ledger, orgId, request.params.id);
      const result = await ledger.reverseEntry(orgId, entryId, {
        effectiveAt: parseTime(body.effective_at, 'effective_at'),
        externalId: body.external_id ?? null,
        description: body.description ?? null,
      }, tx);
      reply.code(201).header('location', location(result));
      return entryView(result.entry);
    }),
  );
}
