import { Type, type Static } from 'typebox';
import { JOURNAL_TYPES } from '../../ledgerbee/chart.ts';
import type { DraftEntry, DraftFilter, DraftPatch } from '../../ledgerbee/draft-entries.ts';
import { BodyDto, Day, Dto, MinorUnits, Nullable, OneOf, PageOf, PageQuery, Timestamp, Uuid } from './schemas.ts';
import { CreateJournalEntryDto, JournalEntryDto, entryDetailFields, entryInput, type CreateJournalEntry } from './journal-schemas.ts';

/** A draft is written with the journal entry's body (its fields, rules and limits). */
export const CreateDraftJournalEntryDto = BodyDto('CreateDraftJournalEntryDto', CreateJournalEntryDto.properties, 'A journal entry to keep as a draft: checked for what it names now, for balance when booked.');
export const CreateDraftJournalEntriesBatchDto = BodyDto('CreateDraftJournalEntriesBatchDto', { entries: Type.Array(CreateDraftJournalEntryDto, { minItems: 1, maxItems: 100 }) });

const { entryType, date, lines, ...optional } = CreateJournalEntryDto.properties;
export const UpdateDraftJournalEntryDto = BodyDto(
  'UpdateDraftJournalEntryDto',
  { entryType: Type.Optional(entryType), date: Type.Optional(date), lines: Type.Optional(lines), ...optional },
  'The fields to change: a field given replaces the draft’s (`lines` and `attachments` as a whole), null clears an optional one, a field left out stays.',
);
type UpdateDraft = Static<typeof UpdateDraftJournalEntryDto>;

const DraftLineDto = Dto('DraftJournalEntryLineDto', {
  accountId: Uuid,
  amount: Type.Integer({ description: 'Signed minor units, debit positive.' }),
  description: Nullable(Type.String()),
  vatCodeId: Nullable(Uuid),
  customerId: Nullable(Uuid),
  vendorId: Nullable(Uuid),
  dimensionValueIds: Type.Array(Uuid),
});

export const DraftJournalEntryDto = Dto('DraftJournalEntryDto', {
  id: Uuid,
  status: OneOf(['draft', 'booked'] as const),
  journalEntryId: Nullable(Uuid),
  bookedAt: Nullable(Timestamp),
  entryType: OneOf(JOURNAL_TYPES),
  date: Day,
  originalAmount: Nullable(Type.Integer()),
  amount: Type.Integer({ description: 'What the amount filters compare: originalAmount when given, else the sum of the debit lines (minor units).' }),
  currency: Nullable(Type.String()),
  ...entryDetailFields,
  lines: Type.Array(DraftLineDto, { description: 'As written; the receivable/payable line of customer and supplier entries is added when the draft is booked.' }),
  attachments: Type.Array(Dto('DraftAttachmentDto', { fileName: Type.String(), contentType: Type.String(), size: Type.Integer() }), { description: 'Posted with the entry when the draft is booked.' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const DraftBatchResultDto = Dto('DraftJournalEntryBatchResultDto', { totalCreated: Type.Integer(), entries: Type.Array(DraftJournalEntryDto, { description: 'In request order.' }) });
export const DraftPageDto = PageOf('DraftJournalEntryPageDto', 'draftJournalEntries', DraftJournalEntryDto);
export const BookedDraftDto = Dto('BookedDraftJournalEntryDto', { draftJournalEntry: DraftJournalEntryDto, journalEntry: JournalEntryDto });

const filters = {
  ...PageQuery,
  fromDate: Type.Optional(Day),
  toDate: Type.Optional(Day),
  accountId: Type.Optional({ ...Uuid, description: 'Drafts with a line on this account.' }),
  customerId: Type.Optional(Uuid),
  vendorId: Type.Optional(Uuid),
  journalType: Type.Optional(OneOf(JOURNAL_TYPES)),
  minAmount: Type.Optional(MinorUnits('Drafts whose amount is at least this (inclusive).')),
  maxAmount: Type.Optional(MinorUnits('Drafts whose amount is at most this (inclusive).')),
};
export const DraftListQueryV2 = Type.Object(filters, { additionalProperties: false });
export const DraftListQueryV1 = Type.Object(
  {
    ...filters,
    externalSystemId: Type.Optional(Type.String({ maxLength: 255, description: 'Exact match (not unique: zero or more drafts).' })),
    search: Type.Optional(Type.String({ maxLength: 255, description: 'Case-insensitive text in description or reference.' })),
  },
  { additionalProperties: false },
);

/** A list query as the domain's filter. */
export function draftFilter(query: Static<typeof DraftListQueryV1>): DraftFilter {
  const { page: _p, limit: _l, minAmount, maxAmount, accountId, customerId, vendorId, ...rest } = query;
  return {
    ...rest,
    accountId: accountId?.toLowerCase(),
    customerId: customerId?.toLowerCase(),
    vendorId: vendorId?.toLowerCase(),
    minAmount: minAmount === undefined ? undefined : BigInt(minAmount),
    maxAmount: maxAmount === undefined ? undefined : BigInt(maxAmount),
  };
}

/** A PATCH body as the domain's patch: the fields given, converted as a create's are. */
export function draftPatch(body: UpdateDraft): DraftPatch {
  const converted = entryInput({ entryType: 'JOURNAL_ENTRY', date: '2000-01-01', lines: [], ...body } as CreateJournalEntry);
  return Object.fromEntries(Object.keys(body).map((key) => [key, converted[key as keyof typeof converted]]));
}

export const draftView = (d: DraftEntry) => {
  const b = d.body;
  const debits = b.lines.reduce((sum, l) => (BigInt(l.amount) > 0n ? sum + BigInt(l.amount) : sum), 0n);
  return {
    id: d.id,
    status: d.status,
    journalEntryId: d.journalEntryId,
    bookedAt: d.bookedAt?.toISOString() ?? null,
    entryType: b.entryType,
    date: b.date,
    originalAmount: b.originalAmount === null ? null : Number(b.originalAmount),
    amount: Number(b.originalAmount ?? debits),
    currency: b.currency,
    customerId: b.customerId,
    vendorId: b.vendorId,
    description: b.description,
    reference: b.reference,
    externalSystemId: b.externalSystemId,
    journalCategoryId: b.journalCategoryId,
    tagIds: b.tagIds,
    lines: b.lines.map((l) => ({ ...l, amount: Number(l.amount) })),
    attachments: b.attachments.map((a) => ({ fileName: a.fileName, contentType: a.contentType, size: Buffer.byteLength(a.data, 'base64') })),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
};
