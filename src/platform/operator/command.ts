import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config.ts';
import type { Db, Queryable } from '../db.ts';
import type { Clock } from '../clock.ts';
import type { ApiKeys } from '../identity/api-keys.ts';
import type { WriteRunner } from '../write-runner.ts';
import { DomainError } from '../errors.ts';

/*
 * Operator commands (`kontor …`): the CLI's own (orgs, keys) and each surface's (its manifest's
 * `commands`). The CLI parses the line and hands a command its flags and an OperatorContext.
 */

export type CommandOptions = NonNullable<ParseArgsConfig['options']>;
export type CommandValues = Record<string, string | boolean | undefined>;

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A mistake in the command line (exit code 2). */
export class UsageError extends Error {}
/** A failure to show the operator as one line (exit code 1). */
export class CliError extends Error {}

/** What a command works with: the database (migrated), the key store and the write runner on it. */
export interface OperatorServices {
  db: Db;
  clock: Clock;
  apiKeys: ApiKeys;
  writes: WriteRunner;
  /** The migrations opening the database for this command applied (`kontor migrate` reports them). */
  appliedMigrations: string[];
}

export interface OperatorContext {
  config: Config;
  io: CliIo;
  /** Runs `fn` on the configured database (the running server's, or one started for the command). */
  withServices<T>(fn: (services: OperatorServices) => Promise<T>): Promise<T>;
}

export interface OperatorCommand {
  /** Its words: `orgs create`, `ledgy tokens revoke`. */
  name: string;
  /** Its lines in `kontor --help`. */
  synopsis: string;
  /** What `kontor <name> --help` prints. */
  usage: string;
  options: CommandOptions;
  /** Words after the flags are accepted and handed to `run` as this value, joined with commas (absent: none accepted). */
  positional?: string;
  run(values: CommandValues, context: OperatorContext): Promise<void>;
}

/** An operator's change: through the write runner, audited as the CLI's (surface `cli`, principal `operator`). */
export function operatorWrite<T>(services: OperatorServices, operation: string, orgId: string | null, command: (tx: Queryable) => Promise<T>): Promise<T> {
  return services.writes.execute({ orgId, principalId: 'operator', surface: 'cli', operation, requestId: null }, command);
}

// ---------------------------------------------------------------------------------------
// Output

export const printJson = (io: CliIo, value: unknown) => io.stdout.write(JSON.stringify(value, null, 2) + '\n');

/** `2026-01-02T03:04:05.678Z` → `2026-01-02T03:04:05Z`; null → `-`. */
export const shortTime = (text: string | null) => (text ? text.replace(/\.\d+Z$/, 'Z') : '-');

export function printTable(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) {
    io.stdout.write(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  }
}

/** `name:    value` lines, the names padded to `width`. */
export function printFields(io: CliIo, lines: [string, string][], width = 9): void {
  for (const [name, value] of lines) io.stdout.write(`${(name + ':').padEnd(width)}${value}\n`);
}

const SECRET_SHOWN_ONCE = '\nStore the secret now: it is not shown again and cannot be recovered.\n';

/** A key or token: its fields, when it was revoked, and its secret the one time it is shown. */
export function printCredential(io: CliIo, lines: [string, string][], credential: { revoked_at: string | null; secret?: string }): void {
  const all = [...lines];
  if (credential.revoked_at) all.push(['revoked', shortTime(credential.revoked_at)]);
  if (credential.secret) all.push(['secret', credential.secret]);
  printFields(io, all);
  if (credential.secret) io.stdout.write(SECRET_SHOWN_ONCE);
}

// ---------------------------------------------------------------------------------------
// Flags

export function requiredFlag(values: CommandValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The flag for a field of an operation's input, so errors name what the operator typed. */
const FLAG: Record<string, string> = {
  org: '--org',
  id: '--id',
  name: '--name',
  scopes: '--scopes',
  surface: '--surface',
  mode: '--mode',
  expires_at: '--expires',
  user_id: '--user',
  email: '--email',
  status: '--status',
  trial_ends_at: '--trial-ends',
  tenant: '--tenant',
  ip_allowlist: '--ip',
};

/** Runs an input check; a validation error becomes a usage error naming the flag. */
export function checkFlags<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DomainError && error.code === 'validation') {
      const field = error.field ?? '';
      const flag = FLAG[field];
      throw new UsageError(flag && error.message.startsWith(field + ' ') ? flag + error.message.slice(field.length) : error.message);
    }
    throw error;
  }
}

const DURATION = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--expires`: an ISO 8601 time, or a duration from now such as `30d`, `12h`, `90m`, `2w`. */
export function parseExpires(text: string, now = Date.now(), flag = '--expires'): string {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]];
    if (ms > 0 && Number.isSafeInteger(ms) && now + ms < 8.64e15) return new Date(now + ms).toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) {
    return new Date(trimmed).toISOString();
  }
  throw new UsageError(`${flag} must be an ISO 8601 time (2030-01-31T00:00:00Z) or a duration such as 30d, 12h, 90m or 2w, got "${text}"`);
}
