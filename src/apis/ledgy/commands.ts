import {
  checkFlags,
  parseExpires,
  printCredential,
  printFields,
  printJson,
  printTable,
  requiredFlag,
  shortTime,
  UsageError,
  type CliIo,
  type OperatorCommand,
} from '../../platform/operator/command.ts';
import { emailFrom } from '../../platform/operator/input.ts';
import { MAX_ACTIVE_TOKENS } from '../../ledgy/tokens.ts';
import { LEDGY_SCOPES } from './context.ts';
import {
  ledgyOperations,
  ledgySubscriptionInput,
  ledgyTokenIdFrom,
  newLedgyTokenInput,
  type LedgyTokenView,
  type LedgyUserView,
} from './operator.ts';

/** `kontor ledgy …`: Ledgy users' subscription state and personal access tokens. */

const gate = (user: LedgyUserView) => (user.gate_open ? 'open' : 'closed');
/** `accounts`, `categories`, …: the areas LEDGY_SCOPES name, each with :read and :write. */
const LEDGY_AREAS = [...new Set(LEDGY_SCOPES.map((scope) => scope.split(':')[0]))];

function printLedgyUser(io: CliIo, user: LedgyUserView) {
  printFields(
    io,
    [
      ['email', user.email],
      ['user', user.id],
      ['currency', user.primary_currency],
      ['status', user.subscription_status],
      ['trial ends', shortTime(user.trial_ends_at)],
      ['gate', gate(user)],
    ],
    12,
  );
}

function printLedgyToken(io: CliIo, token: LedgyTokenView & { secret?: string }) {
  printCredential(io, [
    ['id', token.id],
    ['user', token.user_id],
    ['email', token.email],
    ['name', token.name ?? '-'],
    ['scopes', token.scopes.join(',')],
    ['status', token.status],
    ['expires', shortTime(token.expires_at)],
  ], token);
}

export const ledgyCommands: OperatorCommand[] = [
  {
    name: 'ledgy users list',
    synopsis: '  kontor ledgy users list                       list Ledgy users and their subscription state',
    usage: `Usage: kontor ledgy users list [--json]

Lists every Ledgy user, oldest first: email, id, primary currency, subscription status,
end of trial, and whether the subscription gate lets their /api/v1 requests through now.
`,
    options: {},
    async run(values, { io, withServices }) {
      const users = await withServices((s) => ledgyOperations(s).listUsers());
      if (values.json) return void printJson(io, users);
      if (users.length === 0) return void io.stdout.write('no Ledgy users\n');
      printTable(
        io,
        ['EMAIL', 'ID', 'CURRENCY', 'STATUS', 'TRIAL ENDS', 'GATE'],
        users.map((u) => [u.email, u.id, u.primary_currency, u.subscription_status, shortTime(u.trial_ends_at), gate(u)]),
      );
    },
  },
  {
    name: 'ledgy subscription',
    synopsis: `  kontor ledgy subscription --email <email> --status active|inactive|trialing
                     [--trial-ends <time|14d>]  set a Ledgy user's subscription`,
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
    async run(values, { io, withServices }) {
      const body: Record<string, unknown> = { email: requiredFlag(values, 'email'), status: requiredFlag(values, 'status') };
      if (values['trial-ends'] !== undefined) body.trial_ends_at = parseExpires(String(values['trial-ends']), Date.now(), '--trial-ends');
      checkFlags(() => ledgySubscriptionInput(body));
      const user = await withServices((s) => ledgyOperations(s).setSubscription(body));
      if (values.json) printJson(io, user);
      else printLedgyUser(io, user);
    },
  },
  {
    name: 'ledgy tokens create',
    synopsis: `  kontor ledgy tokens create --email <email> --name <name> --scopes <a,b> [--expires <time|30d>]
                                                mint a Ledgy personal access token; shown once`,
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
    async run(values, { io, withServices }) {
      const body: Record<string, unknown> = {
        email: requiredFlag(values, 'email'),
        name: requiredFlag(values, 'name'),
        scopes: requiredFlag(values, 'scopes').split(','),
      };
      if (values.expires !== undefined) {
        body.expires_at = parseExpires(String(values.expires));
        if (Date.parse(body.expires_at as string) <= Date.now()) throw new UsageError(`--expires must be in the future, got "${values.expires}"`);
      }
      checkFlags(() => newLedgyTokenInput(body));
      const token = await withServices((s) => ledgyOperations(s).createToken(body));
      if (values.json) printJson(io, token);
      else printLedgyToken(io, token);
    },
  },
  {
    name: 'ledgy tokens list',
    synopsis: "  kontor ledgy tokens list --email <email>      list a Ledgy user's tokens (never their secrets)",
    usage: `Usage: kontor ledgy tokens list --email <email> [--json]

Lists a Ledgy user's personal access tokens, revoked and expired ones included, never
their secrets.
`,
    options: { email: { type: 'string' } },
    async run(values, { io, withServices }) {
      const email = requiredFlag(values, 'email');
      checkFlags(() => emailFrom(email));
      const tokens = await withServices((s) => ledgyOperations(s).listTokens(email));
      if (values.json) return void printJson(io, tokens);
      if (tokens.length === 0) return void io.stdout.write('no tokens\n');
      printTable(
        io,
        ['ID', 'START', 'STATUS', 'EXPIRES', 'LAST USED', 'SCOPES', 'NAME'],
        tokens.map((t) => [t.id, t.start + '…', t.status, shortTime(t.expires_at), shortTime(t.last_used_at), t.scopes.join(','), t.name ?? '']),
      );
    },
  },
  {
    name: 'ledgy tokens revoke',
    synopsis: `  kontor ledgy tokens revoke --email <email> --id <token>
                                                revoke a Ledgy token at once`,
    usage: `Usage: kontor ledgy tokens revoke --email <email> --id <token> [--json]

Revokes a Ledgy user's personal access token (tok_<ULID>). Through a running server it
stops working at once.
`,
    options: { email: { type: 'string' }, id: { type: 'string' } },
    async run(values, { io, withServices }) {
      const email = requiredFlag(values, 'email');
      const id = requiredFlag(values, 'id');
      checkFlags(() => emailFrom(email));
      checkFlags(() => ledgyTokenIdFrom(id));
      const token = await withServices((s) => ledgyOperations(s).revokeToken(email, id));
      if (values.json) printJson(io, token);
      else io.stdout.write(`revoked ${token.id}\n`);
    },
  },
];
