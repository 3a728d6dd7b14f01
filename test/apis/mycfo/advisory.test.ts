import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { startFakeLlm, type FakeLlm } from '../../helpers/fake-llm.ts';

const json = { 'content-type': 'application/json' };
const HF_KEY = 'hf_testkey_0123456789abcdef';
const FALLBACK_SUMMARY = 'AI is currently unavailable. Returning computed metrics and alerts only.';
const MEMO = {
  summary: 'Runway is short at 1.67 months; recurring revenue is $2,500 a month.',
  suggestions: ['Cut the recurring vendor spend.', 'Raise prices for new customers.'],
  risks: ['Cash runs out within two months at the current burn.'],
};

let llm: FakeLlm;
let t: TestApp;
before(async () => {
  llm = await startFakeLlm();
  t = await startTestApp({ HUGGINGFACE_API_KEY: HF_KEY, HUGGINGFACE_API_BASE: llm.url, ADVISORY_TIMEOUT_MS: '300' });
  t.clock.set('2026-03-01T09:00:00Z');
});
after(async () => {
  await t?.close();
  await llm?.close();
});

/** A workspace with a short runway (so an alert fires) and rows whose vendors must stay private. */
async function setUp(app: TestApp, email: string) {
  const registered = await app.request({ method: 'POST', url: '/v1/auth/register', headers: json, payload: { org_name: 'Acme', email, password: 'hunter2' } });
  assert.equal(registered.statusCode, 201, registered.body);
  const auth = { ...json, authorization: `Bearer ${registered.json().access_token}` };
  const ws = await app.request({ method: 'POST', url: '/v1/workspaces', headers: auth, payload: { name: 'Acme Corp', cash_on_hand_cents: 500000 } });
  const wsId = ws.json().id as string;
  const expenses = await app.request({
    method: 'POST',
    url: `/v1/workspaces/${wsId}/ingest/expenses`,
    headers: auth,
    payload: {
      expenses: [
        { subtype: 'recurring_expense', amount_cents: 550000, occurred_at: '2026-02-01', vendor: 'Zyxxa Secret Vendor LLC' },
        { subtype: 'one_time_expense', amount_cents: 100000, occurred_at: '2026-02-15', vendor: 'Quillfeather Legal' },
      ],
    },
  });
  assert.equal(expenses.statusCode, 202, expenses.body);
  const revenue = await app.request({
    method: 'POST',
    url: `/v1/workspaces/${wsId}/ingest/revenue`,
    headers: auth,
    payload: { revenue: [{ subtype: 'recurring', amount_cents: 250000, occurred_at: '2026-02-01', description: 'Confidential retainer for Globex' }] },
  });
  assert.equal(revenue.statusCode, 202, revenue.body);
  return { auth, wsId };
}

const advisory = (app: TestApp, auth: Record<string, string>, wsId: string, query = '?as_of=2026-02-28') =>
  app.request({ method: 'GET', url: `/v1/workspaces/${wsId}/advisory${query}`, headers: auth });

const withoutIds = (alerts: any[]) => alerts.map(({ id, created_at, ...rest }) => rest);

test('with the provider answering: the memo, grounded in the metrics and alerts only', async () => {
  const { auth, wsId } = await setUp(t, 'memo@acme.com');
  llm.mode = { kind: 'memo', memo: MEMO, fenced: true };
  llm.requests.length = 0;

  const res = await advisory(t, auth, wsId);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const metrics = (await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/metrics?as_of=2026-02-28`, headers: auth })).json();
  const alerts = (await t.request({ method: 'GET', url: `/v1/workspaces/${wsId}/alerts?as_of=2026-02-28`, headers: auth })).json().data;
  assert.ok(alerts.length >= 1);
  assert.equal(body.workspace_id, wsId);
  assert.equal(body.as_of, '2026-02-28');
  assert.deepEqual([body.summary, body.suggestions, body.risks], [MEMO.summary, MEMO.suggestions, MEMO.risks]);
  assert.equal(body.provider, 'huggingface');
  assert.equal(body.model, 'mistralai/Mistral-7B-Instruct-v0.2');
  assert.equal(body.ai_available, true);
  assert.equal('ai_error' in body, false);
  assert.equal(body.grounding.workspace_name, 'Acme Corp');
  assert.deepEqual(body.grounding.metrics, metrics);
  assert.equal(body.grounding.alert_count, alerts.length);
  assert.deepEqual(withoutIds(body.grounding.alerts), withoutIds(alerts));
  assert.match(body.grounding.alerts[0].id, /^al_/);

  // What the provider was sent: the model, a system and a user prompt with the figures.
  assert.equal(llm.requests.length, 1);
  const sent = llm.requests[0];
  assert.equal(sent.path, '/v1/chat/completions');
  assert.equal(sent.headers.authorization, `Bearer ${HF_KEY}`);
  assert.equal(sent.body.model, 'mistralai/Mistral-7B-Instruct-v0.2');
  assert.deepEqual(
    sent.body.messages.map((m: any) => m.role),
    ['system', 'user'],
  );
  assert.match(sent.body.messages[0].content, /JSON/);
  const prompt = sent.body.messages[1].content as string;
  assert.ok(prompt.includes(`"mrr_cents": ${metrics.mrr_cents}`), prompt);
  assert.ok(prompt.includes(`"burn_cents_30d": ${metrics.burn_cents_30d}`));
  assert.ok(prompt.includes(`"runway_months": ${metrics.runway_months}`));
  assert.ok(prompt.includes('runway_low'));
  // Nothing else of the workspace: no vendors, descriptions, names or ids.
  for (const secret of ['Zyxxa', 'Quillfeather', 'Globex', 'Confidential', 'Acme', wsId, 'org_', 'al_']) {
    assert.equal(sent.raw.includes(secret), false, `the provider must not see ${secret}`);
  }

  // Plain JSON (no fence) is fine too.
  llm.mode = { kind: 'memo', memo: { summary: 'Fine.', suggestions: [], risks: [] } };
  const plain = await advisory(t, auth, wsId);
  assert.equal(plain.json().ai_available, true);
  assert.equal(plain.json().summary, 'Fine.');
});

async function expectFallback(res: Awaited<ReturnType<TestApp['request']>>, aiError: { type: string; code: string; message?: RegExp }) {
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.summary, FALLBACK_SUMMARY);
  assert.deepEqual(body.suggestions, []);
  assert.deepEqual(body.risks, []);
  assert.equal(body.provider, 'fallback');
  assert.equal(body.model, null);
  assert.equal(body.ai_available, false);
  assert.deepEqual(Object.keys(body.ai_error).sort(), ['code', 'message', 'type']);
  assert.equal(body.ai_error.type, aiError.type);
  assert.equal(body.ai_error.code, aiError.code);
  if (aiError.message) assert.match(body.ai_error.message, aiError.message);
  // The computed figures are still there.
  assert.equal(body.grounding.workspace_name, 'Acme Corp');
  assert.equal(typeof body.grounding.metrics.mrr_cents, 'number');
  assert.equal(body.grounding.alert_count, body.grounding.alerts.length);
  assert.ok(!res.body.includes(HF_KEY));
  return body;
}

test('a reply that is not the JSON memo falls back with malformed_response', async () => {
  const { auth, wsId } = await setUp(t, 'malformed@acme.com');
  llm.mode = { kind: 'content', content: 'Sure! Your business looks great, keep going.' };
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'malformed_response' });
  llm.mode = { kind: 'memo', memo: { summary: 42, suggestions: 'more sales', risks: [] } };
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'malformed_response' });
  llm.mode = { kind: 'status', status: 200, body: '<html>not json</html>' };
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'malformed_response' });
});

test('a provider error status falls back with provider_error', async () => {
  const { auth, wsId } = await setUp(t, 'status@acme.com');
  llm.mode = { kind: 'status', status: 500 };
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'provider_error', message: /500/ });
  llm.mode = { kind: 'status', status: 401, body: '{"error":"Invalid credentials in Authorization header"}' };
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'provider_error', message: /401/ });
});

test('a provider slower than ADVISORY_TIMEOUT_MS falls back with provider_timeout', async () => {
  const { auth, wsId } = await setUp(t, 'slow@acme.com');
  llm.mode = { kind: 'hang' };
  const started = Date.now();
  await expectFallback(await advisory(t, auth, wsId), { type: 'upstream_error', code: 'provider_timeout', message: /300 ms/ });
  assert.ok(Date.now() - started < 5000);
});

test('without HUGGINGFACE_API_KEY the memo falls back with huggingface_not_configured, and no call is made', async () => {
  const bare = await startTestApp({ HUGGINGFACE_API_BASE: llm.url });
  try {
    const { auth, wsId } = await setUp(bare, 'bare@acme.com');
    llm.requests.length = 0;
    const body = await expectFallback(await advisory(bare, auth, wsId, ''), { type: 'configuration_error', code: 'huggingface_not_configured' });
    assert.equal(body.ai_error.message, 'HUGGINGFACE_API_KEY is not set.');
    assert.equal(body.as_of, bare.clock.now().toISOString().slice(0, 10));
    assert.equal(llm.requests.length, 0);
  } finally {
    await bare.close();
  }
});

test('an unreachable provider falls back with provider_unavailable', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as any).port;
      s.close(() => resolve(p));
    });
  });
  const app = await startTestApp({ HUGGINGFACE_API_KEY: HF_KEY, HUGGINGFACE_API_BASE: `http://127.0.0.1:${port}/v1` });
  try {
    const { auth, wsId } = await setUp(app, 'down@acme.com');
    await expectFallback(await advisory(app, auth, wsId), { type: 'upstream_error', code: 'provider_unavailable' });
  } finally {
    await app.close();
  }
});

test('errors: unknown workspace 404, bad as_of 422, no token 401; both routes are in the OpenAPI document', async () => {
  const { auth, wsId } = await setUp(t, 'errors@acme.com');
  assert.equal((await advisory(t, auth, 'ws_00000000000000000000000000')).statusCode, 404);
  const bad = await advisory(t, auth, wsId, '?as_of=2026-02-30');
  assert.equal(bad.statusCode, 422, bad.body);
  assert.equal(bad.json().error.param, 'as_of');
  assert.equal((await advisory(t, json, wsId)).statusCode, 401);

  const doc = (await t.request({ method: 'GET', url: '/openapi/mycfo.json' })).json();
  const paths = Object.keys(doc.paths);
  const advisoryPath = paths.find((p) => p.endsWith('/workspaces/{id}/advisory'));
  const stripePath = paths.find((p) => p.endsWith('/workspaces/{id}/ingest/stripe'));
  assert.ok(advisoryPath && stripePath, paths.join(' '));
  const ok = doc.paths[advisoryPath].get.responses['200'].content['application/json'].schema;
  assert.ok(['grounding', 'provider', 'ai_available', 'ai_error'].every((k) => k in ok.properties));
  assert.ok(doc.paths[stripePath].post.responses['502']);
});
