import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';
import { createOrg } from '../../src/platform/orgs.ts';
import { DomainError } from '../../src/platform/errors.ts';
import { LEDGERBEE_SCOPES } from '../../src/apis/ledgerbee/context.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CompanyOptions {
  scopes?: readonly string[];
  expiresAt?: Date | null;
  ipAllowList?: string[] | null;
}

/** A LedgerBee company (a new org) with an `x-api-key` holding `scopes` (default: all), and request helpers. */
export async function ledgerbeeCompany(t: TestApp, options: CompanyOptions = {}) {
  const org = await createOrg(t.db, t.clock, { name: 'Bee ApS' });
  return ledgerbeeKey(t, org.id, options);
}

/** Another key of a company, with request helpers bound to it. */
export async function ledgerbeeKey(t: TestApp, orgId: string, options: CompanyOptions = {}) {
  const { secret, key } = await t.core.apiKeys.create({
    orgId,
    surface: 'ledgerbee',
    scopes: [...(options.scopes ?? LEDGERBEE_SCOPES)],
    mode: 'live',
    expiresAt: options.expiresAt ?? null,
    ipAllowList: options.ipAllowList ?? null,
  });
  const headers = { 'x-api-key': secret };
  const call = (method: Method, url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    t.request({ method, url, headers: { ...headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as any }) });
  /** The body of a request that must answer `status`. */
  const ok = async (method: Method, url: string, payload?: unknown, status = method === 'POST' ? 201 : 200) => {
    const res = await call(method, url, payload);
    assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
    return res.json();
  };
  /** The chart's account id for an account number. */
  const accountId = async (number: number): Promise<string> => {
    const accounts = await ok('GET', '/api/v1/accounts');
    const found = accounts.find((a: { accountNumber: number }) => a.accountNumber === number);
    assert.ok(found, `no account ${number}`);
    return found.id;
  };
  return { orgId, keyId: key.id, secret, headers, call, ok, accountId };
}

/** Asserts a LedgerBee error body with `code` (and, for validation, the property path). */
export function assertError(res: { statusCode: number; body: string; json(): any }, status: number, code: string, property?: string) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.statusCode, status);
  assert.equal(body.code, code, res.body);
  assert.equal(typeof body.timestamp, 'string');
  assert.equal(typeof body.path, 'string');
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.details, 'object');
  if (property !== undefined) assert.equal(body.details.validationErrors?.[0]?.property ?? body.details.property, property, res.body);
  return body;
}

/** A customer and a vendor of a company (made through the parties module), for customer and supplier entries. */
export async function ledgerbeeParties(t: TestApp, orgId: string): Promise<{ customerId: string; vendorId: string }> {
  const { createCustomer } = await import('../../src/ledgerbee/customer-store.ts');
  const { createVendor, chartAccountExists } = await import('../../src/ledgerbee/vendor-store.ts');
  const { listGroups } = await import('../../src/ledgerbee/party-groups.ts');
  const { ensureCompany } = await import('../../src/ledgerbee/company-store.ts');
  return t.db.transaction(async (tx) => {
    await ensureCompany({ db: t.db, clock: t.clock, ledger: t.core.ledger }, tx, orgId);
    const customer = await createCustomer(tx, orgId, { name: 'Kunde A/S' }, t.clock.now());
    const [group] = await listGroups(tx, 'vendor', orgId);
    const vendor = await createVendor(tx, orgId, { vendorNumber: `V-${customer.id.slice(-6)}`, name: 'Leverandør ApS', vendorGroupId: group.id, contacts: [{ name: 'Ole', isDefault: true }] }, t.clock.now(), { defaultCurrency: 'DKK', accountExists: chartAccountExists });
    return { customerId: customer.id, vendorId: vendor.id };
  });
}

/** A company's seeded chart and VAT codes by number and code: `accounts[5400]`, `vatCodes.S25G`. */
export type ChartIds = { accounts: Record<number, string>; vatCodes: Record<string, string> };

/** A journal entry request of a sale of `amount` on the seeded chart: revenue 5400 against 1100 with domestic VAT (S25G, gross). */
export const saleEntry = (chart: ChartIds, amount: number, extra: Record<string, unknown> = {}) => ({
  entryType: 'JOURNAL_ENTRY',
  date: '2026-05-01',
  lines: [
    { accountId: chart.accounts[5400], amount },
    { accountId: chart.accounts[1100], amount: -amount, vatCodeId: chart.vatCodes.S25G },
  ],
  ...extra,
});

export async function chartIds(c: Awaited<ReturnType<typeof ledgerbeeCompany>>): Promise<ChartIds> {
  const accounts: Record<number, string> = {};
  const vatCodes: Record<string, string> = {};
  for (const a of await c.ok('GET', '/api/v1/accounts')) accounts[a.accountNumber] = a.id;
  for (const v of await c.ok('GET', '/api/v1/vat-codes')) vatCodes[v.vatCode] = v.id;
  return { accounts, vatCodes };
}

/** Runs `fn` and returns its refusal's product code (or the generic kind) and property; fails when it is not refused. */
export async function refusalOf(fn: () => Promise<unknown>): Promise<[string, string | undefined]> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return [(error.details?.code as string | undefined) ?? error.code, error.field];
  }
  assert.fail('expected a refusal');
}
