// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PROJECT_ROOT } from '../../src/platform/project-root.ts';
import { documentText } from '../../src/platform/http/openapi.ts';
import { CLIENT_TYPES_FILE, CLIENT_TYPES_SOURCE, OPENAPI_DIR, clientTypes, documentFile, lintDocuments, type LintProblem } from '../../scripts/openapi-files.ts';
import { bookAndReadBalance, kontorClient } from './openapi-client.ts';

/**
 * Surfaces whose route files do not yet give every operation an id and a summary (issue 11
 * converts them one at a time): their contract and lint checks run and report, as todo, without
 * failing the suite. A surface leaves this set once its document is clean.
 */
const PENDING = new Set<string>([]);
const REGENERATE = 'run `npm run openapi` and commit docs/openapi/ and test/generated/';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

let t: TestApp;
const served = new Map<string, any>();
before(async () => {
  t = await startTestApp();
  const index = (await t.request({ method: 'GET', url: '/openapi' })).json() as { documents: { name: string; url: string }[] };
  for (const { name, url } of index.documents) {
    const res = await t.request({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    served.set(name, res.json());
  }
});
after(() => t.close());

const pending = (surface: string) => (PENDING.has(surface) ? { todo: `${surface}'s route files are being converted` } : {});

/** Where two JSON values first differ, as a JSON pointer, or null when they are equal. */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return at || '/';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const found = firstDifference((a as any)[key], (b as any)[key], `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    if (found) return found;
  }
  return null;
}

test('every served document is committed under docs/openapi/ as served', async () => {
  const committed = (await readdir(OPENAPI_DIR)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  assert.deepEqual(committed.sort(), [...served.keys()].sort(), `the committed documents are not the served ones: ${REGENERATE}`);
  for (const [surface, document] of served) {
    const text = await readFile(documentFile(surface), 'utf8');
    const where = firstDifference(document, JSON.parse(text));
    assert.equal(where, null, `docs/openapi/${surface}.json differs from /openapi/${surface}.json at ${where}: ${REGENERATE}`);
    assert.equal(text, documentText(document), `docs/openapi/${surface}.json is not in the committed layout: ${REGENERATE}`);
  }
});

test('each document declares its servers and licence, and each operation its id, summary, tags and security', async (s) => {
  const license = (JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { license: string }).license;
  // A route is public when its config says so; the document must then require no credential.
  const publicRoutes = new Set(t.app.routeTable.filter((r) => r.public).map((r) => `${r.surface} ${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
  for (const [surface, document] of served) {
    await s.test(surface, pending(surface), () => {
      assert.ok(Array.isArray(document.servers) && document.servers.length > 0, 'servers');
      assert.equal(document.info.license?.identifier, license);
      const problems: string[] = [];
      for (const [url, item] of Object.entries<any>(document.paths)) {
        for (const method of METHODS.filter((m) => item[m])) {
          const operation = item[method];
          const name = `${method.toUpperCase()} ${url}`;
          if (!operation.operationId) problems.push(`${name}: no operationId`);
          if (!operation.summary) problems.push(`${name}: no summary`);
          if (!operation.tags?.length) problems.push(`${name}: no tags`);
          const security: unknown[] | undefined = operation.security ?? document.security;
          const isPublic = publicRoutes.has(`${surface} ${name}`);
          if (isPublic && security?.length !== 0) problems.push(`${name}: a public route whose document asks for a credential`);
          if (!isPublic && !security?.length) problems.push(`${name}: no security`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});

test("each document passes Redocly's recommended ruleset with no error", async (s) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kontor-openapi-lint-'));
  try {
    const files = new Map<string, string>();
    for (const [surface, document] of served) {
      files.set(surface, path.join(dir, `${surface}.json`));
      await writeFile(files.get(surface)!, documentText(document));
    }
    const results = await lintDocuments([...files.values()]);
    for (const [surface, file] of files) {
      const errors = (results.get(file) ?? []).filter((p) => p.severity === 'error');
      await s.test(surface, pending(surface), () => {
        assert.equal(errors.length, 0, `${surface}: ${summarise(errors)}\nfirst: ${errors.slice(0, 5).map((e) => `${e.ruleId} ${e.pointer}: ${e.message}`).join('\n')}`);
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** "operation-summary ×22, struct ×1": what a merger still has to fix. */
function summarise(problems: LintProblem[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.ruleId, (counts.get(p.ruleId) ?? 0) + 1);
  return [...counts].map(([rule, n]) => `${rule} ×${n}`).join(', ');
}

test('a client generated from docs/openapi/kontor.json compiles and books an entry on the running server', async () => {
  // The committed types are what openapi-typescript makes of the committed document today.
  const document = JSON.parse(await readFile(documentFile(CLIENT_TYPES_SOURCE), 'utf8'));
  assert.equal(await readFile(CLIENT_TYPES_FILE, 'utf8'), await clientTypes(document), `test/generated/kontor-openapi.ts is stale: ${REGENERATE}`);

  // tsc over the client program with the project's compiler options, and nothing else.
  const configFile = ts.readConfigFile(path.join(PROJECT_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, PROJECT_ROOT);
  const program = ts.createProgram([path.join(PROJECT_ROOT, 'test', 'platform', 'openapi-client.ts')], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diagnostics, []);

  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as { port: number };
  const { secret } = await t.tenant();
  const booked = await bookAndReadBalance(kontorClient(`http://127.0.0.1:${port}`, secret));
  assert.match(booked.ledgerId, /^ldg_/);
  assert.match(booked.entryId, /^ent_/);
  assert.equal(booked.balance, '12.50');
  assert.equal(booked.asset, 'USD/2');
});

test('every route schema compiles (validators and serializers compile on first use; a server compiles the rest at start)', async () => {
  const compiled = await t.app.compilePendingSchemas();
  assert.ok(compiled > 100, `compiled ${compiled} validators and serializers`);
  assert.equal(await t.app.compilePendingSchemas(), 0, 'nothing is left to compile');
});
