import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The unprivileged user PostgreSQL runs as when Kontor runs as root (PostgreSQL refuses root). */
export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

export class EmbeddedPostgresError extends Error {}

const POSTGRES_USER = 'postgres';

/**
 * A user's uid and gid from /etc/passwd (read, not spawned: `id` twice cost ~40 ms of every
 * start); from `id` when the user is not there (a directory service through NSS).
 */
function idsOf(name: string): { uid: number; gid: number } | null {
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no such file: ask `id`
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { uid: Number(uid), gid: Number(gid) };
  }
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/**
 * Null when this process is not root (PostgreSQL then runs as this user); else the `postgres`
 * user, created as a system user when missing, as Debian's own packages do.
 */
export function runAsUser(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  let ids = idsOf(POSTGRES_USER);
  if (ids === null) {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', POSTGRES_USER], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (error: any) {
      const detail = String(error?.stderr ?? error?.message ?? '').trim().split('\n')[0];
      throw new EmbeddedPostgresError(
        `running as root, the embedded PostgreSQL needs an unprivileged "${POSTGRES_USER}" user and useradd failed (${detail}); create one, or run Kontor as a normal user`,
      );
    }
    ids = idsOf(POSTGRES_USER);
  }
  if (ids === null) throw new EmbeddedPostgresError(`cannot look up the "${POSTGRES_USER}" user's uid and gid`);
  return { name: POSTGRES_USER, ...ids };
}

/**
 * Whether `user` may use `path` as `test` sees it (`-x`: search a directory or run a file;
 * `-w`: write). Asked of the kernel as that user, so every parent directory, ACLs included,
 * counts.
 */
export function userCan(user: RunAs, test: '-x' | '-w', path: string): boolean {
  const result = spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', path], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return result.status === 0;
}
