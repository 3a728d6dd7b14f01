import { Type, type Static } from 'typebox';
import { DomainError } from '../../platform/errors.ts';
import { JOURNAL_TYPES } from '../../ledgerbee/chart.ts';
import type { AttachmentInput, JournalEntry, JournalEntryInput, JournalLine } from '../../ledgerbee/journal.ts';
import { BodyDto, Day, Dto, MinorUnits, Nullable, OneOf, PageOf, PageQuery, Timestamp, Uuid } from './schemas.ts';

/** Attachments: at most 10 per entry, each at most 10 MB, of these types (checked against the file's first bytes too). */
export const MAX_ATTACHMENTS = 10;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** The whole body of a create (attachments are base64 inside it) stays under 15 MB. */
export const JOURNAL_BODY_LIMIT = 15 * 1024 * 1024;
const MAGIC: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
export const ATTACHMENT_TYPES = Object.keys(MAGIC);

export const JournalLineRequestDto = BodyDto('JournalEntryLineRequestDto', {
  accountId: Uuid,
  amount: MinorUnits('Signed integer minor units (øre), debit positive, not zero. With a Gross VAT code the amount includes the VAT; with a Net code the VAT comes on top.'),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  vatCodeId: Type.Optional(Nullable(Uuid)),
  customerId: Type.Optional(Nullable(Uuid)),
  vendorId: Type.Optional(Nullable(Uuid)),
  dimensionValueIds: Type.Optional(Type.Array(Uuid, { maxItems: 10 })),
});

export const AttachmentRequestDto = BodyDto('AttachmentRequestDto', {
  fileName: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ maxLength: 100, description: `One of ${ATTACHMENT_TYPES.join(', ')} (else INVALID_ATTACHMENT_TYPE).` }),
  data: Type.String({ description: 'The file, base64.', maxLength: Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 4 }),
});

export const CreateJournalEntryDto = BodyDto('CreateJournalEntryDto', {
  entryType: OneOf(JOURNAL_TYPES),
  date: Day,
  originalAmount: Type.Optional(Nullable(MinorUnits('Customer and supplier entries: the gross amount, invoice or payment positive, credit note or refund negative (default: what the lines come to).'))),
  lines: Type.Array(JournalLineRequestDto, { minItems: 1, maxItems: 50 }),
  customerId: Type.Optional(Nullable(Uuid)),
  vendorId: Type.Optional(Nullable(Uuid)),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  reference: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  externalSystemId: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  currency: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{3}$', description: "ISO 4217; default and only value: the company's currency." }))),
  tagIds: Type.Optional(Type.Array(Uuid, { maxItems: 20 })),
  journalCategoryId: Type.Optional(Nullable(Uuid)),
  attachments: Type.Optional(Type.Array(AttachmentRequestDto, { maxItems: MAX_ATTACHMENTS })),
});
export type CreateJournalEntry = Static<typeof CreateJournalEntryDto>;

export const CreateJournalEntriesBatchDto = BodyDto('CreateJournalEntriesBatchDto', { entries: Type.Array(CreateJournalEntryDto, { minItems: 1, maxItems: 100 }) });

export const UpdateJournalEntryDto = BodyDto('UpdateJournalEntryDto', {
  reference: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  externalSystemId: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
});

export const ReverseJournalEntryDto = BodyDto('ReverseJournalEntryDto', {
  date: Type.Optional(Nullable(Day)),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
});
export const ReverseJournalEntriesBatchDto = BodyDto('ReverseJournalEntriesBatchDto', {
  ids: Type.Array(Uuid, { minItems: 1, maxItems: 100 }),
  date: Type.Optional(Nullable(Day)),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
});

const JournalLineDto = Dto('JournalEntryLineDto', {
  accountId: Uuid,
  amount: Type.Integer({ description: 'As sent: signed minor units, debit positive.' }),
  vatCodeId: Nullable(Uuid),
  vatAmount: Type.Integer({ description: 'The VAT the line carried, same sign as the line (0 without a VAT code).' }),
  postedAmount: Type.Integer({ description: "What posted on the line's account (the amount less VAT for a Gross code)." }),
  description: Nullable(Type.String()),
  customerId: Nullable(Uuid),
  vendorId: Nullable(Uuid),
  dimensionValueIds: Type.Array(Uuid),
  isSystemLine: Type.Boolean({ description: 'The receivable or payable line the server added.' }),
});

/** What an entry and a draft both answer with about whom and what it is for. */
export const entryDetailFields = {
  customerId: Nullable(Uuid),
  vendorId: Nullable(Uuid),
  description: Nullable(Type.String()),
  reference: Nullable(Type.String()),
  externalSystemId: Nullable(Type.String()),
  journalCategoryId: Nullable(Uuid),
  tagIds: Type.Array(Uuid),
};

export const JournalEntryDto = Dto('JournalEntryDto', {
  id: Uuid,
  entryType: OneOf(JOURNAL_TYPES),
  date: Day,
  originalAmount: Nullable(Type.Integer()),
  currency: Type.String(),
  ...entryDetailFields,
  lines: Type.Array(JournalLineDto),
  reversesId: Nullable(Uuid),
  reversedById: Nullable(Uuid),
  createdAt: Timestamp,
});

export const JournalBatchResultDto = Dto('JournalEntryBatchResultDto', { totalCreated: Type.Integer(), entries: Type.Array(JournalEntryDto, { description: 'In request order.' }) });
export const ReversalBatchResultDto = Dto('JournalEntryReversalBatchResultDto', { totalReversed: Type.Integer(), entries: Type.Array(JournalEntryDto, { description: 'The reversals, in request order.' }) });
export const JournalPageDto = PageOf('JournalEntryPageDto', 'journalEntries', JournalEntryDto);
export const AttachmentDto = Dto('AttachmentDto', { id: Uuid, journalEntryId: Uuid, fileName: Type.String(), contentType: Type.String(), size: Type.Integer(), createdAt: Timestamp });

export const JournalListQuery = Type.Object({
  ...PageQuery,
  fromDate: Type.Optional(Day),
  toDate: Type.Optional(Day),
  accountId: Type.Optional(Uuid),
  customerId: Type.Optional(Uuid),
  vendorId: Type.Optional(Uuid),
  entryType: Type.Optional(OneOf(JOURNAL_TYPES)),
  journalCategoryId: Type.Optional(Uuid),
  externalSystemId: Type.Optional(Type.String({ maxLength: 255 })),
  reference: Type.Optional(Type.String({ maxLength: 255 })),
});

const attachmentError = (property: string, message: string) => new DomainError('validation', message, property, { code: 'INVALID_ATTACHMENT_TYPE' });

/** An attachment's bytes, refused (`INVALID_ATTACHMENT_TYPE`) when its type is not allowed or its content is not that type, or too large. */
function attachmentOf(a: { fileName: string; contentType: string; data: string }, path: string): AttachmentInput {
  const type = a.contentType.toLowerCase().split(';')[0].trim();
  const magic = MAGIC[type];
  if (!magic) throw attachmentError(`${path}.contentType`, `contentType must be one of ${ATTACHMENT_TYPES.join(', ')}`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(a.data)) throw new DomainError('validation', 'data must be base64', `${path}.data`);
  const data = Buffer.from(a.data, 'base64');
  if (data.length === 0) throw new DomainError('validation', 'data must not be empty', `${path}.data`);
  if (data.length > MAX_ATTACHMENT_BYTES) throw new DomainError('validation', `an attachment holds at most ${MAX_ATTACHMENT_BYTES} bytes`, `${path}.data`, { code: 'ATTACHMENT_TOO_LARGE' });
  if (!magic(data)) throw attachmentError(`${path}.data`, `the file is not ${type}`);
  return { fileName: a.fileName, contentType: type, data };
}

/** A create body as the domain takes it; property paths start with `at`. */
export function entryInput(body: CreateJournalEntry, at = ''): JournalEntryInput {
  return {
    entryType: body.entryType,
    date: body.date,
    originalAmount: body.originalAmount == null ? null : BigInt(body.originalAmount),
    lines: body.lines.map((l) => ({
      accountId: l.accountId.toLowerCase(),
      amount: BigInt(l.amount),
      description: l.description ?? null,
      vatCodeId: l.vatCodeId?.toLowerCase() ?? null,
      customerId: l.customerId?.toLowerCase() ?? null,
      vendorId: l.vendorId?.toLowerCase() ?? null,
      dimensionValueIds: (l.dimensionValueIds ?? []).map((id) => id.toLowerCase()),
    })),
    customerId: body.customerId?.toLowerCase() ?? null,
    vendorId: body.vendorId?.toLowerCase() ?? null,
    description: body.description ?? null,
    reference: body.reference ?? null,
    externalSystemId: body.externalSystemId ?? null,
    currency: body.currency ?? null,
    tagIds: body.tagIds ?? [],
    journalCategoryId: body.journalCategoryId?.toLowerCase() ?? null,
    attachments: (body.attachments ?? []).map((a, i) => attachmentOf(a, `${at}attachments.${i}`)),
  };
}

/** What JSON.stringify would escape in a string (a lone surrogate too): text without any is quoted as it is. */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
/** A JSON string, or null (JSON.stringify costs five times the test, and nearly no text needs it). */
const text = (v: string | null) => (v === null ? 'null' : ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`);
/** The ISO text of the last instant asked for: a request's entries share their creation time, and toISOString costs a microsecond or more. */
let lastInstant = NaN;
let lastIso = '';
function iso(d: Date): string {
  const ms = d.getTime();
  if (ms !== lastInstant) {
    lastIso = d.toISOString();
    lastInstant = ms;
  }
  return lastIso;
}
/** A uuid (no character JSON escapes), or null. */
const uuid = (v: string | null) => (v === null ? 'null' : `"${v}"`);
const uuids = (v: string[]) => (v.length === 0 ? '[]' : `["${v.join('","')}"]`);

/** The end of a line that names no description, party or dimension value and that the client sent: most lines. */
const PLAIN_LINE_END = ',"description":null,"customerId":null,"vendorId":null,"dimensionValueIds":[],"isSystemLine":false}';

/**
 * A line of `journalEntryJson`. Each piece joined makes a node the answer's text is later
 * flattened from (a batch's answer had some 13,000, flattened in 150 µs): the quotes go in the
 * constant pieces, and a plain line ends in one constant.
 */
function lineJson(l: JournalLine): string {
  const start =
    l.vatCodeId === null
      ? `{"accountId":"${l.accountId}","amount":${Number(l.amount)},"vatCodeId":null,"vatAmount":${Number(l.vatAmount)},"postedAmount":${Number(l.postedAmount)}`
      : `{"accountId":"${l.accountId}","amount":${Number(l.amount)},"vatCodeId":"${l.vatCodeId}","vatAmount":${Number(l.vatAmount)},"postedAmount":${Number(l.postedAmount)}`;
  if (l.description === null && l.customerId === null && l.vendorId === null && l.dimensionValueIds.length === 0 && !l.system) return start + PLAIN_LINE_END;
  return (
    start +
    `,"description":${text(l.description)},"customerId":${uuid(l.customerId)},"vendorId":${uuid(l.vendorId)},"dimensionValueIds":${uuids(l.dimensionValueIds)},"isSystemLine":${l.system}}`
  );
}

/**
 * `JSON.stringify(journalEntryView(e))`, written directly: a batch answers 100 entries of
 * 120 KB, and building the view's objects and then stringifying them cost three times this
 * (test/apis/ledgerbee/journal-entries.test.ts holds the two texts equal).
 */
export function journalEntryJson(e: JournalEntry): string {
  let lines = '';
  for (let i = 0; i < e.lines.length; i++) lines += i === 0 ? lineJson(e.lines[i]) : `,${lineJson(e.lines[i])}`;
  return (
    `{"id":${uuid(e.id)},"entryType":${text(e.entryType)},"date":${text(e.date)},"originalAmount":${e.originalAmount === null ? 'null' : Number(e.originalAmount)},` +
    `"currency":${text(e.currency)},"customerId":${uuid(e.customerId)},"vendorId":${uuid(e.vendorId)},"description":${text(e.description)},"reference":${text(e.reference)},` +
    `"externalSystemId":${text(e.externalSystemId)},"journalCategoryId":${uuid(e.journalCategoryId)},"tagIds":${uuids(e.tagIds)},"lines":[${lines}],` +
    `"reversesId":${uuid(e.reversesId)},"reversedById":${uuid(e.reversedById)},"createdAt":"${iso(e.createdAt)}"}`
  );
}

export const journalEntryView = (e: JournalEntry) => ({
  id: e.id,
  entryType: e.entryType,
  date: e.date,
  originalAmount: e.originalAmount === null ? null : Number(e.originalAmount),
  currency: e.currency,
  customerId: e.customerId,
  vendorId: e.vendorId,
  description: e.description,
  reference: e.reference,
  externalSystemId: e.externalSystemId,
  journalCategoryId: e.journalCategoryId,
  tagIds: e.tagIds,
  lines: e.lines.map((l) => ({
    accountId: l.accountId,
    amount: Number(l.amount),
    vatCodeId: l.vatCodeId,
    vatAmount: Number(l.vatAmount),
    postedAmount: Number(l.postedAmount),
    description: l.description,
    customerId: l.customerId,
    vendorId: l.vendorId,
    dimensionValueIds: l.dimensionValueIds,
    isSystemLine: l.system,
  })),
  reversesId: e.reversesId,
  reversedById: e.reversedById,
  createdAt: e.createdAt.toISOString(),
});
