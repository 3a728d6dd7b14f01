import { Type, type Static } from 'typebox';
import type { Core } from '../../core.ts';
import type { Queryable } from '../../platform/db.ts';
import { principalOf, type SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { parseInstant } from '../../platform/dates.ts';
import { deleteTransaction, ingestRows, listTransactions, type IngestRow, type Subtype } from '../../mycfo/ingest.ts';
import { currencyMismatch, getWorkspace, type CfoDeps } from '../../mycfo/workspaces.ts';
import * as S from './schemas.ts';
import { idFrom, ingestView, listView, pageRequest, transactionView } from './views.ts';

const ingest = S.mycfoOperations('ingest');
const WsParams = Type.Object({ id: Type.String() });

// Optional fields take null as well as absence, like every optional field of the surface.
const rowFields = {
  amount_cents: S.Cents,
  currency: Type.Optional(S.Nullable(S.Currency)),
  occurred_at: S.DayOrTime,
  external_id: Type.Optional(S.Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
};
const ExpenseRow = Type.Object({
  subtype: Type.Union([Type.Literal('recurring_expense'), Type.Literal('one_time_expense')]),
  ...rowFields,
  vendor: Type.Optional(S.Nullable(Type.String({ maxLength: 500 }))),
});
const RevenueRow = Type.Object({
  subtype: Type.Union([Type.Literal('recurring'), Type.Literal('one_time')]),
  ...rowFields,
  description: Type.Optional(S.Nullable(Type.String({ maxLength: 1000 }))),
});
const Rows = <T extends typeof ExpenseRow | typeof RevenueRow>(row: T) => Type.Array(row, { minItems: 1, maxItems: 5000 });
const SUBTYPES = ['recurring_expense', 'one_time_expense', 'recurring', 'one_time', 'subscription_invoice', 'charge', 'refund'] as const;

const Transaction = Type.Object({
  id: S.Id('txn'),
  workspace_id: S.Id('ws'),
  kind: Type.String(),
  subtype: Type.String(),
  amount_cents: S.CentsOut,
  currency: Type.String(),
  occurred_at: Type.String(),
  vendor: S.Nullable(Type.String()),
  description: S.Nullable(Type.String()),
  external_id: S.Nullable(Type.String()),
  source: Type.String(),
  ingest_id: S.Id('ing'),
  created_at: Type.String(),
});

/**
 * An expense or revenue row. The row schemas do not forbid other properties, so either kind
 * may carry a vendor and a description; both are kept, as the surface always has.
 */
type ManualRow = Omit<Static<typeof ExpenseRow>, 'subtype' | 'vendor'> & { subtype: Subtype; vendor?: string | null; description?: string | null };

/** Manual rows of one kind, in the workspace's currency, written as one ingest. */
async function ingestManual(tx: Queryable, cfo: CfoDeps, orgId: string, workspaceText: string, field: 'expenses' | 'revenue', body: ManualRow[]) {
  const ws = await getWorkspace(tx, orgId, idFrom('workspace', workspaceText));
  const rows: IngestRow[] = body.map((row, i) => {
    const currency = row.currency ?? ws.currency;
    if (currency !== ws.currency) throw currencyMismatch(`${field}[${i}].currency`, ws.currency);
    return {
      subtype: row.subtype,
      amountCents: BigInt(row.amount_cents),
      currency,
      // A date is midnight UTC; a time is taken as given.
      occurredAt: parseInstant(row.occurred_at, `${field}[${i}].occurred_at`),
      vendor: row.vendor ?? null,
      description: row.description ?? null,
      externalId: row.external_id ?? null,
    };
  });
  return ingestView(await ingestRows(tx, cfo, orgId, ws.id, rows, 'manual', field));
}

const ingestSummary = (field: string) => `Ingest ${field} rows: all are validated before any is written; external_id dedups per workspace.`;

export function ingestRoutes(api: SurfaceApp, core: Core, cfo: CfoDeps) {
  // Expenses and revenue differ only by their rows' schema and the body field that holds them.
  const manual = (field: 'expenses' | 'revenue', operationId: string, row: typeof ExpenseRow | typeof RevenueRow) =>
    api.post(
      `/workspaces/:id/ingest/${field}`,
      ingest.writes({
        operationId,
        summary: ingestSummary(field),
        params: WsParams,
        body: Type.Object({ [field]: Rows(row) }),
        response: { 202: S.IngestResult, ...S.errors(400, 401, 404, 409, 422) },
      }),
      write(async (tx, request, reply) => {
        const answer = await ingestManual(tx, cfo, principalOf(request).orgId, request.params.id, field, request.body[field] as ManualRow[]);
        reply.code(202);
        return answer;
      }),
    );
  manual('expenses', 'ingestExpenses', ExpenseRow);
  manual('revenue', 'ingestRevenue', RevenueRow);

  api.get(
    '/workspaces/:id/transactions',
    ingest.reads({
      operationId: 'listTransactions',
      summary: 'Ingested rows, newest first; filter by kind, subtype and an inclusive occurred_at date range.',
      params: WsParams,
      querystring: Type.Object({
        kind: Type.Optional(Type.Union([Type.Literal('expense'), Type.Literal('revenue')])),
        subtype: Type.Optional(Type.Union(SUBTYPES.map((s) => Type.Literal(s)))),
        from: Type.Optional(S.Day),
        to: Type.Optional(S.Day),
        ...S.PageQuery,
      }),
      response: { 200: S.ListOf(Transaction), ...S.errors(401, 404, 422) },
    }),
    async (request) => {
      const q = request.query;
      const page = await listTransactions(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id), {
        kind: q.kind,
        subtype: q.subtype,
        from: q.from,
        to: q.to,
        ...pageRequest('transaction', q),
      });
      return listView(page, transactionView);
    },
  );

  api.delete(
    '/workspaces/:id/transactions/:transaction_id',
    ingest.writes({
      operationId: 'deleteTransaction',
      summary: 'Removes an ingested row: its ledger entry is reversed on the same date, never edited.',
      params: Type.Object({ id: Type.String(), transaction_id: Type.String() }),
      response: { 204: Type.Null(), ...S.errors(401, 404) },
    }),
    write(async (tx, request, reply) => {
      const orgId = principalOf(request).orgId;
      await deleteTransaction(tx, cfo, orgId, idFrom('workspace', request.params.id), idFrom('transaction', request.params.transaction_id));
      reply.code(204);
      return null;
    }),
  );
}
