// The server's bundle: src/ made into dist/server.mjs by esbuild, made again whenever what it
// is made from changed: a digest of src/, tsconfig.json, package.json, package-lock.json, the
// esbuild version and this file (~20 ms to compute) names the bundle in place, so it is never
// older than the source, and an unchanged checkout starts without loading esbuild at all
// (~0.5 s of `npm start` on the 2-core machine).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIGEST = 'server.digest';

/**
 * Packages bundled in rather than loaded from node_modules at start: pure ESM spread over
 * many files, whose loading cost more than their code (typebox: 709 modules, 230 ms to import
 * against 20 ms bundled; jose: 46 modules, 50 ms against 10). Every other package stays
 * outside: some find files of their own beside their code (pdfkit's fonts, the PostgreSQL
 * binaries) or load optional modules that may be absent (pg-native).
 */
const BUNDLED_PACKAGES = /^(typebox|jose)(\/|$)/;
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** Every file under `dir` (readdir's own `recursive` needs Node 20.1). */
function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

const contentsOf = (file) => {
  try {
    return readFileSync(file);
  } catch {
    return '';
  }
};

/**
 * What the bundle is made from, hashed: every file's path and contents. Read synchronously:
 * nothing else runs yet, and ~300 small reads through the thread pool took twice as long.
 */
function sourceDigest(root) {
  const hash = createHash('sha256');
  const inputs = [...filesUnder(path.join(root, 'src')).sort(), path.join(root, 'tsconfig.json'), path.join(root, 'package.json'), path.join(root, 'package-lock.json'), path.join(root, 'node_modules', 'esbuild', 'package.json'), fileURLToPath(import.meta.url)];
  for (const file of inputs) {
    hash.update(path.relative(root, file));
    hash.update('\0');
    hash.update(contentsOf(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

async function bundle(root, digest) {
  const outDir = path.join(root, 'dist');
  const digestFile = path.join(outDir, DIGEST);
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { server: path.join(root, 'src', 'main.ts') },
    bundle: true,
    // Modules the server imports lazily (its own modules, loaded while PostgreSQL starts;
    // Ledgy's MCP tools, with the MCP SDK and zod) stay in chunks of their own. Named by
    // content: a server still running from an earlier bundle loads its own lazily.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalPackages],
    sourcemap: 'linked',
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'warning',
  });
  await mkdir(path.join(outDir, 'chunks'), { recursive: true });
  // Written whole and renamed into place: two servers starting at once never run half a file.
  const suffix = `.tmp-${process.pid}`;
  for (const file of result.outputFiles) await writeFile(file.path + suffix, file.contents);
  for (const file of result.outputFiles) await rename(file.path + suffix, file.path);
  // Last: a digest names a bundle only once all of it is in place.
  await writeFile(digestFile + suffix, digest);
  await rename(digestFile + suffix, digestFile);
  await pruneChunks(path.join(outDir, 'chunks'), new Set(result.outputFiles.map((file) => file.path)));
}

/** Chunks of earlier bundles, once no server started in the last day can still load them. */
async function pruneChunks(dir, current) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    if (current.has(file)) continue;
    const info = await stat(file).catch(() => null);
    if (info && info.mtimeMs < dayAgo) await rm(file, { force: true });
  }
}

/**
 * Makes `root`/dist/server.mjs from `root`/src/main.ts unless the bundle there was made from
 * the same sources; says whether it built. Throws when it cannot (a read-only install).
 */
export async function ensureBundle(root) {
  const digest = sourceDigest(root);
  const built = await readFile(path.join(root, 'dist', DIGEST), 'utf8').catch(() => null);
  const present = await stat(path.join(root, 'dist', 'server.mjs')).then(() => true, () => false);
  if (built === digest && present) return false;
  await bundle(root, digest);
  return true;
}
