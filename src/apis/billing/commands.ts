import { checkFlags, operatorWrite, printFields, printJson, requiredFlag, shortTime, UsageError, type OperatorCommand } from '../../platform/operator/command.ts';
import { idFrom } from '../../platform/operator/input.ts';
import { ORG_PREFIX } from '../../platform/operator/key-view.ts';
import { getOrg } from '../../platform/orgs.ts';
import { listProviderAccounts, removeProviderAccount, setProviderAccount, type ProviderAccount } from '../../billing/providers/accounts.ts';
import { PROVIDER_NAMES, type ProviderName } from '../../billing/providers/provider.ts';
import type { KeyMode } from '../../platform/identity/key-formats.ts';

/**
 * `kontor billing provider …`: where an app's payment provider keys live. One provider per
 * app and mode (live keys for live, test keys for the sandbox); the keys are stored in the
 * database (back it up as a secret) and never printed again: `show` prints the provider, the
 * key's last four characters and whether a webhook secret is set.
 */

const orgOf = (values: Record<string, unknown>) => checkFlags(() => idFrom(ORG_PREFIX, 'an org', requiredFlag(values as any, 'org'), 'org'));

function modeOf(values: Record<string, unknown>): KeyMode {
  const mode = (values.mode as string | undefined) ?? 'live';
  if (mode !== 'live' && mode !== 'sandbox') throw new UsageError('--mode must be live or sandbox');
  return mode;
}

const masked = (secret: string) => `…${secret.slice(-4)}`;
const accountView = (a: ProviderAccount) => ({ org: a.orgId, mode: a.mode, provider: a.provider, api_key: masked(a.apiKey), webhook_secret: a.webhookSecret !== null, updated_at: a.updatedAt.toISOString() });

async function existingOrg(db: Parameters<typeof getOrg>[0], orgId: string) {
  if (!(await getOrg(db, orgId))) throw new UsageError(`--org: no org ${orgId}`);
}

export const billingCommands: OperatorCommand[] = [
  {
    name: 'billing provider set',
    synopsis: "  kontor billing provider set                   set an app's payment provider (Stripe or Paddle) and its keys",
    usage: `Usage: kontor billing provider set --org <org> --provider stripe|paddle --api-key <key> [--webhook-secret <secret>] [--mode live|sandbox] [--json]

Sets the payment provider of an app (an org) for one mode: live keys for live (bk_live_ keys),
test keys for the sandbox (bk_test_ keys). Replaces what was set. --webhook-secret is the
provider's signing secret for POST /webhooks/stripe (whsec_…) or /webhooks/paddle (pdl_ntfset_…).
`,
    options: { org: { type: 'string' }, provider: { type: 'string' }, 'api-key': { type: 'string' }, 'webhook-secret': { type: 'string' }, mode: { type: 'string' } },
    async run(values, { io, withServices }) {
      const orgId = orgOf(values);
      const mode = modeOf(values);
      const provider = requiredFlag(values, 'provider') as ProviderName;
      if (!PROVIDER_NAMES.includes(provider)) throw new UsageError(`--provider must be one of ${PROVIDER_NAMES.join(', ')}`);
      const apiKey = requiredFlag(values, 'api-key').trim();
      const secret = typeof values['webhook-secret'] === 'string' ? values['webhook-secret'].trim() || null : null;
      const account = await withServices(async (s) => {
        await existingOrg(s.db, orgId);
        return operatorWrite(s, 'setBillingProvider', orgId, (tx) => setProviderAccount(tx, { orgId, mode }, { provider, apiKey, webhookSecret: secret }, s.clock.now()));
      });
      if (values.json) return void printJson(io, accountView(account));
      printFields(io, [['org', orgId], ['mode', mode], ['provider', provider], ['api key', masked(apiKey)], ['webhooks', secret ? 'signing secret set' : 'no signing secret (webhooks refused)']], 10);
    },
  },
  {
    name: 'billing provider show',
    synopsis: "  kontor billing provider show                  show an app's payment providers (keys masked)",
    usage: `Usage: kontor billing provider show --org <org> [--json]

Shows the provider of each mode of an app, the last four characters of its API key, and
whether a webhook signing secret is set.
`,
    options: { org: { type: 'string' } },
    async run(values, { io, withServices }) {
      const orgId = orgOf(values);
      const accounts = await withServices(async (s) => (await existingOrg(s.db, orgId), listProviderAccounts(s.db, orgId)));
      if (values.json) return void printJson(io, accounts.map(accountView));
      if (accounts.length === 0) return void io.stdout.write('no payment provider: payments answer provider_not_configured\n');
      for (const a of accounts) printFields(io, [['mode', a.mode], ['provider', a.provider], ['api key', masked(a.apiKey)], ['webhooks', a.webhookSecret ? 'signing secret set' : 'none'], ['updated', shortTime(a.updatedAt.toISOString())]], 10);
    },
  },
  {
    name: 'billing provider remove',
    synopsis: "  kontor billing provider remove                remove an app's payment provider for one mode",
    usage: `Usage: kontor billing provider remove --org <org> [--mode live|sandbox] [--json]

Removes the provider of one mode: payments then answer provider_not_configured and payment
method lists are empty. Payments already recorded stay.
`,
    options: { org: { type: 'string' }, mode: { type: 'string' } },
    async run(values, { io, withServices }) {
      const orgId = orgOf(values);
      const mode = modeOf(values);
      const removed = await withServices((s) => operatorWrite(s, 'removeBillingProvider', orgId, (tx) => removeProviderAccount(tx, { orgId, mode })));
      if (values.json) return void printJson(io, { removed });
      io.stdout.write(removed ? `removed the ${mode} payment provider\n` : `no ${mode} payment provider was set\n`);
    },
  },
];
