/**
 * `npm start` runs the server from a bundle made only when the sources changed
 * (scripts/bundle.mjs): an unchanged checkout starts without esbuild, and a changed, added or
 * removed source file is never served from an older bundle.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain JavaScript module without types
import { ensureBundle } from '../../scripts/bundle.mjs';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

/** A scratch project: src/main.ts importing src/lib/answer.ts. */
async function project() {
  const root = await mkdtemp(path.join(tmpdir(), 'kontor-bundle-'));
  roots.push(root);
  await mkdir(path.join(root, 'src', 'lib'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), '{"type":"module"}');
  await writeFile(path.join(root, 'tsconfig.json'), '{}');
  await writeFile(path.join(root, 'src', 'main.ts'), "import { answer } from './lib/answer.ts';\nconsole.log(answer);\n");
  await writeFile(path.join(root, 'src', 'lib', 'answer.ts'), 'export const answer: number = 41;\n');
  return root;
}
const served = (root: string) => readFile(path.join(root, 'dist', 'server.mjs'), 'utf8');

test('built once, then reused while no source changes', async () => {
  const root = await project();
  assert.equal(await ensureBundle(root), true);
  assert.match(await served(root), /41/);
  const made = (await stat(path.join(root, 'dist', 'server.mjs'))).mtimeMs;
  assert.equal(await ensureBundle(root), false);
  assert.equal((await stat(path.join(root, 'dist', 'server.mjs'))).mtimeMs, made);
});

test('a changed file in a subfolder, an added file, a removed bundle: built again', async () => {
  const root = await project();
  await ensureBundle(root);
  await writeFile(path.join(root, 'src', 'lib', 'answer.ts'), 'export const answer: number = 42;\n');
  assert.equal(await ensureBundle(root), true);
  assert.match(await served(root), /42/);
  // A new file the bundle does not import still changes the digest (it may be imported next).
  await writeFile(path.join(root, 'src', 'lib', 'unused.ts'), 'export const x = 1;\n');
  assert.equal(await ensureBundle(root), true);
  await unlink(path.join(root, 'src', 'lib', 'unused.ts'));
  assert.equal(await ensureBundle(root), true);
  assert.equal(await ensureBundle(root), false);
  await unlink(path.join(root, 'dist', 'server.mjs'));
  assert.equal(await ensureBundle(root), true);
  assert.match(await served(root), /42/);
});

test('a source that does not compile: an error, and the old bundle is not named current', async () => {
  const root = await project();
  await ensureBundle(root);
  await writeFile(path.join(root, 'src', 'lib', 'answer.ts'), 'export const answer: number = ;\n');
  await assert.rejects(ensureBundle(root));
  await writeFile(path.join(root, 'src', 'lib', 'answer.ts'), 'export const answer: number = 43;\n');
  assert.equal(await ensureBundle(root), true);
  assert.match(await served(root), /43/);
});
