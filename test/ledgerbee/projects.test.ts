import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/db.ts';
import type { Db, Queryable } from '../../src/platform/db.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { newId } from '../../src/platform/ids.ts';
import { refusalOf } from '../helpers/ledgerbee.ts';
import { seedPartyGroups } from '../../src/ledgerbee/party-groups.ts';
import { createCustomer } from '../../src/ledgerbee/customer-store.ts';
import {
  addSubproject,
  createProject,
  deleteSubproject,
  getProject,
  listProjects,
  updateProject,
  updateSubproject,
  upsertProject,
  type ProjectDimensions,
} from '../../src/ledgerbee/project-store.ts';

let db: Db;
const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));

/** Dimensions as the chart keeps them, in memory: categories by name, values by id. */
const categories = new Map<string, { org: string; name: string }>();
const values = new Map<string, { category: string; name: string }>();
const usedValues = new Set<string>();
const dims: ProjectDimensions = {
  async createCategory(_tx, org, name) {
    if ([...categories.values()].some((c) => c.org === org && c.name.toLowerCase() === name.toLowerCase())) throw new DomainError('conflict', 'name taken', 'name');
    const id = newId();
    categories.set(id, { org, name });
    return id;
  },
  async renameCategory(_tx, _org, id, name) {
    categories.get(id)!.name = name;
  },
  async createValue(_tx, _org, category, name) {
    const id = newId();
    values.set(id, { category, name });
    return id;
  },
  async renameValue(_tx, _org, _category, id, name) {
    values.get(id)!.name = name;
  },
  async deleteValue(_tx, _org, _category, id) {
    if (usedValues.has(id)) throw new DomainError('conflict', 'in use');
    values.delete(id);
  },
};

const tx = <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction(fn);
async function company() {
  const org = await createOrg(db, clock, { name: 'Company' });
  await seedPartyGroups(db, org.id, { receivableAccountId: null, payableAccountId: null });
  return org.id;
}

before(async () => {
  db = await openTestDb({ max: 8 });
});
after(() => db.close());

test('create: a dimension category named after the project, a default subproject, the given ones after it', async () => {
  const org = await company();
  const customer = await tx((t) => createCustomer(t, org, { name: 'Client' }, clock.now()));
  const p = await tx((t) =>
    createProject(t, dims, org, { name: 'Website', customerId: customer.id, budgetHours: 120.5, budgetAmount: 9_500_000n, startDate: '2026-01-01', endDate: '2026-06-30', color: '#ff8800', subprojects: [{ name: 'Design' }, { name: 'Build', budgetHours: 80 }] }, clock.now(), 'DKK'),
  );
  assert.equal(categories.get(p.dimensionId)?.name, 'Website');
  assert.deepEqual(p.subprojects.map((s) => [s.name, s.sortOrder, s.isDefault]), [['General', 0, true], ['Design', 1, false], ['Build', 2, false]]);
  assert.equal(p.defaultSubprojectId, p.subprojects[0].id);
  assert.ok(p.subprojects.every((s) => values.get(s.id)?.category === p.dimensionId), 'subprojects are values of its category');
  assert.deepEqual([p.currency, p.budgetHours, p.budgetAmount, p.startDate, p.endDate, p.color, p.isArchived], ['DKK', 120.5, 9_500_000n, '2026-01-01', '2026-06-30', '#FF8800', false]);
  assert.equal(p.subprojects[2].budgetHours, 80);
  const other = await company();
  assert.deepEqual(await refusalOf(() => getProject(db, other, p.id)), ['PROJECT_NOT_FOUND', 'id']);
});

test('create refusals: dates out of order, an unknown customer, a dimension name taken, nothing half-written', async () => {
  const org = await company();
  assert.deepEqual(await refusalOf(() => tx((t) => createProject(t, dims, org, { name: 'A', startDate: '2026-02-01', endDate: '2026-01-31' }, clock.now(), 'DKK'))), ['validation', 'endDate']);
  assert.deepEqual(await refusalOf(() => tx((t) => createProject(t, dims, org, { name: 'A', customerId: newId() }, clock.now(), 'DKK'))), ['CUSTOMER_NOT_FOUND', 'customerId']);
  await tx((t) => createProject(t, dims, org, { name: 'Taken' }, clock.now(), 'DKK'));
  assert.deepEqual(await refusalOf(() => tx((t) => createProject(t, dims, org, { name: 'taken' }, clock.now(), 'DKK'))), ['conflict', 'name']);
  assert.equal((await listProjects(db, org)).length, 1);
});

test('list hides archived projects unless asked; an archived project is read-only until unarchived', async () => {
  const org = await company();
  const a = await tx((t) => createProject(t, dims, org, { name: 'Alpha' }, clock.now(), 'DKK'));
  await tx((t) => createProject(t, dims, org, { name: 'beta' }, clock.now(), 'DKK'));
  await tx((t) => updateProject(t, dims, org, a.id, { isArchived: true }, clock.now()));
  assert.deepEqual((await listProjects(db, org)).map((p) => p.name), ['beta']);
  assert.deepEqual((await listProjects(db, org, true)).map((p) => [p.name, p.isArchived]), [['Alpha', true], ['beta', false]]);
  assert.deepEqual(await refusalOf(() => tx((t) => updateProject(t, dims, org, a.id, { name: 'Renamed' }, clock.now()))), ['PROJECT_ARCHIVED', 'id']);
  assert.deepEqual(await refusalOf(() => tx((t) => addSubproject(t, dims, org, a.id, { name: 'More' }, clock.now()))), ['PROJECT_ARCHIVED', 'id']);
  await tx((t) => updateProject(t, dims, org, a.id, { isArchived: false }, clock.now()));
  const renamed = await tx((t) => updateProject(t, dims, org, a.id, { name: 'Alpha 2', budgetHours: null }, clock.now()));
  assert.equal(renamed.name, 'Alpha 2');
  assert.equal(categories.get(a.dimensionId)?.name, 'Alpha 2', 'the category follows the name');
});

test('upsert by externalReference: created once, then updated in place; concurrent upserts make one project', async () => {
  const org = await company();
  const first = await tx((t) => upsertProject(t, dims, org, { name: 'Sync', externalReference: 'erp-7', budgetAmount: 100n }, clock.now(), 'DKK'));
  assert.equal(first.created, true);
  clock.advance(1000);
  const second = await tx((t) => upsertProject(t, dims, org, { name: 'Sync renamed', externalReference: ' erp-7 ' }, clock.now(), 'DKK'));
  assert.equal(second.created, false);
  assert.equal(second.project.id, first.project.id);
  assert.equal(second.project.name, 'Sync renamed');
  assert.equal(second.project.budgetAmount, 100n, 'absent fields stay');
  const racing = await Promise.all([1, 2, 3].map((i) => tx((t) => upsertProject(t, dims, org, { name: `Race`, externalReference: 'erp-8', budgetHours: i }, clock.now(), 'DKK'))));
  assert.equal(racing.filter((r) => r.created).length, 1);
  assert.equal(new Set(racing.map((r) => r.project.id)).size, 1);
  assert.deepEqual(await refusalOf(() => tx((t) => createProject(t, dims, org, { name: 'Other', externalReference: 'erp-7' }, clock.now(), 'DKK'))), ['PROJECT_EXTERNAL_REFERENCE_ALREADY_EXISTS', 'externalReference']);
  const other = await company();
  assert.equal((await tx((t) => upsertProject(t, dims, other, { name: 'Sync', externalReference: 'erp-7' }, clock.now(), 'DKK'))).created, true, 'references are per company');
});

test('subprojects: add after the last, update, delete; the default and used ones stay', async () => {
  const org = await company();
  const p = await tx((t) => createProject(t, dims, org, { name: 'Subs' }, clock.now(), 'DKK'));
  const s = await tx((t) => addSubproject(t, dims, org, p.id, { name: ' Phase 1 ', budgetAmount: 5000n }, clock.now()));
  assert.deepEqual([s.name, s.sortOrder, s.isDefault, s.budgetAmount], ['Phase 1', 1, false, 5000n]);
  assert.equal(values.get(s.id)?.category, p.dimensionId);
  const u = await tx((t) => updateSubproject(t, dims, org, p.id, s.id, { name: 'Phase One', sortOrder: 5, budgetAmount: null }, clock.now()));
  assert.deepEqual([u.name, u.sortOrder, u.budgetAmount], ['Phase One', 5, null]);
  assert.equal(values.get(s.id)?.name, 'Phase One');
  assert.deepEqual(await refusalOf(() => tx((t) => deleteSubproject(t, dims, org, p.id, p.defaultSubprojectId, clock.now()))), ['SUBPROJECT_DEFAULT_NOT_DELETABLE', 'subprojectId']);
  assert.deepEqual(await refusalOf(() => tx((t) => deleteSubproject(t, dims, org, p.id, newId(), clock.now()))), ['SUBPROJECT_NOT_FOUND', 'subprojectId']);
  const used = await tx((t) => addSubproject(t, dims, org, p.id, { name: 'Used' }, clock.now()));
  usedValues.add(used.id);
  assert.deepEqual(await refusalOf(() => tx((t) => deleteSubproject(t, dims, org, p.id, used.id, clock.now()))), ['conflict', undefined]);
  assert.equal((await getProject(db, org, p.id)).subprojects.length, 3, 'the refused delete left the row');
  await tx((t) => deleteSubproject(t, dims, org, p.id, s.id, clock.now()));
  assert.deepEqual((await getProject(db, org, p.id)).subprojects.map((x) => x.name), ['General', 'Used']);
  const other = await company();
  assert.deepEqual(await refusalOf(() => tx((t) => addSubproject(t, dims, other, p.id, { name: 'x' }, clock.now()))), ['PROJECT_NOT_FOUND', 'id']);
});
