import { checkFlags, printCredential, printFields, printJson, requiredFlag, UsageError, type CliIo, type OperatorCommand, type OperatorServices, operatorWrite } from '../../platform/operator/command.ts';
import { checkScopes, idFrom } from '../../platform/operator/input.ts';
import { ORG_PREFIX } from '../../platform/operator/key-view.ts';
import { getOrg } from '../../platform/orgs.ts';
import { DomainError, invalid } from '../../platform/errors.ts';
import { formatId } from '../../platform/ids.ts';
import { isDay } from '../../platform/dates.ts';
import { LedgerEngine } from '../../ledger/engine.ts';
import { ensureCompany, setLicences, setLockDate, type Company } from '../../ledgerbee/company-store.ts';
import { createOAuthClient, revokeOAuthClient } from '../../ledgerbee/oauth-store.ts';
import { LEDGERBEE_LICENCES, LEDGERBEE_SCOPES, type LedgerBeeLicence } from './context.ts';

/** `kontor ledgerbee …`: OAuth clients, licences and the lock date of a company (an org). */

async function companyOf(s: OperatorServices, org: string, operation: string): Promise<{ orgId: string; run: <T>(fn: (tx: any) => Promise<T>) => Promise<T> }> {
  const orgId = idFrom(ORG_PREFIX, 'an org', org, 'org');
  if (!(await getOrg(s.db, orgId))) throw new DomainError('not_found', `org ${formatId(ORG_PREFIX, orgId)} not found`, 'org');
  const deps = { db: s.db, clock: s.clock, ledger: new LedgerEngine(s.db, s.clock) };
  return { orgId, run: (fn) => operatorWrite(s, operation, orgId, async (tx) => (await ensureCompany(deps, tx, orgId), fn(tx))) };
}

function printCompany(io: CliIo, company: Company, values: Record<string, unknown>) {
  const view = { org: formatId(ORG_PREFIX, company.orgId), name: company.name, currency: company.currency, lock_date: company.lockDate, licences: company.licences };
  if (values.json) return void printJson(io, view);
  printFields(io, [['org', view.org], ['name', view.name], ['currency', view.currency], ['lock date', view.lock_date ?? '-'], ['licences', view.licences.join(',') || '-']], 11);
}

/** `Subscription,CustomerPortal` → the licences, each one LedgerBee knows. */
export function licencesFrom(text: string): LedgerBeeLicence[] {
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  for (const name of names) if (!(LEDGERBEE_LICENCES as readonly string[]).includes(name)) throw invalid('licences', `licence "${name}" is not known (known: ${LEDGERBEE_LICENCES.join(', ')}; none: "none")`);
  return names as LedgerBeeLicence[];
}

export const ledgerbeeCommands: OperatorCommand[] = [
  {
    name: 'ledgerbee oauth-clients create',
    synopsis: `  kontor ledgerbee oauth-clients create --org <org> --scopes <a,b> [--name <name>]
                                                an OAuth client for LedgerBee; its secret is shown once`,
    usage: `Usage: kontor ledgerbee oauth-clients create --org <org> --scopes <scope,...> [--name <name>] [--json]

Creates an OAuth 2.0 client of the company (org) and prints its client id and secret. The
secret is shown only this once (Kontor keeps its SHA-256). The client exchanges them at
POST /api/v1/auth/token (grant_type=client_credentials, form-encoded) for access tokens
living 3600 s that carry the scopes given here (scopes a token request names are ignored).

  --org <org>          the company: org_<ULID> or its uuid (required)
  --scopes <a,b,...>   comma-separated LedgerBee scopes (required), e.g. accounts-read,journal-entries-write
  --name <name>        a label
`,
    options: { org: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      const scopes = checkFlags(() => checkScopes(requiredFlag(values, 'scopes').split(','), LEDGERBEE_SCOPES, 'ledgerbee'));
      const made = await withServices(async (s) => {
        const company = await companyOf(s, org, 'createOAuthClient');
        return company.run((tx) => createOAuthClient(tx, { orgId: company.orgId, scopes, name: typeof values.name === 'string' ? values.name : null }, s.clock.now()));
      });
      const view = { client_id: made.client.clientId, org: formatId(ORG_PREFIX, made.client.orgId), scopes: made.client.scopes, name: made.client.name, revoked_at: null, secret: made.secret };
      if (values.json) return void printJson(io, view);
      printCredential(io, [['client id', view.client_id], ['org', view.org], ['scopes', view.scopes.join(',')], ['name', view.name ?? '-']], view);
    },
  },
  {
    name: 'ledgerbee oauth-clients revoke',
    synopsis: '  kontor ledgerbee oauth-clients revoke --org <org> --client-id <id>   revoke a client and its tokens at once',
    usage: `Usage: kontor ledgerbee oauth-clients revoke --org <org> --client-id <lbc_…> [--json]

Revokes an OAuth client and every access token it holds; they stop working at once.
`,
    options: { org: { type: 'string' }, 'client-id': { type: 'string' } },
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      const clientId = requiredFlag(values, 'client-id');
      const done = await withServices(async (s) => {
        const company = await companyOf(s, org, 'revokeOAuthClient');
        return company.run((tx) => revokeOAuthClient(tx, company.orgId, clientId, s.clock.now()));
      });
      if (!done) throw new DomainError('not_found', `no live OAuth client ${clientId} in this org`, 'client-id');
      if (values.json) printJson(io, { client_id: clientId, revoked: true });
      else io.stdout.write(`revoked ${clientId}\n`);
    },
  },
  {
    name: 'ledgerbee licences set',
    synopsis: `  kontor ledgerbee licences set --org <org> <Licence,...|none>
                                                set a company's licences (the whole set)`,
    usage: `Usage: kontor ledgerbee licences set --org <org> <Licence,...|none> [--json]

Sets the company's licences to exactly the ones named (comma-separated; "none" clears them):
${LEDGERBEE_LICENCES.join(', ')}. Operations gated by a licence the company lacks answer 403
LICENSE.REQUIRED with details.licenseKey. Takes effect at once.
`,
    options: { org: { type: 'string' }, licences: { type: 'string' } },
    positional: 'licences',
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      const text = requiredFlag(values, 'licences');
      const licences = text.trim() === 'none' ? [] : checkFlags(() => licencesFrom(text));
      const company = await withServices(async (s) => {
        const c = await companyOf(s, org, 'setLicences');
        return c.run((tx) => setLicences(tx, c.orgId, licences));
      });
      printCompany(io, company, values);
    },
  },
  {
    name: 'ledgerbee lock-date set',
    synopsis: `  kontor ledgerbee lock-date set --org <org> --date <YYYY-MM-DD|none>
                                                refuse postings dated on or before a day`,
    usage: `Usage: kontor ledgerbee lock-date set --org <org> --date <YYYY-MM-DD|none> [--json]

Sets the company's lock date: journal entries (and bookings, reversals) dated on or before
it are refused with 400 JOURNAL_ENTRY_DATE_LOCKED. "none" clears it. Takes effect at once.
`,
    options: { org: { type: 'string' }, date: { type: 'string' } },
    async run(values, { io, withServices }) {
      const org = requiredFlag(values, 'org');
      const date = requiredFlag(values, 'date').trim();
      if (date !== 'none' && !isDay(date)) throw new UsageError(`--date must be a date like 2026-01-31 or "none", got "${date}"`);
      const company = await withServices(async (s) => {
        const c = await companyOf(s, org, 'setLockDate');
        return c.run((tx) => setLockDate(tx, c.orgId, date === 'none' ? null : date));
      });
      printCompany(io, company, values);
    },
  },
];
