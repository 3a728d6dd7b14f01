import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDb } from '../helpers/db.ts';
import type { Db } from '../../src/platform/db.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { newId } from '../../src/platform/ids.ts';
import { listGroups, seedPartyGroups } from '../../src/ledgerbee/party-groups.ts';
import { createCustomer, customerControlAccount, customerExists, getCustomer, listCustomers, updateCustomer } from '../../src/ledgerbee/customer-store.ts';
import { createVendor, listVendors, vendorControlAccount, vendorExists, type VendorInput } from '../../src/ledgerbee/vendor-store.ts';
import { listContacts, listDepartments } from '../../src/ledgerbee/party-parts.ts';
import { refusalOf } from '../helpers/ledgerbee.ts';

let db: Db;
const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
const receivable = newId();
const payable = newId();
const ledgerAccounts = new Set<string>();
const accountExists = async (_db: unknown, _org: string, id: string) => ledgerAccounts.has(id);
const vendorOptions = { defaultCurrency: 'DKK', accountExists };

async function company() {
  const org = await createOrg(db, clock, { name: 'Company' });
  await seedPartyGroups(db, org.id, { receivableAccountId: receivable, payableAccountId: payable });
  return org.id;
}


const tx = <T>(fn: (tx: import('../../src/platform/db.ts').Queryable) => Promise<T>) => db.transaction(fn);

before(async () => {
  db = await openTestDb({ max: 8 });
});
after(() => db.close());

test('seeded groups: three customer and three vendor groups on the control accounts; seeding twice adds none', async () => {
  const org = await company();
  await seedPartyGroups(db, org, { receivableAccountId: receivable, payableAccountId: payable });
  const customers = await listGroups(db, 'customer', org);
  const vendors = await listGroups(db, 'vendor', org);
  assert.deepEqual(customers.map((g) => g.number), [1, 2, 3]);
  assert.ok(customers.every((g) => g.accountId === receivable));
  assert.ok(vendors.every((g) => g.accountId === payable));
});

test('customers: numbered in sequence when no number is given, sorted numerically, control account from the group', async () => {
  const org = await company();
  const made = [];
  for (const name of ['A', 'B']) made.push(await tx((t) => createCustomer(t, org, { name }, clock.now())));
  const explicit = await tx((t) => createCustomer(t, org, { name: 'C', customerNumber: ' 10 ' }, clock.now()));
  const next = await tx((t) => createCustomer(t, org, { name: 'D' }, clock.now()));
  assert.deepEqual([...made.map((c) => c.customerNumber), explicit.customerNumber, next.customerNumber], ['1', '2', '10', '11']);
  const nine = await tx((t) => createCustomer(t, org, { name: 'E', customerNumber: '9' }, clock.now()));
  assert.deepEqual((await listCustomers(db, org)).map((c) => c.customerNumber), ['1', '2', '9', '10', '11']);
  assert.equal(made[0].customerGroupNumber, 1);
  assert.equal(made[0].vatZone, 'domestic');
  assert.deepEqual(await customerControlAccount(db, org, nine.id), { accountId: receivable });
  assert.equal(await customerExists(db, org, nine.id), true);
  const other = await company();
  assert.equal(await customerExists(db, other, nine.id), false, "another company's id");
  assert.equal(await customerControlAccount(db, other, nine.id), null);
  assert.deepEqual(await refusalOf(() => getCustomer(db, other, nine.id)), ['CUSTOMER_NOT_FOUND', 'id']);
});

test('customers: concurrent creates without numbers all get distinct numbers', async () => {
  const org = await company();
  const made = await Promise.all(Array.from({ length: 12 }, (_, i) => tx((t) => createCustomer(t, org, { name: `P${i}` }, clock.now()))));
  assert.equal(new Set(made.map((c) => c.customerNumber)).size, 12);
});

test('customers: filters by exact number, externalSystemId and metadata pairs (AND)', async () => {
  const org = await company();
  const a = await tx((t) => createCustomer(t, org, { name: 'A', externalSystemId: 'crm-1', metadata: { region: 'eu', tier: 'gold' } }, clock.now()));
  await tx((t) => createCustomer(t, org, { name: 'B', metadata: { region: 'eu', tier: 'silver' } }, clock.now()));
  assert.deepEqual((await listCustomers(db, org, { customerNumber: a.customerNumber })).map((c) => c.name), ['A']);
  assert.deepEqual((await listCustomers(db, org, { customerNumber: a.customerNumber + '0' })).map((c) => c.name), []);
  assert.deepEqual((await listCustomers(db, org, { externalSystemId: 'crm-1' })).map((c) => c.name), ['A']);
  assert.deepEqual((await listCustomers(db, org, { metadata: { region: 'eu' } })).map((c) => c.name), ['A', 'B']);
  assert.deepEqual((await listCustomers(db, org, { metadata: { region: 'eu', tier: 'gold' } })).map((c) => c.name), ['A']);
  assert.deepEqual((await listCustomers(db, org, { metadata: { region: 'us' } })).map((c) => c.name), []);
  const other = await company();
  assert.deepEqual(await listCustomers(db, other, { externalSystemId: 'crm-1' }), [], 'tenant scoping regardless of the filter');
});

test('customers: unique number and externalSystemId, group and parent checks', async () => {
  const org = await company();
  const a = await tx((t) => createCustomer(t, org, { name: 'A', customerNumber: '100', externalSystemId: 'x' }, clock.now()));
  assert.deepEqual(await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', customerNumber: '100' }, clock.now()))), ['CUSTOMER_NUMBER_ALREADY_EXISTS', 'customerNumber']);
  assert.deepEqual(await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', externalSystemId: 'x' }, clock.now()))), ['EXTERNAL_SYSTEM_ID_ALREADY_EXISTS', 'externalSystemId']);
  assert.deepEqual(await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', customerGroupId: newId() }, clock.now()))), ['CUSTOMER_GROUP_NOT_FOUND', 'customerGroupId']);
  assert.deepEqual(await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', billingRelationship: 'parent_pays' }, clock.now()))), ['PARENT_CUSTOMER_INVALID', 'parentCustomerId']);
  assert.deepEqual(
    await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', billingRelationship: 'parent_pays', parentCustomerId: newId() }, clock.now()))),
    ['CUSTOMER_NOT_FOUND', 'parentCustomerId'],
  );
  const child = await tx((t) => createCustomer(t, org, { name: 'Child', billingRelationship: 'parent_pays', parentCustomerId: a.id }, clock.now()));
  assert.equal(child.parentCustomerId, a.id);
  assert.deepEqual(
    await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'Grandchild', billingRelationship: 'parent_pays', parentCustomerId: child.id }, clock.now()))),
    ['PARENT_CUSTOMER_INVALID', 'parentCustomerId'],
  );
  assert.deepEqual(await refusalOf(() => tx((t) => updateCustomer(t, org, a.id, { billingRelationship: 'parent_pays', parentCustomerId: a.id }, clock.now()))), ['PARENT_CUSTOMER_INVALID', 'parentCustomerId']);
  const other = await company();
  assert.deepEqual(
    await refusalOf(() => tx((t) => createCustomer(t, other, { name: 'B', billingRelationship: 'parent_pays', parentCustomerId: a.id }, clock.now()))),
    ['CUSTOMER_NOT_FOUND', 'parentCustomerId'],
    "another company's customer is no parent",
  );
});

test('customers: contacts need one default (a single one is made default), departments kept in order; PATCH changes only what it names', async () => {
  const org = await company();
  const c = await tx((t) => createCustomer(t, org, { name: 'A', contacts: [{ name: 'Ann' }], departments: [{ name: 'Sales' }, { name: 'Ops', countryCode: 'dk' }] }, clock.now()));
  assert.deepEqual((await listContacts(db, 'customer', org, c.id)).map((x) => [x.name, x.isDefault]), [['Ann', true]]);
  assert.deepEqual((await listDepartments(db, 'customer', org, c.id)).map((x) => [x.name, x.countryCode]), [['Sales', null], ['Ops', 'DK']]);
  assert.deepEqual(await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', contacts: [{ name: 'x' }, { name: 'y' }] }, clock.now()))), ['CONTACT_DEFAULT_REQUIRED', 'contacts']);
  assert.deepEqual(
    await refusalOf(() => tx((t) => createCustomer(t, org, { name: 'B', contacts: [{ name: 'x', isDefault: true }, { name: 'y', isDefault: true }] }, clock.now()))),
    ['CONTACT_MULTIPLE_DEFAULTS', 'contacts.1.isDefault'],
  );
  clock.advance(1000);
  const changed = await tx((t) => updateCustomer(t, org, c.id, { email: 'a@example.com', vatZone: 'eu', contacts: [{ name: 'Bo' }, { name: 'Cy', isDefault: true }] }, clock.now()));
  assert.equal(changed.name, 'A');
  assert.equal(changed.email, 'a@example.com');
  assert.equal(changed.vatZone, 'eu');
  assert.ok(changed.updatedAt > c.updatedAt);
  assert.deepEqual((await listContacts(db, 'customer', org, c.id)).map((x) => [x.name, x.isDefault]), [['Bo', false], ['Cy', true]]);
  assert.equal((await listDepartments(db, 'customer', org, c.id)).length, 2, 'departments untouched');
  const cleared = await tx((t) => updateCustomer(t, org, c.id, { email: null }, clock.now()));
  assert.equal(cleared.email, null);
  const other = await company();
  assert.deepEqual(await refusalOf(() => tx((t) => updateCustomer(t, other, c.id, { name: 'x' }, clock.now()))), ['CUSTOMER_NOT_FOUND', 'id']);
});

const vendor = (groupId: string, over: Partial<VendorInput> = {}): VendorInput => ({
  vendorNumber: 'V-1',
  name: 'Paper Supplies ApS',
  vendorGroupId: groupId,
  contacts: [{ name: 'Dorte', email: 'dorte@example.com' }],
  ...over,
});

test('vendors: create answers id and number; the list sorts by number with the group name; contacts and the control account', async () => {
  const org = await company();
  const [group] = await listGroups(db, 'vendor', org);
  const made = await tx((t) => createVendor(t, org, vendor(group.id, { vendorNumber: ' 20 ' }), clock.now(), vendorOptions));
  assert.equal(made.vendorNumber, '20');
  await tx((t) => createVendor(t, org, vendor(group.id, { vendorNumber: '3', currency: 'eur' }), clock.now(), vendorOptions));
  const list = await listVendors(db, org);
  assert.deepEqual(list.map((v) => [v.vendorNumber, v.currency, v.vendorGroupName, v.status]), [['3', 'EUR', 'Domestic vendors', 'active'], ['20', 'DKK', 'Domestic vendors', 'active']]);
  assert.deepEqual((await listContacts(db, 'vendor', org, made.id)).map((c) => [c.name, c.isDefault]), [['Dorte', true]]);
  assert.equal(await vendorExists(db, org, made.id), true);
  assert.deepEqual(await vendorControlAccount(db, org, made.id), { accountId: payable });
  assert.equal(await vendorExists(db, await company(), made.id), false);
});

test('vendors: the named refusals, in the product order', async () => {
  const org = await company();
  const [group] = await listGroups(db, 'vendor', org);
  await tx((t) => createVendor(t, org, vendor(group.id), clock.now(), vendorOptions));
  const refused = (over: Partial<VendorInput>) => refusalOf(() => tx((t) => createVendor(t, org, vendor(group.id, over), clock.now(), vendorOptions)));
  assert.deepEqual(await refused({ vendorNumber: 'V-1 ' }), ['VENDOR_NUMBER_ALREADY_EXISTS', 'vendorNumber']);
  assert.deepEqual(await refused({ vendorNumber: 'V-1', vendorGroupId: newId() }), ['VENDOR_NUMBER_ALREADY_EXISTS', 'vendorNumber'], 'the number is checked first');
  assert.deepEqual(await refused({ vendorNumber: 'V-2', contacts: [] }), ['CONTACT_DEFAULT_REQUIRED', 'contacts']);
  assert.deepEqual(await refused({ vendorNumber: 'V-2', contacts: [{ name: 'a' }, { name: 'b' }] }), ['CONTACT_DEFAULT_REQUIRED', 'contacts']);
  assert.deepEqual(await refused({ vendorNumber: 'V-2', contacts: [{ name: 'a', isDefault: true }, { name: 'b' }, { name: 'c', isDefault: true }] }), ['CONTACT_MULTIPLE_DEFAULTS', 'contacts.2.isDefault']);
  assert.deepEqual(await refused({ vendorNumber: 'V-2', vendorGroupId: newId() }), ['VENDOR_GROUP_NOT_FOUND', 'vendorGroupId']);
  const otherGroup = (await listGroups(db, 'vendor', await company()))[0];
  assert.deepEqual(await refused({ vendorNumber: 'V-2', vendorGroupId: otherGroup.id }), ['VENDOR_GROUP_NOT_FOUND', 'vendorGroupId'], "another company's group");
  assert.deepEqual(await refused({ vendorNumber: 'V-2', defaultAccountId: newId() }), ['LEDGER_NOT_FOUND', 'defaultAccountId']);
  assert.deepEqual(await refused({ vendorNumber: '  ' }), ['validation', 'vendorNumber']);
  const account = newId();
  ledgerAccounts.add(account);
  const ok = await tx((t) => createVendor(t, org, vendor(group.id, { vendorNumber: 'V-2', defaultAccountId: account }), clock.now(), vendorOptions));
  assert.equal((await listVendors(db, org)).find((v) => v.id === ok.id)?.defaultAccountId, account);
  assert.equal((await listVendors(db, org)).length, 2, 'no refused vendor was stored');
});

test('vendors: two creates racing for one number, one wins and the other is VENDOR_NUMBER_ALREADY_EXISTS', async () => {
  const org = await company();
  const [group] = await listGroups(db, 'vendor', org);
  const results = await Promise.allSettled([1, 2, 3].map(() => tx((t) => createVendor(t, org, vendor(group.id, { vendorNumber: 'RACE' }), clock.now(), vendorOptions))));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as DomainError).details?.code, 'VENDOR_NUMBER_ALREADY_EXISTS');
});
