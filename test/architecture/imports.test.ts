// npm test: first pass only (no database, or nothing that differs between PostgreSQL versions)
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/*
 * The layering, checked on every import in src/: lower layers never import higher ones, a
 * domain module reaches another only through the shared layers below it, and a surface
 * never issues SQL (it calls domain functions, which do).
 */
const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** The layer a file of src/ belongs to: its first folder, or `root` for the composition root (src/*.ts). */
const layerOf = (file: string) => {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length === 1 ? 'root' : parts[0];
};

/** What each layer may import (besides itself and packages). */
const ALLOWED: Record<string, (target: string) => boolean> = {
  platform: () => false,
  ledger: (t) => t === 'platform',
  analytics: (t) => t === 'platform',
  apis: (t) => t !== 'cli' && t !== 'root',
  cli: () => true,
  root: () => true,
};
// Anything else is a domain module (ledgy, mycfo, billing, …): the shared layers only, never a
// surface, the CLI or another domain module.
const allowedFor = (layer: string) => ALLOWED[layer] ?? ((t: string) => t === 'platform' || t === 'ledger' || t === 'analytics');

// Type-only imports are left out where noted below: `import type` leaves no runtime edge.
const IMPORT = /^\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'/gm;
const TYPE_IMPORT = /^\s*import\s+type\s[^;]*?from\s+'([^']+)'/gm;
const DYNAMIC = /import\(\s*'([^']+)'\s*\)/g;

function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const values = [...text.matchAll(IMPORT), ...text.matchAll(DYNAMIC)].map((m) => ({ spec: m[1], typeOnly: false }));
  const types = [...text.matchAll(TYPE_IMPORT)].map((m) => ({ spec: m[1], typeOnly: true }));
  return [...values, ...types].filter((i) => i.spec.startsWith('.'));
}

test('no layer imports one above it, and no domain module imports another', () => {
  const forbidden: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    for (const { spec, typeOnly } of importsOf(file)) {
      const target = layerOf(path.resolve(path.dirname(file), spec));
      if (target === from) continue;
      // A surface is handed the core's services; it may name their type (src/core.ts), not build them.
      if (from === 'apis' && target === 'root' && typeOnly) continue;
      if (!allowedFor(from)(target)) forbidden.push(`${path.relative(SRC, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(forbidden, []);
});

test('surfaces issue no SQL and open no transactions: they call domain functions through the write runner', () => {
  const SQL = /\b(SELECT\s+[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/;
  const offenders = sourceFiles(path.join(SRC, 'apis')).filter((file) => {
    const text = readFileSync(file, 'utf8');
    return /\.(query|transaction)\s*[<(]/.test(text) || [...text.matchAll(/`[^`]*`|'[^'\n]*'/g)].some((m) => SQL.test(m[0]));
  });
  assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
});

test('the checks see every layer (a rename cannot make them pass by accident)', () => {
  const layers = new Set(sourceFiles(SRC).map(layerOf));
  for (const expected of ['platform', 'ledger', 'apis', 'cli', 'root', 'ledgy', 'mycfo', 'billing']) assert.ok(layers.has(expected), expected);
});

/** Which module owns each table: only that module's SQL names it. */
function ownerOfTable(table: string): string {
  if (table.startsWith('ledgy_')) return 'ledgy';
  if (table.startsWith('cfo_')) return 'mycfo';
  if (table.startsWith('billing_')) return 'billing';
  if (table.startsWith('ledgerbee_')) return 'ledgerbee';
  if (['ledgers', 'accounts', 'entries', 'postings', 'account_days'].includes(table)) return 'ledger';
  // Outgoing webhooks are a platform service every surface records events through (decision 0021).
  if (table.startsWith('webhook_')) return 'platform';
  return 'platform';
}

test('a module reaches another module through its functions, never its tables', () => {
  const tables = readdirSync(path.resolve('migrations'))
    .flatMap((f) => [...readFileSync(path.resolve('migrations', f), 'utf8').matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]));
  assert.ok(tables.includes('ledgy_users') && tables.includes('accounts'));
  const crossings: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const layer = layerOf(file);
    if (layer === 'root' || layer === 'cli') continue;
    const sql = [...readFileSync(file, 'utf8').matchAll(/`[^`]*`|'[^'\n]*'/g)].map((m) => m[0]).join('\n');
    for (const table of tables) {
      const owner = ownerOfTable(table);
      // Platform's own tables (orgs, users, keys) are named by platform code only.
      if (owner === layer || (owner === 'platform' && layer === 'platform')) continue;
      if (new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+${table}\\b`, 'i').test(sql)) crossings.push(`${path.relative(SRC, file)} uses ${table}`);
    }
  }
  assert.deepEqual(crossings, []);
});
