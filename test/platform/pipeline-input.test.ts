import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ledgyUser } from '../helpers/ledgy.ts';
import { mycfoTenant } from '../helpers/mycfo.ts';

/**
 * Guarantees of the shared request pipeline, checked on every surface: input the database
 * cannot hold (NUL characters, absurd nesting) is a validation error naming the field, the
 * Bearer scheme is case-insensitive, and a body that is not JSON is 415.
 */

let t: TestApp;
let kontorAuth: string;
let mycfo: Awaited<ReturnType<typeof mycfoTenant>>;
let ledgy: Awaited<ReturnType<typeof ledgyUser>>;

before(async () => {
  t = await startTestApp();
  kontorAuth = (await t.tenant()).headers.authorization;
  mycfo = await mycfoTenant(t);
  ledgy = await ledgyUser(t);
});
after(async () => t.close());

const kontorToken = () => kontorAuth.slice('Bearer '.length);
const json = { 'content-type': 'application/json' };

type Surface = 'kontor' | 'mycfo' | 'ledgy';
const writes: Record<Surface, { url: string; token: () => string; body: (name: unknown) => Record<string, unknown> }> = {
  kontor: { url: '/kontor/v1/ledgers', token: kontorToken, body: (name) => ({ name }) },
  mycfo: { url: '/v1/workspaces', token: () => mycfo.token, body: (name) => ({ name }) },
  ledgy: { url: '/api/v1/accounts', token: () => ledgy.token, body: (name) => ({ name, currencyCode: 'EUR', initialBalance: 0, order: 0 }) },
};

/** The surface's validation answer, naming `field`. */
function assertValidation(surface: Surface, res: { statusCode: number; body: string; json: () => any; headers: any }, field: string) {
  const body = res.json();
  if (surface === 'kontor') {
    assert.equal(res.statusCode, 400, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(body.field, field);
  } else if (surface === 'mycfo') {
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(body.error.param, field);
    assert.equal(body.error.type, 'invalid_request');
  } else {
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(Object.keys(body), ['error']);
    assert.ok(body.error.includes(field), `the message names ${field}: ${body.error}`);
  }
  assert.doesNotMatch(res.body, /byte sequence|unsupported Unicode|stack|encoding/i, 'no database or engine text');
}

const send = (surface: Surface, payload: string, headers: Record<string, string> = json, scheme = 'Bearer') =>
  t.request({ method: 'POST', url: writes[surface].url, headers: { authorization: `${scheme} ${writes[surface].token()}`, ...headers }, payload });

for (const surface of ['kontor', 'mycfo', 'ledgy'] as const) {
  test(`${surface}: a NUL character in a string is a validation error naming the field`, async () => {
    assertValidation(surface, await send(surface, JSON.stringify(writes[surface].body('Acme\u0000Corp'))), 'name');
  });

  test(`${surface}: a NUL character in a property name is a validation error`, async () => {
    const res = await send(surface, JSON.stringify({ ...writes[surface].body('Acme'), 'me\u0000ta': 1 }));
    assert.ok([400, 422].includes(res.statusCode), res.body);
    assert.doesNotMatch(res.body, /byte sequence|unsupported Unicode/i);
  });

  test(`${surface}: nesting deeper than the limit is a validation error, not a stack overflow`, async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const res = await send(surface, JSON.stringify(writes[surface].body('Acme')).replace(/}$/, `,"metadata":${deep}}`));
    assertValidation(surface, res, 'metadata');
    assert.match(res.body, /nest/i);
  });

  test(`${surface}: the Bearer scheme is case-insensitive`, async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      const res = await send(surface, JSON.stringify(writes[surface].body(`Acme ${scheme}`)), json, scheme);
      assert.equal(res.statusCode, 201, `${scheme}: ${res.body}`);
    }
  });

  test(`${surface}: a JSON body sent as text/plain (or another non-JSON type) is 415`, async () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await send(surface, JSON.stringify(writes[surface].body('Acme')), { 'content-type': type });
      assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
      const body = res.json();
      if (surface === 'kontor') assert.equal(body.status, 415);
      else if (surface === 'mycfo') assert.equal(body.error.code, 'unsupported_media_type');
      else assert.deepEqual(Object.keys(body), ['error']);
    }
  });
}

for (const surface of ['kontor', 'mycfo'] as const) {
  test(`${surface}: application/*+json bodies are still accepted`, async () => {
    const res = await send(surface, JSON.stringify(writes[surface].body('Acme plus json')), { 'content-type': 'application/vnd.api+json; charset=utf-8' });
    assert.equal(res.statusCode, 201, res.body);
  });
}

test('NUL characters in a query string or a path are validation errors', async () => {
  const ledgyRes = await t.request({ method: 'GET', url: '/api/v1/transactions?categoryId=%00', headers: { authorization: `Bearer ${ledgy.token}` } });
  assertValidation('ledgy', ledgyRes, 'categoryId');
  const mycfoRes = await t.request({ method: 'GET', url: '/v1/workspaces?starting_after=ws%00', headers: mycfo.headers });
  assertValidation('mycfo', mycfoRes, 'starting_after');
  const kontorRes = await t.request({ method: 'GET', url: '/kontor/v1/ledgers/ldg%00x', headers: { authorization: kontorAuth } });
  assertValidation('kontor', kontorRes, 'id');
});

test('Ledgy bulk: a NUL character is refused naming the row field, never with database text', async () => {
  const res = await ledgy.call('POST', '/api/v1/transactions/bulk', [
    { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-01', payee: 'ok' },
    { type: 'expense', amount: 1, currencyCode: 'EUR', date: '2026-05-01', payee: 'bad\u0000payee' },
  ]);
  assert.doesNotMatch(res.body, /byte sequence|database/i, res.body);
  if (res.statusCode === 200) {
    assert.equal(res.json().items.length, 1);
    assert.match(res.json().errors[0].error, /payee/);
  } else {
    assertValidation('ledgy', res, '[1].payee');
  }
});

const mcpInit = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const mcp = (authorization: string, payload: unknown) =>
  t.request({ method: 'POST', url: '/mcp', headers: { authorization, ...json, accept: 'application/json, text/event-stream' }, payload: JSON.stringify(payload) });

test('MCP: the Bearer scheme is case-insensitive', async () => {
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const res = await mcp(`${scheme} ${ledgy.token}`, mcpInit);
    assert.equal(res.statusCode, 200, `${scheme}: ${res.body}`);
  }
});

test('MCP: a NUL character in the request is a client error, not a 500', async () => {
  const res = await mcp(`Bearer ${ledgy.token}`, { ...mcpInit, params: { ...mcpInit.params, clientInfo: { name: 'a\u0000b', version: '1' } } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().jsonrpc, '2.0');
  assert.match(res.json().error.message, /clientInfo\.name/);
});
