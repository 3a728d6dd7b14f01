/**
 * A client of the native API as an integrator writes one: types generated from the committed
 * docs/openapi/kontor.json by openapi-typescript (test/generated/kontor-openapi.ts, made by
 * `npm run openapi`) and openapi-fetch. openapi.test.ts type-checks this file with tsc and
 * runs it against a listening server.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/kontor-openapi.ts';

export type KontorClient = Client<paths>;

export function kontorClient(baseUrl: string, apiKey: string): KontorClient {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
}

/** Books 12.50 USD from equity to cash and reads the cash balance back. */
export async function bookAndReadBalance(client: KontorClient): Promise<{ ledgerId: string; entryId: string; balance: string; asset: string }> {
  const ledger = await client.POST('/kontor/v1/ledgers', { body: { name: 'Generated client' } });
  if (!ledger.data) throw new Error(`createLedger: ${ledger.response.status} ${ledger.error?.detail}`);
  const ledgerId = ledger.data.id;

  const account = async (code: string, type: 'asset' | 'equity') => {
    const created = await client.POST('/kontor/v1/accounts', { body: { ledger_id: ledgerId, code, name: code, type, asset: 'USD' } });
    if (!created.data) throw new Error(`createAccount: ${created.response.status} ${created.error?.detail}`);
    return created.data.id;
  };
  const cash = await account('cash', 'asset');
  const equity = await account('equity', 'equity');

  const entry = await client.POST('/kontor/v1/entries', {
    body: {
      ledger_id: ledgerId,
      description: 'Opening capital',
      postings: [
        { account_id: cash, side: 'debit', amount: '12.50' },
        { account_id: equity, side: 'credit', amount: '12.50' },
      ],
    },
    headers: { 'idempotency-key': `generated-client-${ledgerId}` },
  });
  if (!entry.data) throw new Error(`postEntry: ${entry.response.status} ${entry.error?.detail}`);

  const balance = await client.GET('/kontor/v1/accounts/{id}/balance', { params: { path: { id: cash } } });
  if (!balance.data) throw new Error(`getAccountBalance: ${balance.response.status} ${balance.error?.detail}`);
  return { ledgerId, entryId: entry.data.id, balance: balance.data.balance, asset: balance.data.asset };
}

/**
 * Never called: mistakes the generated types refuse. Were the types loose (`any`), each
 * `@ts-expect-error` would be unused, which tsc reports as an error.
 */
export async function mistakesTheTypesCatch(client: KontorClient): Promise<void> {
  // @ts-expect-error -- a new ledger has `name`, not `title`
  await client.POST('/kontor/v1/ledgers', { body: { title: 'x' } });
  // @ts-expect-error -- no such path
  await client.GET('/kontor/v1/ledger');
  // @ts-expect-error -- a posting's side is debit or credit
  await client.POST('/kontor/v1/entries', { body: { ledger_id: 'l', postings: [{ account_id: 'a', side: 'left', amount: '1' }] } });
  const balance = await client.GET('/kontor/v1/accounts/{id}/balance', { params: { path: { id: 'acct' } } });
  // @ts-expect-error -- an amount is an exact decimal string, never a number
  const amount: number | undefined = balance.data?.balance;
  void amount;
}
