// `npm start`: runs the server from its bundle (scripts/bundle.mjs), made first when the
// source changed. Starting from one JavaScript file instead of ~150 TypeScript modules through
// tsx's loader saves most of a second at every start.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBundle } from './bundle.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

let bundled = true;
try {
  await ensureBundle(root);
} catch (error) {
  // A read-only install (or a failed build) still starts: from the TypeScript, through tsx.
  bundled = false;
  console.error(`kontor: running without a bundle (${String(error?.message ?? error).split('\n')[0]})`);
}
if (bundled) {
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(path.join(root, 'dist', 'server.mjs')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'main.ts')).href);
}
