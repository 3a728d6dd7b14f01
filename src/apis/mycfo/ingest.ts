import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import { principalOf } from '../../platform/http/surface.ts';
import { parseInstant } from '../../platform/dates.ts';
import { deleteTransaction, ingestRows, listTransactions, type IngestRow, type Subtype, type TransactionKind } from '../../mycfo/ingest.ts';
import { currencyMismatch, getWorkspace } from '../../mycfo/workspaces.ts';
import * as S from './schemas.ts';
import { idFrom, ingestView, startingAfter, transactionView } from './views.ts';

const security = [{ bearer: [] }];
const IngestResult = Type.Object({ ingest_id: S.Id('ing'), status: Type.Literal('completed'), inserted: Type.Integer(), duplicates: Type.Integer() });
const WsParams = Type.Object({ id: Type.String() });

interface RowBody {
  subtype: Subtype;
  amount_cents: number;
  currency?: string | null;
  occurred_at: string;
  vendor?: string | null;
  description?: string | null;
  external_id?: string | null;
}

const rowSchema = (subtypes: string[], extra: Record<string, any>) =>
  Type.Object({
    subtype: Type.Union(subtypes.map((s) => Type.Literal(s))),
    amount_cents: S.Cents,
    // Optional fields take null as well as absence, like every optional field of the surface.
    currency: Type.Optional(S.Nullable(S.Currency)),
    occurred_at: S.DayOrTime,
    external_id: Type.Optional(S.Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
    ...extra,
  });



export function ingestRoutes(api: FastifyInstance, core: Core) {
  const ingestKind = (path: string, field: 'expenses' | 'revenue', subtypes: string[], extra: Record<string, any>) =>
    api.post<{ Params: { id: string }; Body: Record<string, RowBody[]> }>(
      `/workspaces/:id/ingest/${path}`,
      {
        schema: {
          tags: ['ingest'],
          summary: `Ingest ${field} rows: all are validated before any is written; external_id dedups per workspace.`,
          security,
          params: WsParams,
          body: Type.Object({ [field]: Type.Array(rowSchema(subtypes, extra), { minItems: 1, maxItems: 5000 }) }),
          response: { 202: IngestResult, ...S.errors(400, 401, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const orgId = principalOf(request).orgId;
        const ws = await getWorkspace(core.db, orgId, idFrom('workspace', request.params.id));
        const rows: IngestRow[] = request.body[field].map((row, i) => {
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
        const result = await ingestRows(core, orgId, ws.id, rows, 'manual', field);
        return reply.code(202).send(ingestView(result));
      },
    );

  ingestKind('expenses', 'expenses', ['recurring_expense', 'one_time_expense'], { vendor: Type.Optional(S.Nullable(Type.String({ maxLength: 500 }))) });
  ingestKind('revenue', 'revenue', ['recurring', 'one_time'], { description: Type.Optional(S.Nullable(Type.String({ maxLength: 1000 }))) });

  const Transaction = Type.Object({
    id: S.Id('txn'),
    workspace_id: S.Id('ws'),
    kind: Type.String(),
    subtype: Type.String(),
    amount_cents: Type.Integer(),
    currency: Type.String(),
    occurred_at: Type.String(),
    vendor: S.Nullable(Type.String()),
    description: S.Nullable(Type.String()),
    external_id: S.Nullable(Type.String()),
    source: Type.String(),
    ingest_id: S.Id('ing'),
    created_at: Type.String(),
  });

  api.get<{ Params: { id: string }; Querystring: { kind?: TransactionKind; subtype?: Subtype; from?: string; to?: string; limit?: number; starting_after?: string } }>(
    '/workspaces/:id/transactions',
    {
      schema: {
        tags: ['ingest'],
        summary: 'Ingested rows, newest first; filter by kind, subtype and an inclusive occurred_at date range.',
        security,
        params: WsParams,
        querystring: Type.Object({
          kind: Type.Optional(Type.Union([Type.Literal('expense'), Type.Literal('revenue')])),
          subtype: Type.Optional(
            Type.Union(['recurring_expense', 'one_time_expense', 'recurring', 'one_time', 'subscription_invoice', 'charge', 'refund'].map((s) => Type.Literal(s))),
          ),
          from: Type.Optional(S.Day),
          to: Type.Optional(S.Day),
          ...S.PageQuery,
        }),
        response: { 200: S.ListOf(Transaction), ...S.errors(401, 404, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listTransactions(core.db, principalOf(request).orgId, idFrom('workspace', request.params.id), {
        kind: q.kind,
        subtype: q.subtype,
        from: q.from,
        to: q.to,
        limit: q.limit ?? 20,
        after: startingAfter('transaction', q.starting_after),
      });
      return { data: page.items.map(transactionView), has_more: page.nextCursor !== null };
    },
  );

  api.delete<{ Params: { id: string; transaction_id: string } }>(
    '/workspaces/:id/transactions/:transaction_id',
    {
      schema: {
        tags: ['ingest'],
        summary: 'Removes an ingested row: its ledger entry is reversed on the same date, never edited.',
        security,
        params: Type.Object({ id: Type.String(), transaction_id: Type.String() }),
        response: { 204: Type.Null(), ...S.errors(401, 404) },
      },
    },
    async (request, reply) => {
      await deleteTransaction(core, principalOf(request).orgId, idFrom('workspace', request.params.id), idFrom('transaction', request.params.transaction_id));
      return reply.code(204).send();
    },
  );
}
