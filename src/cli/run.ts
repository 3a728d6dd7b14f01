import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../platform/project-root.ts';
import { ConfigError, loadConfig, type Config } from '../platform/config.ts';
import { DomainError } from '../platform/errors.ts';
import { checkSurfaceSettings, surfaceKeyFormats } from '../surfaces.ts';
import {
  emailFrom,
  keyIdFrom,
  ledgySubscriptionInput,
  ledgyTokenIdFrom,
  newKeyInput,
  newLedgyTokenInput,
  newOrgInput,
  orgIdFrom,
  type KeyView,
  type LedgyTokenView,
  type LedgyUserView,
  type OrgView,
} from './operations.ts';
import { LEDGY_SCOPES } from '../apis/ledgy/context.ts';
import { MAX_ACTIVE_TOKENS } from '../ledgy/tokens.ts';
import { CliError, withDatabase } from './backend.ts';
import { findEmbeddedPostgres } from '../platform/embedded-postgres/server.ts';

/** Where the CLI writes and what it reads; the real process in main.ts, fakes in tests. */
export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A mistake in the command line (exit code 2). */
class UsageError extends Error {}

const KEY_SURFACES = surfaceKeyFormats().surfaces().join('|');

const USAGE = `kontor: operate a Kontor installation

Usage:
  kontor migrate                                apply pending database migrations
  kontor db url                                 print the database's PostgreSQL URL (for pg_dump)
  kontor orgs create --name <name>              create an org
  kontor orgs list                              list orgs
  kontor keys create --org <org> --scopes <a,b> [--surface <s>] [--mode live|sandbox]
                     [--expires <time|30d>] [--name <name>] [--user <user id>]
                                                create an API key; its secret is shown once
  kontor keys list --org <org>                  list an org's API keys (never their secrets)
  kontor keys revoke --org <org> --id <key>     revoke an API key at once
  kontor ledgy users list                       list Ledgy users and their subscription state
  kontor ledgy subscription --email <email> --status active|inactive|trialing
                     [--trial-ends <time|14d>]  set a Ledgy user's subscription
  kontor ledgy tokens create --email <email> --name <name> --scopes <a,b> [--expires <time|30d>]
                                                mint a Ledgy personal access token; shown once
  kontor ledgy tokens list --email <email>      list a Ledgy user's tokens (never their secrets)
  kontor ledgy tokens revoke --email <email> --id <token>
                                                revoke a Ledgy token at once

Every command takes --json (machine-readable output) and --help.
Org, key and Ledgy token ids are shown as org_<ULID>, key_<ULID> and tok_<ULID>; either form
or the uuid is accepted. Ledgy users are named by email and shown as usr_<ULID>.

Configuration comes from the environment, as for the server: DATA_DIR (default ./data) and
DATABASE_URL. Commands work on the database directly: the embedded PostgreSQL that a server
runs on DATA_DIR, or one started for the command and stopped after, or DATABASE_URL's.
A revoke reaches every running server within a second.

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
};

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

function printLedgyUser(io: CliIo, user: LedgyUserView) {
  const lines: [string, string][] = [
    ['email', user.email],
    ['user', user.id],
    ['currency', user.primary_currency],
    ['status', user.subscription_status],
    ['trial ends', time(user.trial_ends_at)],
    ['gate', gate(user)],
  ];
  for (const [name, value] of lines) io.stdout.write(`${(name + ':').padEnd(12)}${value}\n`);
}

const gate = (user: LedgyUserView) => (user.gate_open ? 'open' : 'closed');

function printLedgyToken(io: CliIo, token: LedgyTokenView & { secret?: string }) {
  const lines: [string, string][] = [
    ['id', token.id],
    ['user', token.user_id],
    ['email', token.email],
    ['name', token.name ?? '-'],
    ['scopes', token.scopes.join(',')],
    ['status', token.status],
    ['expires', time(token.expires_at)],
  ];
  if (token.revoked_at) lines.push(['revoked', time(token.revoked_at)]);
  if (token.secret) lines.push(['secret', token.secret]);
  for (const [name, value] of lines) io.stdout.write(`${(name + ':').padEnd(9)}${value}\n`);
  if (token.secret) io.stdout.write('\nStore the secret now: it is not shown again and cannot be recovered.\n');
}

/** `accounts`, `categories`, …: the areas LEDGY_SCOPES name, each with :read and :write. */
const LEDGY_AREAS = [...new Set(LEDGY_SCOPES.map((scope) => scope.split(':')[0]))];

const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: `Usage: kontor migrate [--json]

Applies the migrations in migrations/ that have not run on the database yet (DATABASE_URL,
else the embedded PostgreSQL under DATA_DIR). The server also migrates when it starts.
`,
    options: {},
    async run(values, config, io) {
      const applied = await withDatabase(config, async (_ops, applied) => applied);
      if (values.json) return void json(io, { applied });
      if (applied.length === 0) io.stdout.write('migrations: up to date\n');
      for (const version of applied) io.stdout.write(`applied ${version}\n`);
    },
  },

  'db url': {
    usage: `Usage: kontor db url [--json]

Prints the PostgreSQL URL of the database: DATABASE_URL, or the embedded PostgreSQL that a
server runs on DATA_DIR (with its password), for pg_dump, psql or a move to another server:
  pg_dump "$(kontor db url)" > kontor.sql
`,
    options: {},
    async run(values, config, io) {
      let url = config.databaseUrl;
      if (!url) {
        const running = await findEmbeddedPostgres({ dataDir: config.dataDir });
        if (!running) throw new CliError(`no embedded PostgreSQL is running on ${config.dataDir}; start the server (npm start) first`);
        url = running.url;
      }
      if (values.json) json(io, { url });
      else io.stdout.write(url + '\n');
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
      const org = await withDatabase(config, (b) => b.createOrg(body));
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
      const orgs = await withDatabase(config, (b) => b.listOrgs());
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
  --surface <surface>  ${KEY_SURFACES} (default kontor)
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
      const key = await withDatabase(config, (b) => b.createKey(body));
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
      const keys = await withDatabase(config, (b) => b.listKeys(org));
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
      const key = await withDatabase(config, (b) => b.revokeKey(org, id));
      if (values.json) json(io, key);
      else io.stdout.write(`revoked ${key.id}\n`);
    },
  },

  'ledgy users list': {
    usage: `Usage: kontor ledgy users list [--json]

Lists every Ledgy user, oldest first: email, id, primary currency, subscription status,
end of trial, and whether the subscription gate lets their /api/v1 requests through now.
`,
    options: {},
    async run(values, config, io) {
      const users = await withDatabase(config, (b) => b.listLedgyUsers());
      if (values.json) return void json(io, users);
      if (users.length === 0) return void io.stdout.write('no Ledgy users\n');
      table(
        io,
        ['EMAIL', 'ID', 'CURRENCY', 'STATUS', 'TRIAL ENDS', 'GATE'],
        users.map((u) => [u.email, u.id, u.primary_currency, u.subscription_status, time(u.trial_ends_at), gate(u)]),
      );
    },
  },

  'ledgy subscription': {
    usage: `Usage: kontor ledgy subscription --email <email> --status <status> [--trial-ends <when>] [--json]

Sets a Ledgy user's subscription and prints the resulting state. The gate is open while the
status is active, or trialing with the trial not yet over; otherwise every /api/v1 request
of the user is refused with 403 and X-Subscription-Required: true. It applies at once.

  --email <email>       the user's email address (required)
  --status <status>     active|inactive|trialing (required)
  --trial-ends <when>   with --status trialing: when the trial ends, an ISO 8601 time
                        (2030-01-31T00:00:00Z) or a duration from now (14d, 12h, 2w);
                        default: the trial end the user has
`,
    options: { email: { type: 'string' }, status: { type: 'string' }, 'trial-ends': { type: 'string' } },
    async run(values, config, io) {
      const body: Record<string, unknown> = { email: required(values, 'email'), status: required(values, 'status') };
      if (values['trial-ends'] !== undefined) body.trial_ends_at = parseExpires(String(values['trial-ends']), Date.now(), '--trial-ends');
      check(() => ledgySubscriptionInput(body));
      const user = await withDatabase(config, (b) => b.setLedgySubscription(body));
      if (values.json) json(io, user);
      else printLedgyUser(io, user);
    },
  },

  'ledgy tokens create': {
    usage: `Usage: kontor ledgy tokens create --email <email> --name <name> --scopes <scope,...> [options]

Mints a Ledgy personal access token (lgpat_…) for a user and prints its id and secret. The
secret is shown only this once. A user holds at most ${MAX_ACTIVE_TOKENS} active tokens.

  --email <email>      the user's email address (required)
  --name <name>        a label shown in listings (required)
  --scopes <a,b,...>   comma-separated scopes (required): <area>:read and <area>:write, for
                       the areas ${LEDGY_AREAS.slice(0, 4).join(', ')},
                       ${LEDGY_AREAS.slice(4).join(', ')}
  --expires <when>     when the token stops working: an ISO 8601 time (2030-01-31T00:00:00Z)
                       or a duration from now (30d, 12h, 90m, 2w); default never
  --json               print the token as JSON, secret included
`,
    options: { email: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' } },
    async run(values, config, io) {
      const body: Record<string, unknown> = {
        email: required(values, 'email'),
        name: required(values, 'name'),
        scopes: required(values, 'scopes').split(','),
      };
      if (values.expires !== undefined) {
        body.expires_at = parseExpires(String(values.expires));
        if (Date.parse(body.expires_at as string) <= Date.now()) throw new UsageError(`--expires must be in the future, got "${values.expires}"`);
      }
      check(() => newLedgyTokenInput(body));
      const token = await withDatabase(config, (b) => b.createLedgyToken(body));
      if (values.json) json(io, token);
      else printLedgyToken(io, token);
    },
  },

  'ledgy tokens list': {
    usage: `Usage: kontor ledgy tokens list --email <email> [--json]

Lists a Ledgy user's personal access tokens, revoked and expired ones included, never
their secrets.
`,
    options: { email: { type: 'string' } },
    async run(values, config, io) {
      const email = required(values, 'email');
      check(() => emailFrom(email));
      const tokens = await withDatabase(config, (b) => b.listLedgyTokens(email));
      if (values.json) return void json(io, tokens);
      if (tokens.length === 0) return void io.stdout.write('no tokens\n');
      table(
        io,
        ['ID', 'START', 'STATUS', 'EXPIRES', 'LAST USED', 'SCOPES', 'NAME'],
        tokens.map((t) => [t.id, t.start + '…', t.status, time(t.expires_at), time(t.last_used_at), t.scopes.join(','), t.name ?? '']),
      );
    },
  },

  'ledgy tokens revoke': {
    usage: `Usage: kontor ledgy tokens revoke --email <email> --id <token> [--json]

Revokes a Ledgy user's personal access token (tok_<ULID>). Through a running server it
stops working at once.
`,
    options: { email: { type: 'string' }, id: { type: 'string' } },
    async run(values, config, io) {
      const email = required(values, 'email');
      const id = required(values, 'id');
      check(() => emailFrom(email));
      check(() => ledgyTokenIdFrom(id));
      const token = await withDatabase(config, (b) => b.revokeLedgyToken(email, id));
      if (values.json) json(io, token);
      else io.stdout.write(`revoked ${token.id}\n`);
    },
  },
};

/** Command words after a prefix: a command (`orgs create`) or a further group (`ledgy tokens`). */
const GROUPS: Record<string, string[]> = {
  db: ['url'],
  orgs: ['create', 'list'],
  keys: ['create', 'list', 'revoke'],
  ledgy: ['users', 'subscription', 'tokens'],
  'ledgy users': ['list'],
  'ledgy tokens': ['create', 'list', 'revoke'],
};

/** The first usage line of every command under a group. */
const groupHelp = (prefix: string): string[] =>
  GROUPS[prefix].flatMap((word) => {
    const name = `${prefix} ${word}`;
    return COMMANDS[name] ? [COMMANDS[name].usage.split('\n')[0]] : groupHelp(name);
  });
const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

function version(): string {
  try {
    return JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** Which command the words at the front name, and the arguments after them. */
function resolve(args: string[]): { name: string; rest: string[] } | { help: string } {
  const [first] = args;
  if (first === undefined) throw new UsageError('missing command; run kontor --help');
  if (isHelp(first)) return { help: USAGE };
  if (first === 'help') {
    if (args.length === 1) return { help: USAGE };
    const name = args.slice(1).join(' ');
    if (COMMANDS[name]) return { help: COMMANDS[name].usage };
    if (GROUPS[name]) return { help: groupHelp(name).join('\n') + '\n' };
    throw new UsageError(`unknown command "${name}"; run kontor --help`);
  }
  if (first === '--version' || first === '-v') return { help: version() + '\n' };
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; run kontor --help`);
  if (!COMMANDS[first] && !GROUPS[first]) throw new UsageError(`unknown command "${first}"; run kontor --help`);
  let name = first;
  let next = 1;
  while (!COMMANDS[name]) {
    const group = GROUPS[name];
    const word = args[next];
    const subcommands = `kontor ${name} ${group.join('|')}`;
    if (word === undefined) throw new UsageError(`missing subcommand: ${subcommands}`);
    if (isHelp(word)) return { help: groupHelp(name).join('\n') + '\n' };
    if (!group.includes(word)) throw new UsageError(`unknown command "${name} ${word}"; expected ${subcommands}`);
    name = `${name} ${word}`;
    next += 1;
  }
  return { name, rest: args.slice(next) };
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
      checkSurfaceSettings(config.env);
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
