import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { assertError, ledgerbeeCompany } from '../../helpers/ledgerbee.ts';

/* Customers and vendors over HTTP: every operation's success, validation paths, 401, 403 scope, 404 for another company's ids, named codes. */

let t: TestApp;
let c: Awaited<ReturnType<typeof ledgerbeeCompany>>;
let other: Awaited<ReturnType<typeof ledgerbeeCompany>>;
before(async () => {
  t = await startTestApp();
  c = await ledgerbeeCompany(t);
  other = await ledgerbeeCompany(t);
});
after(() => t.close());

const READ_ONLY = ['customers-read', 'vendors-read'];

test('customers: create (next number, group 1), get, list sorted, groups on the receivable account', async () => {
  const groups = await c.ok('GET', '/api/v1/customer-groups');
  assert.deepEqual(groups.map((g: any) => g.number), [1, 2, 3]);
  assert.equal(groups[0].accountId, await c.accountId(5300));
  const made = await c.ok('POST', '/api/v1/customers', { name: 'Hansen ApS', vatNumber: 'DK12345678', countryCode: 'dk', metadata: { crm: 'hub', tier: 'gold' } });
  assert.equal(made.customerNumber, '1');
  assert.deepEqual([made.customerGroupNumber, made.customerGroupName, made.countryCode, made.vatZone, made.billingRelationship, made.isActive], [1, 'Domestic customers', 'DK', 'domestic', 'self', true]);
  assert.deepEqual(await c.ok('GET', `/api/v1/customers/${made.id}`), made);
  await c.ok('POST', '/api/v1/customers', { name: 'Zed', customerNumber: '10', customerGroupId: groups[1].id, customerType: 'individual', vatZone: 'eu' });
  await c.ok('POST', '/api/v1/customers', { name: 'Nine', customerNumber: '9', metadata: { crm: 'hub' } });
  assert.deepEqual((await c.ok('GET', '/api/v1/customers')).map((x: any) => x.customerNumber), ['1', '9', '10']);
});

test('customers: list filters (exact number, externalSystemId, metadata pairs ANDed, at most 10), unknown query refused', async () => {
  const x = await c.ok('POST', '/api/v1/customers', { name: 'Filtered', customerNumber: 'F-1', externalSystemId: 'ext-F1', metadata: { region: 'eu', plan: 'pro' } });
  await c.ok('POST', '/api/v1/customers', { name: 'Other', customerNumber: 'F-2', metadata: { region: 'eu', plan: 'free' } });
  const names = async (query: string) => (await c.ok('GET', `/api/v1/customers?${query}`)).map((y: any) => y.name);
  assert.deepEqual(await names('customerNumber=F-1'), ['Filtered']);
  assert.deepEqual(await names('customerNumber=F'), []);
  assert.deepEqual(await names('externalSystemId=ext-F1'), ['Filtered']);
  assert.deepEqual(await names('metadata[region]=eu'), ['Filtered', 'Other']);
  assert.deepEqual(await names('metadata[region]=eu&metadata[plan]=pro'), ['Filtered']);
  assert.deepEqual(await names(`metadata[region]=eu&${encodeURIComponent('metadata[plan]')}=free`), ['Other']);
  assert.deepEqual(await names('metadata[region]=us'), []);
  const eleven = Array.from({ length: 11 }, (_, i) => `metadata[k${i}]=v`).join('&');
  assertError(await c.call('GET', `/api/v1/customers?${eleven}`), 400, 'SHARED_VALIDATION_FAILED', 'metadata');
  assert.deepEqual(await names(Array.from({ length: 10 }, (_, i) => `metadata[k${i}]=v`).join('&')), []);
  assertError(await c.call('GET', '/api/v1/customers?colour=red'), 400, 'SHARED_VALIDATION_FAILED');
  assert.deepEqual((await other.ok('GET', `/api/v1/customers?externalSystemId=ext-F1`)), [], 'another company sees none');
  assert.ok(x.id);
});

test('customers: validation names the field; unknown fields refused; named refusals', async () => {
  assertError(await c.call('POST', '/api/v1/customers', {}), 400, 'SHARED_VALIDATION_FAILED', 'name');
  assertError(await c.call('POST', '/api/v1/customers', { name: '   ' }), 400, 'SHARED_VALIDATION_FAILED', 'name');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', vatZone: 'mars' }), 400, 'SHARED_VALIDATION_FAILED', 'vatZone');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', colour: 'red' }), 400, 'SHARED_VALIDATION_FAILED');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', contacts: [{ name: 'x' }, { email: 'y@example.com' }] }), 400, 'SHARED_VALIDATION_FAILED', 'contacts.1.name');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', email: 'not-an-email' }), 400, 'SHARED_VALIDATION_FAILED', 'email');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', contacts: [{ name: 'x' }, { name: 'y' }] }), 400, 'CONTACT_DEFAULT_REQUIRED');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', contacts: [{ name: 'x', isDefault: true }, { name: 'y', isDefault: true }] }), 400, 'CONTACT_MULTIPLE_DEFAULTS');
  await c.ok('POST', '/api/v1/customers', { name: 'Dup', customerNumber: 'D-1', externalSystemId: 'dup' });
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', customerNumber: 'D-1' }), 400, 'CUSTOMER_NUMBER_ALREADY_EXISTS');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', externalSystemId: 'dup' }), 400, 'EXTERNAL_SYSTEM_ID_ALREADY_EXISTS');
  const theirGroup = (await other.ok('GET', '/api/v1/customer-groups'))[0];
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', customerGroupId: theirGroup.id }), 404, 'CUSTOMER_GROUP_NOT_FOUND');
  assertError(await c.call('POST', '/api/v1/customers', { name: 'A', billingRelationship: 'parent_pays' }), 400, 'PARENT_CUSTOMER_INVALID');
  const res = await c.call('POST', '/api/v1/customers', '{"name": "broken"', { 'content-type': 'application/json' });
  assertError(res, 400, 'SHARED_VALIDATION_FAILED');
});

test('customers: PATCH changes what it names, replaces contacts; contacts and departments lists', async () => {
  const made = await c.ok('POST', '/api/v1/customers', { name: 'Patchy', contacts: [{ name: 'Ann' }], departments: [{ name: 'Sales' }, { name: 'Ops' }] });
  const changed = await c.ok('PATCH', `/api/v1/customers/${made.id}`, { email: 'p@example.com', isActive: false, contacts: [{ name: 'Bo' }, { name: 'Cy', isDefault: true }] });
  assert.deepEqual([changed.name, changed.email, changed.isActive], ['Patchy', 'p@example.com', false]);
  assert.deepEqual((await c.ok('GET', `/api/v1/customers/${made.id}/contacts`)).map((x: any) => [x.name, x.isDefault]), [['Bo', false], ['Cy', true]]);
  assert.deepEqual((await c.ok('GET', `/api/v1/customers/${made.id}/departments`)).map((x: any) => x.name), ['Sales', 'Ops']);
  assert.equal((await c.ok('PATCH', `/api/v1/customers/${made.id}`, { email: null })).email, null);
  assertError(await c.call('PATCH', `/api/v1/customers/${made.id}`, { name: 5 }), 400, 'SHARED_VALIDATION_FAILED', 'name');
  assertError(await c.call('PATCH', `/api/v1/customers/${made.id}`, { unknown: 1 }), 400, 'SHARED_VALIDATION_FAILED');
  assertError(await c.call('GET', '/api/v1/customers/not-a-uuid'), 400, 'SHARED_VALIDATION_FAILED', 'id');
  // Another company's customer, by every route that names one: 404.
  for (const [method, url, body] of [
    ['GET', `/api/v1/customers/${made.id}`],
    ['PATCH', `/api/v1/customers/${made.id}`, { name: 'Mine' }],
    ['GET', `/api/v1/customers/${made.id}/contacts`],
    ['GET', `/api/v1/customers/${made.id}/departments`],
  ] as const) {
    assertError(await other.call(method, url, body), 404, 'CUSTOMER_NOT_FOUND');
  }
});

test('vendors: create answers {id, vendorNumber}; list with group name; contacts, departments, groups on the payable account', async () => {
  const groups = await c.ok('GET', '/api/v1/vendor-groups');
  assert.equal(groups[0].accountId, await c.accountId(6310));
  const made = await c.ok('POST', '/api/v1/vendors', {
    vendorNumber: ' 100 ',
    name: 'Kontorland A/S',
    vendorGroupId: groups[0].id,
    contacts: [{ name: 'Dorte', email: 'dorte@example.com' }],
    departments: [{ name: 'Accounts' }],
    paymentTerms: 30,
    openingBalance: 125050,
  });
  assert.deepEqual(Object.keys(made).sort(), ['id', 'vendorNumber']);
  assert.equal(made.vendorNumber, '100');
  const [listed] = (await c.ok('GET', '/api/v1/vendors')).filter((v: any) => v.id === made.id);
  assert.deepEqual([listed.name, listed.currency, listed.status, listed.vendorGroupName, listed.paymentTerms, listed.openingBalance], ['Kontorland A/S', 'DKK', 'active', 'Domestic vendors', 30, 125050]);
  assert.deepEqual((await c.ok('GET', `/api/v1/vendors/${made.id}/contacts`)).map((x: any) => [x.name, x.isDefault]), [['Dorte', true]]);
  assert.deepEqual((await c.ok('GET', `/api/v1/vendors/${made.id}/departments`)).map((x: any) => x.name), ['Accounts']);
  for (const url of [`/api/v1/vendors/${made.id}/contacts`, `/api/v1/vendors/${made.id}/departments`]) assertError(await other.call('GET', url), 404, 'VENDOR_NOT_FOUND');
  assert.equal((await other.ok('GET', '/api/v1/vendors')).length, 0);
});

test('vendors: the named refusals and validation paths', async () => {
  const [group] = await c.ok('GET', '/api/v1/vendor-groups');
  const base = { vendorNumber: 'V-9', name: 'V', vendorGroupId: group.id, contacts: [{ name: 'a' }] };
  await c.ok('POST', '/api/v1/vendors', base);
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-9 ' }), 400, 'VENDOR_NUMBER_ALREADY_EXISTS');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', contacts: [] }), 400, 'CONTACT_DEFAULT_REQUIRED');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', contacts: [{ name: 'a', isDefault: true }, { name: 'b', isDefault: true }] }), 400, 'CONTACT_MULTIPLE_DEFAULTS');
  const theirGroup = (await other.ok('GET', '/api/v1/vendor-groups'))[0];
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', vendorGroupId: theirGroup.id }), 404, 'VENDOR_GROUP_NOT_FOUND');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', defaultAccountId: await other.accountId(5300) }), 404, 'LEDGER_NOT_FOUND');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', defaultAccountId: await c.accountId(1000) }), 404, 'LEDGER_NOT_FOUND', undefined);
  assert.equal((await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-11', defaultAccountId: await c.accountId(6310) })).statusCode, 201);
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', contacts: undefined }), 400, 'SHARED_VALIDATION_FAILED', 'contacts');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', contacts: [{ name: 'a', isDefault: 'yes' }] }), 400, 'SHARED_VALIDATION_FAILED', 'contacts.0.isDefault');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', paymentTerms: 1e20 }), 400, 'SHARED_VALIDATION_FAILED', 'paymentTerms');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', openingBalance: 1.5 }), 400, 'SHARED_VALIDATION_FAILED', 'openingBalance');
  assertError(await c.call('POST', '/api/v1/vendors', { ...base, vendorNumber: 'V-10', vendorGroupId: 'nope' }), 400, 'SHARED_VALIDATION_FAILED', 'vendorGroupId');
});

test('401 without a key, 403 without the write scope, on every customer and vendor operation', async () => {
  const readOnly = await ledgerbeeCompany(t, { scopes: READ_ONLY });
  const none = await ledgerbeeCompany(t, { scopes: ['company-read'] });
  const id = '550e8400-e29b-41d4-a716-446655440000';
  const reads = ['/api/v1/customers', `/api/v1/customers/${id}`, `/api/v1/customers/${id}/contacts`, `/api/v1/customers/${id}/departments`, '/api/v1/customer-groups', '/api/v1/vendors', `/api/v1/vendors/${id}/contacts`, `/api/v1/vendors/${id}/departments`, '/api/v1/vendor-groups'];
  for (const url of reads) {
    assertError(await t.request({ method: 'GET', url }), 401, 'UNAUTHORIZED');
    const body = assertError(await none.call('GET', url), 403, 'INSUFFICIENT_PERMISSIONS');
    assert.ok(['customers-read', 'vendors-read'].includes(body.details.requiredScopes[0]));
  }
  for (const [method, url, scope] of [['POST', '/api/v1/customers', 'customers-write'], ['PATCH', `/api/v1/customers/${id}`, 'customers-write'], ['POST', '/api/v1/vendors', 'vendors-write']] as const) {
    assertError(await t.request({ method, url, payload: {} }), 401, 'UNAUTHORIZED');
    assert.deepEqual(assertError(await readOnly.call(method, url, { name: 'x' }), 403, 'INSUFFICIENT_PERMISSIONS').details.requiredScopes, [scope]);
  }
});
