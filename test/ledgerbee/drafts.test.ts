import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/db.ts';
import type { Db, Queryable } from '../../src/platform/db.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { newId } from '../../src/platform/ids.ts';
import { bookDraft, createDrafts, deleteDraft, getDraft, listDrafts, replaceDraft, type DraftSummary } from '../../src/ledgerbee/draft-store.ts';
import { refusalOf } from '../helpers/ledgerbee.ts';

let db: Db;
const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
const tx = <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction(fn);
const bank = newId();
const sales = newId();
const summary = (over: Partial<DraftSummary> = {}): DraftSummary => ({
  entryType: 'JOURNAL_ENTRY',
  date: '2026-02-10',
  amount: 10_000n,
  customerId: null,
  vendorId: null,
  externalSystemId: null,
  description: 'Cash sale',
  reference: 'R-1',
  accountIds: [bank, sales],
  ...over,
});

before(async () => {
  db = await openTestDb({ max: 8 });
});
after(() => db.close());

test('drafts: a batch keeps request order; the list filters by every documented field and pages', async () => {
  const org = (await createOrg(db, clock, { name: 'C' })).id;
  const customer = newId();
  const made = await tx((t) =>
    createDrafts(
      t,
      org,
      [
        { body: { n: 1 }, summary: summary() },
        { body: { n: 2 }, summary: summary({ date: '2026-02-12', amount: 50_000n, entryType: 'CUSTOMER_INVOICE', customerId: customer, accountIds: [sales], description: 'Invoice 7 for Acme', reference: null }) },
        { body: { n: 3 }, summary: summary({ date: '2026-01-05', amount: 700n, externalSystemId: 'erp-3', accountIds: [bank] }) },
      ],
      clock.now(),
    ),
  );
  assert.deepEqual(made.map((d) => d.body), [{ n: 1 }, { n: 2 }, { n: 3 }]);
  const ids = async (filter: object, page = { page: 1, limit: 20 }) => (await listDrafts<{ n: number }>(db, org, filter, page)).items.map((d) => d.body.n);
  assert.deepEqual(await ids({}), [2, 1, 3], 'newest date first');
  assert.deepEqual(await ids({ fromDate: '2026-02-10' }), [2, 1]);
  assert.deepEqual(await ids({ toDate: '2026-02-10' }), [1, 3]);
  assert.deepEqual(await ids({ accountId: bank }), [1, 3]);
  assert.deepEqual(await ids({ customerId: customer }), [2]);
  assert.deepEqual(await ids({ vendorId: customer }), []);
  assert.deepEqual(await ids({ journalType: 'CUSTOMER_INVOICE' }), [2]);
  assert.deepEqual(await ids({ minAmount: 10_000n }), [2, 1], 'inclusive');
  assert.deepEqual(await ids({ maxAmount: 10_000n }), [1, 3], 'inclusive');
  assert.deepEqual(await ids({ externalSystemId: 'erp-3' }), [3]);
  assert.deepEqual(await ids({ search: 'acme' }), [2]);
  assert.deepEqual(await ids({ search: 'r-1' }), [1, 3]);
  assert.deepEqual(await ids({ search: '%' }), [], 'no pattern characters');
  const page2 = await listDrafts(db, org, {}, { page: 2, limit: 2 });
  assert.equal(page2.total, 3);
  assert.deepEqual(page2.items.map((d) => (d.body as { n: number }).n), [3]);
  const other = (await createOrg(db, clock, { name: 'D' })).id;
  assert.equal((await listDrafts(db, other, {}, { page: 1, limit: 20 })).total, 0);
  assert.deepEqual(await refusalOf(() => getDraft(db, other, made[0].id)), ['DRAFT_JOURNAL_ENTRY_NOT_FOUND', 'id']);
});

test('book: posts once and keeps the entry id; booking again, updating or deleting a booked draft is 409', async () => {
  const org = (await createOrg(db, clock, { name: 'C' })).id;
  const [draft] = await tx((t) => createDrafts(t, org, [{ body: { n: 1 }, summary: summary() }], clock.now()));
  const posted: unknown[] = [];
  const post = async (body: unknown) => {
    posted.push(body);
    return { id: newId() };
  };
  const booked = await tx((t) => bookDraft(t, org, draft.id, post, clock.now()));
  assert.equal(booked.draft.status, 'booked');
  assert.equal(booked.draft.journalEntryId, booked.entry.id);
  assert.deepEqual(posted, [{ n: 1 }]);
  assert.deepEqual(await refusalOf(() => tx((t) => bookDraft(t, org, draft.id, post, clock.now()))), ['DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED', 'id']);
  assert.deepEqual(await refusalOf(() => tx((t) => replaceDraft(t, org, draft.id, { n: 9 }, summary(), clock.now()))), ['DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED', 'id']);
  assert.deepEqual(await refusalOf(() => tx((t) => deleteDraft(t, org, draft.id))), ['DRAFT_JOURNAL_ENTRY_ALREADY_BOOKED', 'id']);
  assert.equal(posted.length, 1);
});

test('book: two bookings at once post one entry; a refused post leaves the draft unbooked', async () => {
  const org = (await createOrg(db, clock, { name: 'C' })).id;
  const [draft] = await tx((t) => createDrafts(t, org, [{ body: { n: 1 }, summary: summary() }], clock.now()));
  await assert.rejects(tx((t) => bookDraft(t, org, draft.id, async () => { throw new DomainError('unbalanced', 'no'); }, clock.now())));
  assert.equal((await getDraft(db, org, draft.id)).status, 'draft');
  let posts = 0;
  const results = await Promise.allSettled([1, 2, 3].map(() => tx((t) => bookDraft(t, org, draft.id, async () => {
    posts++;
    return { id: newId() };
  }, clock.now()))));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  assert.equal(posts, 1);
});

test('replace and delete an unbooked draft', async () => {
  const org = (await createOrg(db, clock, { name: 'C' })).id;
  const [draft] = await tx((t) => createDrafts(t, org, [{ body: { n: 1 }, summary: summary() }], clock.now()));
  clock.advance(1000);
  const replaced = await tx((t) => replaceDraft(t, org, draft.id, { n: 2 }, summary({ date: '2026-03-01' }), clock.now()));
  assert.deepEqual(replaced.body, { n: 2 });
  assert.ok(replaced.updatedAt > draft.updatedAt);
  await tx((t) => deleteDraft(t, org, draft.id));
  assert.deepEqual(await refusalOf(() => getDraft(db, org, draft.id)), ['DRAFT_JOURNAL_ENTRY_NOT_FOUND', 'id']);
});
