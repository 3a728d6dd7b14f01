#!/usr/bin/env node
// The installed `kontor` command: runs the TypeScript CLI in this process through tsx's
// ESM loader, resolved from this package (not from the caller's directory), with this
// package's tsconfig.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register({ tsconfig: existsSync(tsconfig) ? tsconfig : false });
await import(new URL('../src/cli/main.ts', import.meta.url).href);
