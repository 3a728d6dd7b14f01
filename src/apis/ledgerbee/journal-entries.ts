import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { DomainError } from '../../platform/errors.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write, writeShared } from '../../platform/http/write.ts';
import type { StoredResponse } from '../../platform/idempotency.ts';
import { submitJournalEntries, type JournalEntry } from '../../ledgerbee/journal.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
import { reverseJournalEntries } from '../../ledgerbee/journal-reversal.ts';
import { journalEntriesById, listAttachments, listJournalEntries, updateJournalReference } from '../../ledgerbee/journal-store.ts';
import { companyIdOf, ledgerbeeDeps } from './context.ts';
import { deprecatedFor } from './deprecation.ts';
import { IdParams, errors, pageOf, paged } from './schemas.ts';
import {
  AttachmentDto,
  CreateJournalEntriesBatchDto,
  CreateJournalEntryDto,
  JOURNAL_BODY_LIMIT,
  JournalBatchResultDto,
  JournalEntryDto,
  JournalListQuery,
  JournalPageDto,
  ReversalBatchResultDto,
  ReverseJournalEntriesBatchDto,
  ReverseJournalEntryDto,
  UpdateJournalEntryDto,
  entryInput,
  journalEntryJson,
  journalEntryView,
} from './journal-schemas.ts';

const tags = ['Journal Entries'];
const tagsV2 = ['Journal Entries (v2)'];
const notFound = () => new DomainError('not_found', 'journal entry not found', 'id', { code: 'JOURNAL_ENTRY_NOT_FOUND' });
const WRITE = { scope: 'journal-entries-write' };
const READ = { scope: 'journal-entries-read' };

/** Journal entries: v2 create and batch, v1 (deprecated) create and batch, list, get, PATCH, attachments, reversals. */
export function journalEntryRoutes(api: SurfaceApp, core: Core) {
  const deps = ledgerbeeDeps(core);

  const createOne = (operationId: string, summary: string, deprecated: boolean) =>
    ({
      bodyLimit: JOURNAL_BODY_LIMIT,
      config: { ...WRITE, ...(deprecated ? deprecatedFor('/api/v2/journal-entries') : {}) },
      schema: { operationId, summary, tags: deprecated ? tags : tagsV2, ...(deprecated ? { deprecated: true } : {}), body: CreateJournalEntryDto, response: { 201: JournalEntryDto, ...errors(400, 401, 403, 404, 413) } },
    }) as const;
  const createBatch = (operationId: string, summary: string, deprecated: boolean) =>
    ({
      bodyLimit: JOURNAL_BODY_LIMIT,
      config: { ...WRITE, ...(deprecated ? deprecatedFor('/api/v2/journal-entries/batch') : {}) },
      schema: { operationId, summary, tags: deprecated ? tags : tagsV2, ...(deprecated ? { deprecated: true } : {}), body: CreateJournalEntriesBatchDto, response: { 201: JournalBatchResultDto, ...errors(400, 401, 403, 404, 413) } },
    }) as const;

  // Posting goes through the ledger's commit queue: concurrent requests share one
  // transaction, one lock of their accounts and one commit (decision 0030).
  const created = (body: string): StoredResponse => ({ status: 201, headers: { 'content-type': JSON_TYPE }, body });
  const one = writeShared(async (commit, request: any) => {
    const answer = ([entry]: JournalEntry[]) => created(journalEntryJson(entry));
    return answer(await submitJournalEntries(deps, companyIdOf(request), [entryInput(request.body)], () => '', commit.options(answer, { created: 201, existing: 201 })));
  });
  const batch = writeShared(async (commit, request: any) => {
    const at = (i: number) => `entries.${i}.`;
    const inputs = (request.body.entries as any[]).map((e, i) => entryInput(e, at(i)));
    const answer = (entries: JournalEntry[]) => created(`{"totalCreated":${entries.length},"entries":[${entries.map(journalEntryJson).join(',')}]}`);
    return answer(await submitJournalEntries(deps, companyIdOf(request), inputs, at, commit.options(answer, { created: 201, existing: 201 })));
  });

  api.post('/v2/journal-entries', createOne('createJournalEntryV2', 'Post a journal entry: one balanced ledger entry (VAT lines and the receivable/payable line of customer and supplier entries added).', false), one);
  api.post('/v2/journal-entries/batch', createBatch('createJournalEntriesBatchV2', 'Post 1–100 journal entries in one transaction: all or none; answers {totalCreated, entries} in request order.', false), batch);
  api.post('/v1/journal-entries', createOne('createJournalEntry', 'Create a single journal entry (DEPRECATED — use POST /api/v2/journal-entries; same semantics).', true), one);
  api.post('/v1/journal-entries/batch', createBatch('createJournalEntriesBatch', 'Create multiple journal entries in batch (DEPRECATED — migrate to POST /api/v2/journal-entries/batch; same semantics).', true), batch);

  api.get(
    '/v1/journal-entries',
    {
      config: READ,
      schema: {
        operationId: 'listJournalEntries',
        summary: 'Posted journal entries, newest date first, filtered by date range, account, customer, vendor, type, category, external system id or reference; paginated.',
        tags,
        querystring: JournalListQuery,
        response: { 200: JournalPageDto, ...errors(400, 401, 403) },
      },
    },
    async (request) => {
      const { page: _p, limit: _l, ...filter } = request.query;
      const page = pageOf(request.query);
      const { items, total } = await listJournalEntries(core.db, companyIdOf(request), filter, { offset: (page.page - 1) * page.limit, limit: page.limit });
      return paged('journalEntries', items.map(journalEntryView), total, page);
    },
  );

  api.get(
    '/v1/journal-entries/:id',
    { config: READ, schema: { operationId: 'getJournalEntry', summary: 'Get a single journal entry.', tags, params: IdParams, response: { 200: JournalEntryDto, ...errors(400, 401, 403, 404) } } },
    async (request) => {
      const entry = (await journalEntriesById(core.db, companyIdOf(request), [request.params.id])).get(request.params.id.toLowerCase());
      if (!entry) throw notFound();
      return journalEntryView(entry);
    },
  );

  api.patch(
    '/v1/journal-entries/:id',
    {
      config: WRITE,
      schema: {
        operationId: 'updateJournalEntry',
        summary: 'Correct the reference and/or set the external system id of a posted entry (nothing else of a posted entry changes).',
        tags,
        params: IdParams,
        body: UpdateJournalEntryDto,
        response: { 200: JournalEntryDto, ...errors(400, 401, 403, 404) },
      },
    },
    write(async (tx, request) => {
      const entry = await updateJournalReference(tx, companyIdOf(request), request.params.id.toLowerCase(), request.body);
      if (!entry) throw notFound();
      return journalEntryView(entry);
    }),
  );

  api.get(
    '/v1/journal-entries/:id/attachments',
    {
      config: READ,
      schema: { operationId: 'listJournalEntryAttachments', summary: 'Get attachments for a journal entry (their metadata).', tags, params: IdParams, response: { 200: Type.Array(AttachmentDto), ...errors(400, 401, 403, 404) } },
    },
    async (request) => {
      const orgId = companyIdOf(request);
      const id = request.params.id.toLowerCase();
      if (!(await journalEntriesById(core.db, orgId, [id])).has(id)) throw notFound();
      return (await listAttachments(core.db, orgId, id)).map((a) => ({ id: a.id, journalEntryId: a.journalEntryId, fileName: a.fileName, contentType: a.contentType, size: a.sizeBytes, createdAt: a.createdAt.toISOString() }));
    },
  );

  api.post(
    '/v1/journal-entries/:id/reverse',
    {
      config: WRITE,
      schema: {
        operationId: 'reverseJournalEntry',
        summary: 'Reverse a posted journal entry: a new entry with the postings negated, linked both ways (reversesId / reversedById); a second reversal is 409.',
        tags,
        params: IdParams,
        body: ReverseJournalEntryDto,
        response: { 201: JournalEntryDto, ...errors(400, 401, 403, 404, 409) },
      },
    },
    write(async (tx, request, reply) => {
      const [reversal] = await reverseJournalEntries(deps, tx, companyIdOf(request), [request.params.id.toLowerCase()], { date: request.body.date, description: request.body.description });
      reply.code(201);
      return journalEntryView(reversal);
    }),
  );

  api.post(
    '/v1/journal-entries/reverse',
    {
      config: WRITE,
      schema: {
        operationId: 'reverseJournalEntriesBatch',
        summary: 'Reverse posted journal entries in batch (1–100, all or none).',
        tags,
        body: ReverseJournalEntriesBatchDto,
        response: { 201: ReversalBatchResultDto, ...errors(400, 401, 403, 404, 409) },
      },
    },
    write(async (tx, request, reply) => {
      const ids = request.body.ids.map((id) => id.toLowerCase());
      const reversals = await reverseJournalEntries(deps, tx, companyIdOf(request), ids, { date: request.body.date, description: request.body.description }, (i) => `ids.${i}`);
      reply.code(201);
      return { totalReversed: reversals.length, entries: reversals.map(journalEntryView) };
    }),
  );
}
