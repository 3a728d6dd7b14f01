import { findEmbeddedPostgres } from '../platform/embedded-postgres/server.ts';
import {
  CliError,
  checkFlags,
  parseExpires,
  printCredential,
  printJson,
  printTable,
  requiredFlag,
  shortTime,
  type CliIo,
  type OperatorCommand,
} from '../platform/operator/command.ts';
import type { KeyView } from '../platform/operator/key-view.ts';
import { surfaceKeyFormats } from '../surfaces.ts';
import { adminOperations, keyIdFrom, newKeyInput, newOrgInput, orgIdFrom, type OrgView } from './operations.ts';

/** The CLI's own commands: the database, orgs and API keys. */

const KEY_SURFACES = surfaceKeyFormats().surfaces().join('|');

function printOrg(io: CliIo, org: OrgView) {
  io.stdout.write(`${org.id}  ${org.name}\n`);
}

function printKey(io: CliIo, key: KeyView & { secret?: string }) {
  printCredential(io, [
    ['id', key.id],
    ['org', key.org_id],
    ['surface', key.surface],
    ['mode', key.mode],
    ['scopes', key.scopes.join(',')],
    ['name', key.name ?? '-'],
    ['user', key.user_id ?? '-'],
    ['tenant', key.tenant ?? '-'],
    ...(key.ip_allowlist ? [['ip', key.ip_allowlist.join(',')] as [string, string]] : []),
    ['status', key.status],
    ['expires', shortTime(key.expires_at)],
  ], key);
}

export const coreCommands: OperatorCommand[] = [
  {
    name: 'migrate',
    synopsis: '  kontor migrate                                apply pending database migrations',
    usage: `Usage: kontor migrate [--json]

Applies the migrations in migrations/ that have not run on the database yet (DATABASE_URL,
else the embedded PostgreSQL under DATA_DIR). The server also migrates when it starts.
`,
    options: {},
    async run(values, { io, withServices }) {
      const applied = await withServices(async (s) => s.appliedMigrations);
      if (values.json) return void printJson(io, { applied });
      if (applied.length === 0) io.stdout.write('migrations: up to date\n');
      for (const version of applied) io.stdout.write(`applied ${version}\n`);
    },
  },
  {
    name: 'db url',
    synopsis: "  kontor db url                                 print the database's PostgreSQL URL (for pg_dump)",
    usage: `Usage: kontor db url [--json]

Prints the PostgreSQL URL of the database: DATABASE_URL, or the embedded PostgreSQL that a
server runs on DATA_DIR (with its password), for pg_dump, psql or a move to another server:
  pg_dump "$(kontor db url)" > kontor.sql
`,
    options: {},
    async run(values, { config, io }) {
      let url = config.databaseUrl;
      if (!url) {
        const running = await findEmbeddedPostgres({ dataDir: config.dataDir });
        if (!running) throw new CliError(`no embedded PostgreSQL is running on ${config.dataDir}; start the server (npm start) first`);
        url = running.url;
      }
      if (values.json) printJson(io, { url });
      else io.stdout.write(url + '\n');
    },
  },
  {
    name: 'orgs create',
    synopsis: '  kontor orgs create --name <name>              create an org',
    usage: `Usage: kontor orgs create --name <name> [--json]

Creates an org and prints its id and name.
`,
    options: { name: { type: 'string' } },
    async run(values, { io, withServices }) {
      const body = { name: requiredFlag(values, 'name') };
      checkFlags(() => newOrgInput(body));
      const org = await withServices((s) => adminOperations(s).createOrg(body));
      if (values.json) printJson(io, org);
      else printOrg(io, org);
    },
  },
  {
    name: 'orgs list',
    synopsis: '  kontor orgs list                              list orgs',
    usage: `Usage: kontor orgs list [--json]

Lists every org, oldest first.
`,
    options: {},
    async run(values, { io, withServices }) {
      const orgs = await withServices((s) => adminOperations(s).listOrgs());
      if (values.json) return void printJson(io, orgs);
      if (orgs.length === 0) return void io.stdout.write('no orgs\n');
      printTable(io, ['ID', 'CREATED', 'NAME'], orgs.map((o) => [o.id, shortTime(o.created_at), o.name]));
    },
  },
  {
    name: 'keys create',
    synopsis: `  kontor keys create --org <org> --scopes <a,b> [--surface <s>] [--mode live|sandbox]
                     [--expires <time|30d>] [--name <name>] [--user <user id>] [--tenant <tenant id>]
                     [--ip <address|cidr,...>]
                                                create an API key; its secret is shown once`,
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
  --tenant <tenant id> the one tenant of the app the key acts for (billing's X-Tenant-ID):
                       requests naming another tenant are refused with 403
  --ip <a,b,...>       addresses or CIDR ranges (10.0.0.0/8) the key may be used from;
                       surfaces that honour it (ledgerbee) refuse other callers with 401
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
      tenant: { type: 'string' },
      ip: { type: 'string' },
    },
    async run(values, { io, withServices }) {
      const body: Record<string, unknown> = {
        org: requiredFlag(values, 'org'),
        surface: values.surface ?? 'kontor',
        scopes: requiredFlag(values, 'scopes').split(','),
        mode: values.mode ?? 'live',
      };
      if (values.expires !== undefined) body.expires_at = parseExpires(String(values.expires));
      if (values.name !== undefined) body.name = values.name;
      if (values.user !== undefined) body.user_id = values.user;
      if (values.tenant !== undefined) body.tenant = values.tenant;
      if (values.ip !== undefined) body.ip_allowlist = String(values.ip).split(',').filter((a) => a.trim() !== '');
      checkFlags(() => newKeyInput(body));
      const key = await withServices((s) => adminOperations(s).createKey(body));
      if (values.json) printJson(io, key);
      else printKey(io, key);
    },
  },
  {
    name: 'keys list',
    synopsis: "  kontor keys list --org <org>                  list an org's API keys (never their secrets)",
    usage: `Usage: kontor keys list --org <org> [--json]

Lists an org's API keys with the first characters of each secret, never the secret.
`,
    options: { org: { type: 'string' } },
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      checkFlags(() => orgIdFrom(org));
      const keys = await withServices((s) => adminOperations(s).listKeys(org));
      if (values.json) return void printJson(io, keys);
      if (keys.length === 0) return void io.stdout.write('no keys\n');
      printTable(
        io,
        ['ID', 'SURFACE', 'MODE', 'START', 'STATUS', 'EXPIRES', 'LAST USED', 'SCOPES', 'NAME'],
        keys.map((k) => [k.id, k.surface, k.mode, k.start + '…', k.status, shortTime(k.expires_at), shortTime(k.last_used_at), k.scopes.join(','), k.name ?? '']),
      );
    },
  },
  {
    name: 'keys revoke',
    synopsis: '  kontor keys revoke --org <org> --id <key>     revoke an API key at once',
    usage: `Usage: kontor keys revoke --org <org> --id <key> [--json]

Revokes an API key. Through a running server it stops working at once.
`,
    options: { org: { type: 'string' }, id: { type: 'string' } },
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      const id = requiredFlag(values, 'id');
      checkFlags(() => orgIdFrom(org));
      checkFlags(() => keyIdFrom(id));
      const key = await withServices((s) => adminOperations(s).revokeKey(org, id));
      if (values.json) printJson(io, key);
      else io.stdout.write(`revoked ${key.id}\n`);
    },
  },
];
