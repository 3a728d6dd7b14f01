import type { TestApp } from './app.ts';

/** Registers a fresh MyCFO org and returns request helpers bound to its token. */
export async function mycfoTenant(t: TestApp, email = `ceo-${Math.random().toString(36).slice(2)}@acme.test`) {
  const res = await t.request({ method: 'POST', url: '/v1/auth/register', payload: { org_name: 'Acme', email, password: 'hunter2' } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.body}`);
  const { access_token: token, org } = res.json();
  const headers = { authorization: `Bearer ${token}` };
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, extra: Record<string, string> = {}) =>
    t.request({ method, url, headers: { ...headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as any }) });
  const workspace = async (body: object = { name: 'Acme Corp', cash_on_hand_cents: 5000000 }) => {
    const ws = await call('POST', '/v1/workspaces', body);
    if (ws.statusCode !== 201) throw new Error(`workspace failed: ${ws.body}`);
    return ws.json();
  };
  return { token, org, email, headers, call, workspace };
}
