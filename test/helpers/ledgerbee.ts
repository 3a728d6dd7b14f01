import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';
import { createOrg } from '../../src/platform/orgs.ts';
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
