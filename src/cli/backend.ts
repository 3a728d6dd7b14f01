import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db.ts';
import { migrate } from '../platform/migrate.ts';
import { systemClock } from '../platform/clock.ts';
import { ApiKeys } from '../platform/identity/api-keys.ts';
import { DataDirLockedError, acquireDataDirLock } from '../platform/data-dir-lock.ts';
import { ADMIN_TOKEN_FILE, adminOperations, readAdminToken, readServerInfo, type AdminOperations, type ServerInfo } from '../platform/admin.ts';

/** A failure to show the operator as one line (exit code 1). */
export class CliError extends Error {}

/** The admin operations the CLI needs, on its own database or through a running server. */
export type Backend = AdminOperations;

/** The running server did not take the connection (so nothing was sent): safe to try the database. */
class Unreachable extends Error {}

/**
 * Runs `fn` against a running server's admin endpoint when `<dataDir>/server.json` names a
 * live process, else against the database opened here: PGlite under the data-directory
 * lock (so never beside a running server), migrated first, closed afterwards.
 */
export async function withBackend<T>(config: Config, fn: (backend: Backend) => Promise<T>): Promise<T> {
  const server = await readServerInfo(config.dataDir);
  let unreachable: Unreachable | null = null;
  if (server) {
    try {
      return await fn(new AdminClient(config.dataDir, server, await tokenFor(config.dataDir, server)));
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      unreachable = error;
    }
  }
  try {
    return await withDatabase(config, async (ops) => fn(ops));
  } catch (error) {
    if (unreachable && error instanceof DataDirLockedError) throw new CliError(`${unreachable.message}, and ${error.message}`);
    throw error;
  }
}

/** Opens the configured database for this process alone (PGlite: under the data-directory lock) and migrates it. */
export async function withDatabase<T>(config: Config, fn: (ops: Backend, applied: string[]) => Promise<T>): Promise<T> {
  let lock: { release(): Promise<void> } | null = null;
  if (!config.databaseUrl) {
    await mkdir(config.dataDir, { recursive: true });
    lock = await acquireDataDirLock(config.dataDir);
  }
  try {
    const db = await openDatabase(config);
    const apiKeys = new ApiKeys(db, systemClock, 0);
    try {
      const applied = await migrate(db);
      return await fn(adminOperations({ db, clock: systemClock, apiKeys }), applied);
    } finally {
      await apiKeys.close();
      await db.close();
    }
  } finally {
    await lock?.release();
  }
}

async function tokenFor(dataDir: string, server: ServerInfo): Promise<string> {
  try {
    return await readAdminToken(dataDir);
  } catch (error: any) {
    const file = path.join(dataDir, ADMIN_TOKEN_FILE);
    const reason = error?.code === 'EACCES' ? 'permission denied; run as the user the server runs as' : error?.code ?? error?.message;
    throw new CliError(`a server (pid ${server.pid}) is running on ${dataDir} but its admin token ${file} cannot be read: ${reason}`);
  }
}

const TIMEOUT_MS = 30_000;

/** The loopback `/_admin/v1` endpoint of the server running on this data directory. */
class AdminClient implements Backend {
  private readonly base: string;

  constructor(
    private readonly dataDir: string,
    private readonly server: ServerInfo,
    private readonly token: string,
  ) {
    this.base = `http://127.0.0.1:${server.port}/_admin/v1`;
  }

  private async call(method: string, pathAndQuery: string, body?: unknown): Promise<any> {
    let response: Response;
    try {
      response = await fetch(this.base + pathAndQuery, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error: any) {
      const code = error?.cause?.code;
      if (code === 'ECONNREFUSED') {
        throw new Unreachable(`the server (pid ${this.server.pid}) named in ${path.join(this.dataDir, 'server.json')} does not answer on 127.0.0.1:${this.server.port}`);
      }
      if (error?.name === 'TimeoutError') throw new CliError(`the server (pid ${this.server.pid}) did not answer within ${TIMEOUT_MS / 1000} s`);
      throw new CliError(`cannot reach the server (pid ${this.server.pid}) on 127.0.0.1:${this.server.port}: ${code ?? error?.cause?.message ?? error?.message}`);
    }
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: reported below by status.
    }
    if (!response.ok) {
      if (response.status === 401) {
        throw new CliError(`the server (pid ${this.server.pid}) refused the admin token in ${path.join(this.dataDir, ADMIN_TOKEN_FILE)}; restart it to reload the token`);
      }
      const detail = typeof json?.detail === 'string' ? json.detail : `the server answered HTTP ${response.status}`;
      throw new CliError(detail);
    }
    if (json === null) throw new CliError(`the server answered HTTP ${response.status} without a JSON body`);
    return json;
  }

  createOrg(body: unknown) {
    return this.call('POST', '/orgs', body);
  }
  async listOrgs() {
    return (await this.call('GET', '/orgs')).data;
  }
  createKey(body: unknown) {
    return this.call('POST', '/keys', body);
  }
  async listKeys(org: unknown) {
    return (await this.call('GET', `/keys?org=${encodeURIComponent(String(org))}`)).data;
  }
  revokeKey(org: unknown, id: unknown) {
    return this.call('DELETE', `/keys/${encodeURIComponent(String(id))}?org=${encodeURIComponent(String(org))}`);
  }
  async listLedgyUsers() {
    return (await this.call('GET', '/ledgy/users')).data;
  }
  setLedgySubscription(body: unknown) {
    return this.call('PUT', '/ledgy/subscription', body);
  }
  createLedgyToken(body: unknown) {
    return this.call('POST', '/ledgy/tokens', body);
  }
  async listLedgyTokens(email: unknown) {
    return (await this.call('GET', `/ledgy/tokens?email=${encodeURIComponent(String(email))}`)).data;
  }
  revokeLedgyToken(email: unknown, id: unknown) {
    return this.call('DELETE', `/ledgy/tokens/${encodeURIComponent(String(id))}?email=${encodeURIComponent(String(email))}`);
  }
}
