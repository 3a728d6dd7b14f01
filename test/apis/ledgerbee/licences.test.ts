// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError } from '../../../src/platform/http/errors.ts';
import { ledgerbeeGate } from '../../../src/apis/ledgerbee/auth.ts';
import { ledgerbeeError } from '../../../src/apis/ledgerbee/errors.ts';
import { LEDGERBEE_LICENCES, type Companies } from '../../../src/apis/ledgerbee/context.ts';

/*
 * The licence gate (decision 0030): no operation of part 1 (bookkeeping) needs a licence; the
 * groups the product gates (subscriptions, the customer portal, meters) come with part 2, each
 * route declaring `config.licence`. This pins what such a route answers, per licence.
 */
const companyWith = (licences: string[]) => ({ ensure: async () => {}, get: async () => ({ licences }) }) as unknown as Companies;
const requestFor = (licence: string) => ({ id: 'req-1', url: '/api/v1/subscriptions?x=1', routeOptions: { config: { licence } } }) as any;
const principal = { orgId: '0190a0a0-0000-7000-8000-000000000001' } as any;

for (const licence of LEDGERBEE_LICENCES) {
  test(`a ${licence} route: 403 LICENSE.REQUIRED naming the licence without it, through with it`, async () => {
    const error = await ledgerbeeGate(companyWith(LEDGERBEE_LICENCES.filter((l) => l !== licence)))(requestFor(licence), principal).then(
      () => assert.fail('the gate let a company without the licence through'),
      (e) => e,
    );
    const { status, body } = ledgerbeeError(classifyError(error), requestFor(licence));
    assert.equal(status, 403);
    assert.deepEqual([body.statusCode, body.code, body.path, body.details], [403, 'LICENSE.REQUIRED', '/api/v1/subscriptions', { licenseKey: licence }]);
    await ledgerbeeGate(companyWith([licence]))(requestFor(licence), principal);
  });
}

test('a route without a licence is open to every company', async () => {
  await ledgerbeeGate(companyWith([]))({ id: 'req-2', url: '/api/v1/accounts', routeOptions: { config: {} } } as any, principal);
});
