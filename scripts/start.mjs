// `npm start`: bundles src/ into dist/server.mjs with esbuild (about 50 ms; node_modules stay
// outside the bundle) and runs it. Starting from one JavaScript file instead of ~150
// TypeScript modules through tsx's loader saves most of a second at every start. The bundle
// is made anew each time, so it is never older than the source.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'dist');
async function bundle() {
  const result = await build({
    entryPoints: { server: path.join(root, 'src', 'main.ts') },
    bundle: true,
    // Modules the server imports lazily (Ledgy's MCP tools, with the MCP SDK and zod) stay in
    // chunks of their own, loaded at first use as under tsx.
    splitting: true,
    chunkNames: 'chunks/[name]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
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
}

let bundled = true;
try {
  await bundle();
} catch (error) {
  // A read-only install (or a failed build) still starts: from the TypeScript, through tsx.
  bundled = false;
  console.error(`kontor: running without a bundle (${String(error?.message ?? error).split('\n')[0]})`);
}
if (bundled) {
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(path.join(outDir, 'server.mjs')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'main.ts')).href);
}
