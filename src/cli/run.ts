import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../platform/config.ts';
import { DomainError } from '../platform/errors.ts';
import { KEY_FORMATS } from '../platform/identity/api-keys.ts';
import { keyIdFrom, newKeyInput, newOrgInput, orgIdFrom, readServerInfo, type KeyView, type OrgView } from '../platform/admin.ts';
import { CliError, withBackend, withDatabase } from './backend.ts';

/** Where the CLI writes and what it reads; the real process in main.ts, fakes in tests. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A mistake in the command line (exit code 2). */
class UsageError extends Error {}

const SURFACES = Object.keys(KEY_FORMATS).join('|');

const USAGE = `kontor: operate a Kontor installation

Usage:
  kontor migrate                                apply pending database migrations
  kontor orgs create --name <name>              create an org
  kontor orgs list                              list orgs
  kontor keys create --org <org> --scopes <a,b> [--surface <s>] [--mode live|sandbox]
                     [--expires <time|30d>] [--name <name>] [--user <user id>]
                                                create an API key; its secret is shown once
  kontor keys list --org <org>                  list an org's API keys (never their secrets)
  kontor keys revoke --org <org> --id <key>     revoke an API key at once

Every command takes --json (machine-readable output) and --help.
Org and key ids are shown as org_<ULID> and key_<ULID>; either form or the uuid is accepted.

Configuration comes from the environment, as for the server: DATA_DIR (default ./data) and
DATABASE_URL. While a server runs on the data directory, commands go through its loopback
admin endpoint (found through <DATA_DIR>/server.json, authorised by <DATA_DIR>/admin-token);
otherwise the CLI opens the database itself.

Exit codes: 0 success, 1 failure, 2 usage error.
`;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  usage: string;
  options: Options;
  run(values: Values, config: Config, io: CliIo): Promise<void>;
}

const json = (io: CliIo, value: unknown) => io.stdout.write(JSON.stringify(value, null, 2) + '\n');

/** `2026-01-02T03:04:05.678Z` → `2026-01-02T03:04:05Z`; null → `-`. */
const time = (text: string | null) => (text ? text.replace(/\.\d+Z$/, 'Z') : '-');

function table(io: CliIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) {
    io.stdout.write(row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd() + '\n');
  }
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** The CLI's flag for a field of the admin API, so errors name what the operator typed. */
const FLAG: Record<string, string> = { org: '--org', id: '--id', name: '--name', scopes: '--scopes', surface: '--surface', mode: '--mode', expires_at: '--expires', user_id: '--user' };

/** Runs a check from the admin API; a validation error becomes a usage error naming the flag. */
function check<T>(fn: () => T): T {
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
export function parseExpires(text: string, now = Date.now()): string {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]];
    if (ms > 0 && Number.isSafeInteger(ms) && now + ms < 8.64e15) return new Date(now + ms).toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) {
    return new Date(trimmed).toISOString();
  }
  throw new UsageError(`--expires must be an ISO 8601 time (2030-01-31T00:00:00Z) or a duration such as 30d, 12h, 90m or 2w, got "${text}"`);
}

function printOrg(io: CliIo, org: OrgView) {
  io.stdout.write(`${org.id}  ${org.name}\n`);
}

function printKey(io: CliIo, key: KeyView & { secret?: string }) {
  const lines: [string, string][] = [
    ['id', key.id],
    ['org', key.org_id],
    ['surface', key.surface],
    ['mode', key.mode],
    ['scopes', key.scopes.join(',')],
    ['name', key.name ?? '-'],
    ['user', key.user_id ?? '-'],
    ['status', key.status],
    ['expires', time(key.expires_at)],
  ];
  if (key.revoked_at) lines.push(['revoked', time(key.revoked_at)]);
  if (key.secret) lines.push(['secret', key.secret]);
  for (const [name, value] of lines) io.stdout.write(`${(name + ':').padEnd(9)}${value}\n`);
  if (key.secret) io.stdout.write('\nStore the secret now: it is not shown again and cannot be recovered.\n');
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: `Usage: kontor migrate [--json]

Applies the migrations in migrations/ that have not run on the database yet (DATABASE_URL,
else the PGlite database under DATA_DIR). The server also migrates when it starts; with
PGlite, stop the server first.
`,
    options: {},
    async run(values, config, io) {
      if (!config.databaseUrl) {
        const server = await readServerInfo(config.dataDir);
        if (server) {
          throw new CliError(
            `a server (pid ${server.pid}) is running on the data directory ${config.dataDir} and applied its migrations when it started; stop it to run kontor migrate`,
          );
        }
      }
      const applied = await withDatabase(config, async (_ops, applied) => applied);
      if (values.json) return void json(io, { applied });
      if (applied.length === 0) io.stdout.write('migrations: up to date\n');
      for (const version of applied) io.stdout.write(`applied ${version}\n`);
    },
  },

  'orgs create': {
    usage: `Usage: kontor orgs create --name <name> [--json]

Creates an org and prints its id and name.
`,
    options: { name: { type: 'string' } },
    async run(values, config, io) {
      const body = { name: required(values, 'name') };
      check(() => newOrgInput(body));
      const org = await withBackend(config, (b) => b.createOrg(body));
      if (values.json) json(io, org);
      else printOrg(io, org);
    },
  },

  'orgs list': {
    usage: `Usage: kontor orgs list [--json]

Lists every org, oldest first.
`,
    options: {},
    async run(values, config, io) {
      const orgs = await withBackend(config, (b) => b.listOrgs());
      if (values.json) return void json(io, orgs);
      if (orgs.length === 0) return void io.stdout.write('no orgs\n');
      table(io, ['ID', 'CREATED', 'NAME'], orgs.map((o) => [o.id, time(o.created_at), o.name]));
    },
  },

  'keys create': {
    usage: `Usage: kontor keys create --org <org> --scopes <scope,...> [options]

Creates an API key and prints its id and secret. The secret is shown only this once;
Kontor keeps nothing but its SHA-256.

  --org <org>          the org: org_<ULID> or its uuid (required)
  --scopes <a,b,...>   comma-separated scopes (required); the kontor surface knows
                       ledger:read and ledger:write
  --surface <surface>  ${SURFACES} (default kontor)
  --mode <mode>        live|sandbox (default live)
  --expires <when>     when the key stops working: an ISO 8601 time (2030-01-31T00:00:00Z)
                       or a duration from now (30d, 12h, 90m, 2w); default never
  --name <name>        a label shown in listings
  --user <user id>     the user (uuid) the key acts for
  --json               print the key as JSON, secret included
`,
    options: {
      org: { type: 'string' },
      scopes: { type: 'string' },
      surface: { type: 'string' },
      mode: { type: 'string' },
      expires: { type: 'string' },
      name: { type: 'string' },
      user: { type: 'string' },
    },
    async run(values, config, io) {
      const body: Record<string, unknown> = {
        org: required(values, 'org'),
        surface: values.surface ?? 'kontor',
        scopes: required(values, 'scopes').split(','),
        mode: values.mode ?? 'live',
      };
      if (values.expires !== undefined) body.expires_at = parseExpires(String(values.expires));
      if (values.name !== undefined) body.name = values.name;
      if (values.user !== undefined) body.user_id = values.user;
      check(() => newKeyInput(body));
      const key = await withBackend(config, (b) => b.createKey(body));
      if (values.json) json(io, key);
      else printKey(io, key);
    },
  },

  'keys list': {
    usage: `Usage: kontor keys list --org <org> [--json]

Lists an org's API keys with the first characters of each secret, never the secret.
`,
    options: { org: { type: 'string' } },
    async run(values, config, io) {
      const org = required(values, 'org');
      check(() => orgIdFrom(org));
      const keys = await withBackend(config, (b) => b.listKeys(org));
      if (values.json) return void json(io, keys);
      if (keys.length === 0) return void io.stdout.write('no keys\n');
      table(
        io,
        ['ID', 'SURFACE', 'MODE', 'START', 'STATUS', 'EXPIRES', 'LAST USED', 'SCOPES', 'NAME'],
        keys.map((k) => [k.id, k.surface, k.mode, k.start + '…', k.status, time(k.expires_at), time(k.last_used_at), k.scopes.join(','), k.name ?? '']),
      );
    },
  },

  'keys revoke': {
    usage: `Usage: kontor keys revoke --org <org> --id <key> [--json]

Revokes an API key. Through a running server it stops working at once.
`,
    options: { org: { type: 'string' }, id: { type: 'string' } },
    async run(values, config, io) {
      const org = required(values, 'org');
      const id = required(values, 'id');
      check(() => orgIdFrom(org));
      check(() => keyIdFrom(id));
      const key = await withBackend(config, (b) => b.revokeKey(org, id));
      if (values.json) json(io, key);
      else io.stdout.write(`revoked ${key.id}\n`);
    },
  },
};

const GROUPS: Record<string, string[]> = { orgs: ['create', 'list'], keys: ['create', 'list', 'revoke'] };
const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Which command the words at the front name, and the arguments after them. */
function resolve(args: string[]): { name: string; rest: string[] } | { help: string } {
  const [first, second] = args;
  if (first === undefined) throw new UsageError('missing command; run kontor --help');
  if (isHelp(first)) return { help: USAGE };
  if (first === 'help') {
    if (args.length === 1) return { help: USAGE };
    const named = COMMANDS[args.slice(1).join(' ')];
    if (!named) throw new UsageError(`unknown command "${args.slice(1).join(' ')}"; run kontor --help`);
    return { help: named.usage };
  }
  if (first === '--version' || first === '-v') return { help: version() + '\n' };
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; run kontor --help`);
  if (COMMANDS[first]) return { name: first, rest: args.slice(1) };
  const group = GROUPS[first];
  if (!group) throw new UsageError(`unknown command "${first}"; run kontor --help`);
  const subcommands = `kontor ${first} ${group.join('|')}`;
  if (second === undefined) throw new UsageError(`missing subcommand: ${subcommands}`);
  if (isHelp(second)) return { help: group.map((sub) => COMMANDS[`${first} ${sub}`].usage.split('\n')[0]).join('\n') + '\n' };
  if (!group.includes(second)) throw new UsageError(`unknown command "${first} ${second}"; expected ${subcommands}`);
  return { name: `${first} ${second}`, rest: args.slice(2) };
}

function parse(name: string, command: Command, args: string[]): Values {
  try {
    const { values } = parseArgs({
      args,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return values as Values;
  } catch (error: any) {
    const text = String(error?.message ?? error);
    if (error?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(text)?.[1] ?? text;
      throw new UsageError(`unknown option ${option} for "kontor ${name}"; run kontor ${name} --help`);
    }
    if (error?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']+)'/.exec(text)?.[1] ?? text;
      throw new UsageError(`unexpected argument "${word}" for "kontor ${name}"; run kontor ${name} --help`);
    }
    if (error?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /'(--[\w-]+)/.exec(text)?.[1];
      throw new UsageError(option ? `${option} needs a value` : text.split('\n')[0]);
    }
    throw new UsageError(text.split('\n')[0]);
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Runs one command line; the exit code: 0 success, 1 failure, 2 usage error. */
export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const resolved = resolve(args);
    if ('help' in resolved) {
      io.stdout.write(resolved.help);
      return 0;
    }
    const command = COMMANDS[resolved.name];
    const values = parse(resolved.name, command, resolved.rest);
    if (values.help) {
      io.stdout.write(command.usage);
      return 0;
    }
    let config: Config;
    try {
      config = loadConfig(io.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(`configuration error: ${error.message}`);
      throw error;
    }
    await command.run(values, config, io);
    return 0;
  } catch (error: any) {
    const usage = error instanceof UsageError;
    const text = String(error?.message ?? error);
    io.stderr.write(`kontor: ${oneLine(text)}\n`);
    return usage ? 2 : 1;
  }
}
