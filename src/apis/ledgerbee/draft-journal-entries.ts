import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { bookDraftEntry, createDraftEntries, deleteDraftEntry, getDraftEntry, listDraftEntries, updateDraftEntry } from '../../ledgerbee/draft-entries.ts';
import { companyIdOf, ledgerbeeDeps } from './context.ts';
import { deprecatedFor } from './deprecation.ts';
import { IdParams, errors, pageOf, paged } from './schemas.ts';
import { JOURNAL_BODY_LIMIT, entryInput, journalEntryView } from './journal-schemas.ts';
import {
  BookedDraftDto,
  CreateDraftJournalEntriesBatchDto,
  CreateDraftJournalEntryDto,
  DraftBatchResultDto,
  DraftJournalEntryDto,
  DraftListQueryV1,
  DraftListQueryV2,
  DraftPageDto,
  UpdateDraftJournalEntryDto,
  draftFilter,
  draftPatch,
  draftView,
} from './draft-schemas.ts';

const tagsV1 = ['Draft Journal Entries'];
const tagsV2 = ['Draft Journal Entries (v2)'];
const WRITE = { scope: 'draft-journal-entries-write' };
const READ = { scope: 'draft-journal-entries-read' };

/** v2 operations, or v1's (deprecated, with the v2 successor's path for the `Link` header). */
const version = (successor: string | null) =>
  successor === null ? { tags: tagsV2, config: {} } : { tags: tagsV1, deprecated: true as const, config: deprecatedFor(successor) };

/**
 * Draft journal entries (decision 0026): v2 create, batch, list, get, PATCH, delete, book;
 * v1 (deprecated, same storage) the same without PATCH, its list also filtering by
 * externalSystemId and search.
 */
export function draftJournalEntryRoutes(api: SurfaceApp, core: Core) {
  const deps = ledgerbeeDeps(core);
  const lower = (id: string) => id.toLowerCase();

  const create = write(async (tx, request: any, reply: any) => {
    const [draft] = await createDraftEntries(deps, tx, companyIdOf(request), [entryInput(request.body)], () => '');
    reply.code(201);
    return draftView(draft);
  });
  const batch = write(async (tx, request: any, reply: any) => {
    const at = (i: number) => `entries.${i}.`;
    const inputs = (request.body.entries as any[]).map((e, i) => entryInput(e, at(i)));
    const drafts = await createDraftEntries(deps, tx, companyIdOf(request), inputs, at);
    reply.code(201);
    return { totalCreated: drafts.length, entries: drafts.map(draftView) };
  });
  const list = async (request: any) => {
    const page = pageOf(request.query);
    const { items, total } = await listDraftEntries(core.db, companyIdOf(request), draftFilter(request.query), page);
    return paged('draftJournalEntries', items.map(draftView), total, page);
  };
  const get = async (request: any) => draftView(await getDraftEntry(core.db, companyIdOf(request), lower(request.params.id)));
  const remove = write(async (tx, request: any, reply: any) => {
    await deleteDraftEntry(tx, companyIdOf(request), lower(request.params.id));
    reply.code(204);
  });
  const book = write(async (tx, request: any, reply: any) => {
    const { draft, entry } = await bookDraftEntry(deps, tx, companyIdOf(request), lower(request.params.id));
    reply.code(201);
    return { draftJournalEntry: draftView(draft), journalEntry: journalEntryView(entry) };
  });

  for (const [v, base, batchPath, successor] of [
    ['v2', '/v2/draft-journal-entries', '/v2/draft-journal-batches', null],
    ['v1', '/v1/draft-journal-entries', '/v1/draft-journal-entries/batch', '/api/v2/draft-journal-entries'],
  ] as const) {
    const s = version(successor);
    const suffix = v === 'v2' ? 'V2' : '';
    const said = (text: string) => (v === 'v1' ? `${text} (DEPRECATED — use the v2 operation; same semantics).` : `${text}.`);
    api.post(
      base,
      {
        bodyLimit: JOURNAL_BODY_LIMIT,
        config: { ...WRITE, ...s.config },
        schema: {
          operationId: `createDraftJournalEntry${suffix}`,
          summary: said('Create a draft journal entry: checked for the accounts, VAT codes, parties, categories and dimension values it names; balance is checked when it is booked'),
          tags: s.tags,
          ...(s.deprecated ? { deprecated: true } : {}),
          body: CreateDraftJournalEntryDto,
          response: { 201: DraftJournalEntryDto, ...errors(400, 401, 403, 404, 413) },
        },
      },
      create,
    );
    api.post(
      batchPath,
      {
        bodyLimit: JOURNAL_BODY_LIMIT,
        config: { ...WRITE, ...(successor ? deprecatedFor('/api/v2/draft-journal-batches') : {}) },
        schema: {
          operationId: `createDraftJournalEntriesBatch${suffix}`,
          summary: said('Create 1–100 draft journal entries in one transaction: all or none; answers {totalCreated, entries} in request order'),
          tags: s.tags,
          ...(s.deprecated ? { deprecated: true } : {}),
          body: CreateDraftJournalEntriesBatchDto,
          response: { 201: DraftBatchResultDto, ...errors(400, 401, 403, 404, 413) },
        },
      },
      batch,
    );
    api.get(
      base,
      {
        config: { ...READ, ...s.config },
        schema: {
          operationId: `listDraftJournalEntries${suffix}`,
          summary: said(
            `Draft journal entries of the company, newest date first, filtered by date range, account, customer, vendor, journal type and amount range${v === 'v1' ? ', external system id and free text' : ''}; paginated`,
          ),
          tags: s.tags,
          ...(s.deprecated ? { deprecated: true } : {}),
          querystring: v === 'v1' ? DraftListQueryV1 : DraftListQueryV2,
          response: { 200: DraftPageDto, ...errors(400, 401, 403) },
        },
      },
      list,
    );
    api.get(
      `${base}/:id`,
      {
        config: { ...READ, ...s.config },
        schema: { operationId: `getDraftJournalEntry${suffix}`, summary: said('Get a draft journal entry'), tags: s.tags, ...(s.deprecated ? { deprecated: true } : {}), params: IdParams, response: { 200: DraftJournalEntryDto, ...errors(400, 401, 403, 404) } },
      },
      get,
    );
    api.delete(
      `${base}/:id`,
      {
        config: { ...WRITE, ...s.config },
        schema: {
          operationId: `deleteDraftJournalEntry${suffix}`,
          summary: said('Delete a draft journal entry not yet booked (a booked one is 409)'),
          tags: s.tags,
          ...(s.deprecated ? { deprecated: true } : {}),
          params: IdParams,
          response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) },
        },
      },
      remove,
    );
    api.post(
      `${base}/:id/book`,
      {
        config: { ...WRITE, ...s.config },
        schema: {
          operationId: `bookDraftJournalEntry${suffix}`,
          summary: said('Book a draft: it becomes one posted journal entry in one transaction (balance, VAT, lock date checked now); booking it again is 409 DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED'),
          tags: s.tags,
          ...(s.deprecated ? { deprecated: true } : {}),
          params: IdParams,
          response: { 201: BookedDraftDto, ...errors(400, 401, 403, 404, 409) },
        },
      },
      book,
    );
  }

  api.patch(
    '/v2/draft-journal-entries/:id',
    {
      bodyLimit: JOURNAL_BODY_LIMIT,
      config: WRITE,
      schema: {
        operationId: 'updateDraftJournalEntryV2',
        summary: 'Change a draft journal entry not yet booked: the fields given replace its own (lines and attachments as a whole); the result is checked as a new draft is.',
        tags: tagsV2,
        params: IdParams,
        body: UpdateDraftJournalEntryDto,
        response: { 200: DraftJournalEntryDto, ...errors(400, 401, 403, 404, 409, 413) },
      },
    },
    write(async (tx, request) => draftView(await updateDraftEntry(deps, tx, companyIdOf(request), lower(request.params.id), draftPatch(request.body)))),
  );
}
