import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';

let counter = 0;

/** Registers a Ledgy user; `call` sends JSON text as given (so money keeps its exact digits). */
export async function ledgyUser(t: TestApp, options: { primaryCurrency?: string; email?: string } = {}) {
  const email = options.email ?? `user${++counter}-${Math.random().toString(36).slice(2, 8)}@ledgy.test`;
  const res = await t.request({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password: 'correct horse', name: 'Test User', ...(options.primaryCurrency ? { primaryCurrency: options.primaryCurrency } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.body}`);
  const { user, accessToken } = res.json();
  const send = (token: string) => (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) =>
    t.request({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const call = send(accessToken);
  /** A personal access token with these scopes, and a caller using it. */
  const pat = async (scopes: string[], extra: object = {}) => {
    const r = await call('POST', '/api/auth/tokens', { name: 'test', scopes, ...extra });
    if (r.statusCode !== 201) throw new Error(`token failed: ${r.body}`);
    return { token: r.json().token as string, id: r.json().id as string, call: send(r.json().token) };
  };
  const account = async (body: object = {}) => {
    const r = await call('POST', '/api/v1/accounts', { name: 'Wise EUR', currencyCode: 'EUR', initialBalance: 0, order: 0, ...body });
    if (r.statusCode !== 201) throw new Error(`account failed: ${r.body}`);
    return r.json();
  };
  return { user, email, token: accessToken as string, call, pat, account };
}

/** A Ledgy error: the status, and a body that is exactly `{ "error": "…" }`. */
export function assertError(res: { statusCode: number; body: string; json: () => any }, status: number, message?: RegExp) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(typeof body.error, 'string');
  if (message) assert.match(body.error, message);
}
