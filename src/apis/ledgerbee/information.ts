import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { listChart, listJournalCategories, listVatCodes, type ChartAccount, type VatCode } from '../../ledgerbee/company-store.ts';
import { companyIdOf, type Companies } from './context.ts';
import { SHARED_ROUTE } from './auth.ts';
import { Day, Dto, Nullable, OneOf, Timestamp, Uuid, errors } from './schemas.ts';

const CompanyDto = Dto('CompanyDto', {
  id: Uuid,
  name: Type.String(),
  currency: Type.String({ description: 'ISO 4217: the currency of the books (the default of every journal entry).' }),
  countryCode: Type.String(),
  lockDate: Nullable(Day),
  licences: Type.Array(Type.String()),
  createdAt: Timestamp,
});

const RateLimitTierDto = Dto('RateLimitTierDto', { name: Type.String(), limit: Type.Integer(), windowSeconds: Type.Integer() });
const ApiKeyDto = Dto('ApiKeyDto', {
  expiresAt: Nullable(Timestamp),
  ipWhitelist: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  rateLimitTiers: Type.Array(RateLimitTierDto),
});

const LEDGER_TYPES = ['BALANCE_SHEET', 'HEADING_BREAK', 'HEADING', 'PROFIT_AND_LOSS', 'TOTAL_FROM', 'TOTAL_INTERVALS'] as const;
export const AccountDto = Dto(
  'AccountDto',
  {
    id: Uuid,
    name: Type.String(),
    accountNumber: Type.Integer(),
    publicAccountId: Type.Integer({ description: 'The public (standard chart) account number the account maps to; here its own number.' }),
    ledgerType: OneOf(LEDGER_TYPES, { description: 'Only BALANCE_SHEET and PROFIT_AND_LOSS accounts take postings.' }),
    accountClassification: Nullable(OneOf(['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE'])),
    controlAccountType: Nullable(Type.Union([Type.Literal('ACCOUNTS_RECEIVABLE'), Type.Literal('ACCOUNTS_PAYABLE')], { description: 'Lines on it need customerId (receivable) or vendorId (payable).' })),
    totalFromAccountNumber: Nullable(Type.Integer({ description: 'TOTAL_FROM and TOTAL_INTERVALS rows: the first account number they add up.' })),
  },
  'An account of the chart. Postable accounts are ledger accounts of the company’s ledger (the same id).',
);

const VatCodeDto = Dto('VatCodeDto', {
  id: Uuid,
  vatCode: Type.String(),
  name: Type.String(),
  vatRate: Type.Number({ description: 'Percent: 25 is 25 %.' }),
  type: OneOf(['SALES', 'PURCHASE', 'EU_PURCHASE_REVERSE_CHARGE', 'EXEMPT']),
  principle: Type.Union([Type.Literal('Gross'), Type.Literal('Net')], { description: 'Gross: a line amount includes the VAT; Net: the VAT comes on top.' }),
  accountToBookId: Nullable(Uuid),
  accountToBookNumber: Nullable(Type.Integer()),
  accountToBookName: Nullable(Type.String()),
  contraAccountToBookId: Nullable(Uuid),
  contraAccountToBookNumber: Nullable(Type.Integer()),
  contraAccountToBookName: Nullable(Type.String()),
});

const JournalCategoryDto = Dto('JournalCategoryDto', {
  id: Uuid,
  name: Type.String(),
  isDefault: Type.Boolean(),
  allowedJournalTypes: Type.Array(Type.String()),
});

export const accountView = (a: ChartAccount) => ({
  id: a.id,
  name: a.name,
  accountNumber: a.number,
  publicAccountId: a.number,
  ledgerType: a.ledgerType,
  accountClassification: a.classification,
  controlAccountType: a.control,
  totalFromAccountNumber: a.totalFrom,
});

function vatCodeView(v: VatCode, chart: Map<string, ChartAccount>) {
  const account = v.accountId ? chart.get(v.accountId) : undefined;
  const contra = v.contraAccountId ? chart.get(v.contraAccountId) : undefined;
  return {
    id: v.id,
    vatCode: v.code,
    name: v.name,
    vatRate: v.rateBp / 100,
    type: v.type,
    principle: v.principle,
    accountToBookId: account?.id ?? null,
    accountToBookNumber: account?.number ?? null,
    accountToBookName: account?.name ?? null,
    contraAccountToBookId: contra?.id ?? null,
    contraAccountToBookNumber: contra?.number ?? null,
    contraAccountToBookName: contra?.name ?? null,
  };
}

/** Information (company, the calling key), accounts, VAT codes and journal categories. */
export function informationRoutes(api: SurfaceApp, core: Core, companies: Companies) {
  api.get(
    '/v1/company',
    { config: { scope: 'company-read' }, schema: { operationId: 'getCompany', summary: 'The company the credential belongs to.', tags: ['Company'], response: { 200: CompanyDto, ...errors(401, 403) } } },
    async (request) => {
      const company = await companies.get(companyIdOf(request));
      return { id: company.orgId, name: company.name, currency: company.currency, countryCode: 'DK', lockDate: company.lockDate, licences: company.licences, createdAt: company.createdAt.toISOString() };
    },
  );

  api.get(
    '/v1/api-key',
    {
      config: { noScope: true, apiKeyOnly: true },
      schema: {
        operationId: 'getCurrentApiKey',
        summary: 'The calling API key: expiry, IP allow-list, scopes and rate limit tiers. Any key of the company may call it; an OAuth token is 403 (reason endpoint_requires_api_key_auth).',
        tags: ['API Key'],
        response: { 200: ApiKeyDto, ...errors(401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return {
        expiresAt: principal.expiresAt ? principal.expiresAt.toISOString() : null,
        ipWhitelist: [...(principal.ipAllowList ?? [])],
        scopes: [...(principal.scopes ?? [])].sort(),
        rateLimitTiers: [{ name: 'default', limit: core.config.rateLimitPerMinute, windowSeconds: 60 }],
      };
    },
  );

  api.get(
    '/v1/accounts',
    {
      ...SHARED_ROUTE,
      config: { scope: 'accounts-read', shared: true },
      schema: {
        operationId: 'listAccounts',
        summary: 'The chart of accounts, sorted by publicAccountId then accountNumber (a full list). Shared with Ledgy: an x-api-key or LedgerBee token selects LedgerBee.',
        tags: ['Accounts'],
        response: { 200: Type.Array(AccountDto), ...errors(401, 403) },
      },
    },
    async (request) => (await listChart(core.db, companyIdOf(request))).map(accountView),
  );

  api.get(
    '/v1/vat-codes',
    { config: { scope: 'vat-codes-read' }, schema: { operationId: 'listVatCodes', summary: 'The company’s VAT codes (a full list).', tags: ['VAT Codes'], response: { 200: Type.Array(VatCodeDto), ...errors(401, 403) } } },
    async (request) => {
      const orgId = companyIdOf(request);
      const chart = new Map((await listChart(core.db, orgId)).map((a) => [a.id, a]));
      return (await listVatCodes(core.db, orgId)).map((v) => vatCodeView(v, chart));
    },
  );

  api.get(
    '/v1/journal-categories',
    {
      config: { scope: 'journal-categories-read' },
      schema: {
        operationId: 'listJournalCategories',
        summary: 'The company’s journal categories, the default first (a full list).',
        tags: ['Journal Categories'],
        response: { 200: Type.Array(JournalCategoryDto), ...errors(401, 403) },
      },
    },
    async (request) => (await listJournalCategories(core.db, companyIdOf(request))).map((c) => ({ id: c.id, name: c.name, isDefault: c.isDefault, allowedJournalTypes: c.allowed })),
  );
}
