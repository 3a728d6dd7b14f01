import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { withKey } from '../../helpers/billing.ts';
import { createOrg } from '../../../src/platform/orgs.ts';

// A key bound to one tenant (`kontor keys create … --tenant <id>`) acts for that tenant only:
// it is the tenant context when X-Tenant-ID is absent, and another tenant in the header is 403.

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('a key bound to a tenant: its tenant is the context; the same tenant in the header is fine; another is 403', async () => {
  const org = await createOrg(t.db, t.clock, { name: 'Bound app' });
  const scopes = ['billing:read', 'billing:write'];
  const bound = withKey(t, org.id, (await t.core.apiKeys.create({ orgId: org.id, surface: 'billing', scopes, mode: 'live', tenant: 'tenant-a' })).secret);
  const app = withKey(t, org.id, (await t.core.apiKeys.create({ orgId: org.id, surface: 'billing', scopes, mode: 'live' })).secret);

  // No header: the bound tenant is the context, so a tenant-scoped create works.
  const created = await bound.call('POST', '/ledger/customers', { email: 'a@tenant.test', name: 'A' });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().tenant_id, 'tenant-a');
  // The same tenant named in the header is the same context.
  assert.equal((await bound.call('GET', `/ledger/customers/${created.json().id}`, undefined, { 'x-tenant-id': 'tenant-a' })).statusCode, 200);
  // Another tenant: refused, in the surface's envelope, naming the header.
  const other = await bound.call('POST', '/ledger/customers', { email: 'b@tenant.test', name: 'B' }, { 'x-tenant-id': 'tenant-b' });
  assert.equal(other.statusCode, 403, other.body);
  assert.equal(other.json().error.param, 'X-Tenant-ID');
  // An unbound key of the same app still needs the header for tenant-scoped work.
  assert.equal((await app.call('POST', '/ledger/customers', { email: 'c@tenant.test', name: 'C' })).statusCode, 401);
  assert.equal((await app.as('tenant-c')('POST', '/ledger/customers', { email: 'c@tenant.test', name: 'C' })).statusCode, 201);
});
