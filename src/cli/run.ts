import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../platform/project-root.ts';
import { ConfigError, loadConfig, type Config } from '../platform/config.ts';
import { CliError, UsageError, type CliIo, type CommandValues, type OperatorCommand } from '../platform/operator/command.ts';
import { checkSurfaceSettings, SURFACES } from '../surfaces.ts';
import { withServices } from './backend.ts';
import { coreCommands } from './core-commands.ts';

export type { CliIo } from '../platform/operator/command.ts';

/** The CLI's own commands, then each surface's (its manifest's `commands`). */
const ALL: OperatorCommand[] = [...coreCommands, ...SURFACES.flatMap((surface) => surface.commands ?? [])];
const COMMANDS = new Map(ALL.map((command) => [command.name, command]));

/** Command words after a prefix (`ledgy` → users, subscription, tokens), from the commands' names. */
const GROUPS = new Map<string, string[]>();
for (const { name } of ALL) {
  const words = name.split(' ');
  for (let i = 1; i < words.length; i++) {
    const prefix = words.slice(0, i).join(' ');
    const next = GROUPS.get(prefix) ?? [];
    if (!next.includes(words[i])) next.push(words[i]);
    GROUPS.set(prefix, next);
  }
}

const USAGE = `kontor: operate a Kontor installation

Usage:
${ALL.map((c) => c.synopsis).join('\n')}

Every command takes --json (machine-readable output) and --help.
Org, key and Ledgy token ids are shown as org_<ULID>, key_<ULID> and tok_<ULID>; either form
or the uuid is accepted. Ledgy users are named by email and shown as usr_<ULID>.

Configuration comes from the environment, as for the server: DATA_DIR (default ./data) and
DATABASE_URL. Commands work on the database directly: the embedded PostgreSQL that a server
runs on DATA_DIR, or one started for the command and stopped after, or DATABASE_URL's.
A revoke reaches every running server within a second.

Exit codes: 0 success, 1 failure, 2 usage error.
`;

/** The first usage line of every command under a group. */
const groupHelp = (prefix: string): string[] =>
  GROUPS.get(prefix)!.flatMap((word) => {
    const name = `${prefix} ${word}`;
    const command = COMMANDS.get(name);
    return command ? [command.usage.split('\n')[0]] : groupHelp(name);
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
function resolve(args: string[]): { command: OperatorCommand; rest: string[] } | { help: string } {
  const [first] = args;
  if (first === undefined) throw new UsageError('missing command; run kontor --help');
  if (isHelp(first)) return { help: USAGE };
  if (first === 'help') {
    if (args.length === 1) return { help: USAGE };
    const name = args.slice(1).join(' ');
    if (COMMANDS.has(name)) return { help: COMMANDS.get(name)!.usage };
    if (GROUPS.has(name)) return { help: groupHelp(name).join('\n') + '\n' };
    throw new UsageError(`unknown command "${name}"; run kontor --help`);
  }
  if (first === '--version' || first === '-v') return { help: version() + '\n' };
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}; run kontor --help`);
  if (!COMMANDS.has(first) && !GROUPS.has(first)) throw new UsageError(`unknown command "${first}"; run kontor --help`);
  let name = first;
  let next = 1;
  while (!COMMANDS.has(name)) {
    const group = GROUPS.get(name)!;
    const word = args[next];
    const subcommands = `kontor ${name} ${group.join('|')}`;
    if (word === undefined) throw new UsageError(`missing subcommand: ${subcommands}`);
    if (isHelp(word)) return { help: groupHelp(name).join('\n') + '\n' };
    if (!group.includes(word)) throw new UsageError(`unknown command "${name} ${word}"; expected ${subcommands}`);
    name = `${name} ${word}`;
    next += 1;
  }
  return { command: COMMANDS.get(name)!, rest: args.slice(next) };
}

function parse(command: OperatorCommand, args: string[]): CommandValues {
  const name = command.name;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: command.positional !== undefined,
    });
    // A command that takes words after its flags (`licences set --org o Subscription,…`) sees them joined with commas.
    if (command.positional && positionals.length > 0) (values as CommandValues)[command.positional] = positionals.join(',');
    return values as CommandValues;
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
    const { command } = resolved;
    const values = parse(command, resolved.rest);
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
    await command.run(values, { config, io, withServices: (fn) => withServices(config, fn) });
    return 0;
  } catch (error: any) {
    const usage = error instanceof UsageError;
    const text = String(error?.message ?? error);
    io.stderr.write(`kontor: ${oneLine(text)}\n`);
    return usage ? 2 : 1;
  }
}
