import { Type, type Static } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { writeShared } from '../../platform/http/write.ts';
import type { StoredResponse } from '../../platform/idempotency.ts';
import { newId } from '../../platform/ids.ts';
import { auditRow } from '../../platform/write-audit.ts';
import { billingError } from '../../billing/errors.ts';
import { getCustomer } from '../../billing/customer-store.ts';
import { validUsageEvent, type EventOutcome, type StoredUsageEvent } from '../../billing/meter-events.ts';
import type { MeterQueue } from '../../billing/meter-queue.ts';
import { listUsageEvents, type HistoryUnit } from '../../billing/meter-store.ts';
import { pageRequest } from '../../billing/scope.ts';
import { meterHistory, meterUsage, tenantUsage } from '../../billing/usage-reads.ts';
import * as S from './schemas.ts';
import { billingOperations, requireTenant, scopeOf, tenantOf } from './context.ts';
import { PREFIX, idOf, pageView, uuidOf } from './views.ts';

const { reads, writes } = billingOperations('metering');
const JSON_TYPE = 'application/json; charset=utf-8';
const Count = Type.Unsafe<bigint>(Type.Integer({ description: '−1 means unlimited.' }));
const Time = Type.String({ format: 'date-time' });

const EventIn = Type.Object({
  feature_key: Type.Optional(Type.String({ maxLength: 100, examples: ['api_calls'] })),
  quantity: Type.Optional(Type.Integer({ description: 'A whole number of 0 or more (at most 2^53 − 1).', examples: [1] })),
  idempotency_key: Type.Optional(Type.String({ maxLength: 255, description: 'Refused as 409 duplicate_event when the tenant sent it before (kept at least 24 h).' })),
  timestamp: Type.Optional(Type.String({ maxLength: 40, description: 'When the usage happened (ISO 8601); the request time when absent.' })),
  metadata: Type.Optional(S.Metadata),
});
type EventBody = Static<typeof EventIn>;
const Buffered = Type.Object({ id: S.Id('uevt'), status: Type.Literal('buffered') });
const BatchResult = Type.Object({
  id: Type.Optional(S.Id('uevt')),
  status: Type.Union([Type.Literal('buffered'), Type.Literal('rejected')]),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});
export const UsageEvent = Type.Object({
  id: S.Id('uevt'),
  tenant_id: Type.String(),
  app_id: Type.String(),
  feature_key: Type.String(),
  quantity: Type.Unsafe<bigint>(Type.Integer()),
  timestamp: Time,
  idempotency_key: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
  created_at: Time,
});
const MeterParams = Type.Object({ subscriptionId: Type.String({ maxLength: 64 }), meter: Type.String({ maxLength: 100, description: 'A feature key' }) });
const GRANULARITY: Record<string, HistoryUnit> = { daily: 'day', weekly: 'week', monthly: 'month' };

const inputOf = (e: EventBody) => ({ featureKey: e.feature_key, quantity: e.quantity, idempotencyKey: e.idempotency_key, timestamp: e.timestamp, metadata: e.metadata });
const duplicateMessage = (o: EventOutcome) => `an event with idempotency_key "${o.event.idempotencyKey}" was already recorded for this tenant`;
const answer = (status: number, body: string): StoredResponse => ({ status, headers: { 'content-type': JSON_TYPE }, body });
/**
 * The batch's 202, written out directly: a hundred results a call on the hottest route, where
 * building an object per result to serialise it costs more than the text. The shape is the
 * route's response schema (the batch tests in test/apis/billing/meter.test.ts read it back).
 */
function batchAnswer(outcomes: EventOutcome[]): StoredResponse {
  let accepted = 0;
  let results = '';
  for (const o of outcomes) {
    if (results !== '') results += ',';
    if (o.stored) {
      accepted++;
      results += `{"id":"${idOf('uevt', o.event.id)}","status":"buffered"}`;
    } else results += `{"status":"rejected","error":{"code":"${o.code}","message":${JSON.stringify(duplicateMessage(o))}}}`;
  }
  return answer(202, `{"accepted":${accepted},"rejected":${outcomes.length - accepted},"results":[${results}]}`);
}
export const eventView = (e: StoredUsageEvent) => ({
  id: idOf('uevt', e.id),
  tenant_id: e.tenantId,
  app_id: e.orgId,
  feature_key: e.featureKey,
  quantity: e.quantity,
  timestamp: e.at.toISOString(),
  idempotency_key: e.idempotencyKey,
  metadata: e.metadata,
  created_at: e.createdAt.toISOString(),
});
/** A query time: absent → null; anything but an ISO 8601 date-time → 400 naming it. */
function timeParam(text: string | undefined, name: string): Date | null {
  if (text === undefined || text === '') return null;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw billingError('invalid_input', `${name} must be an ISO 8601 date-time`, name);
  return at;
}

/**
 * Meter events are tenant-scoped (X-Tenant-ID) and committed by the meter queue in shared
 * groups: 202 is sent only after the group holding the request's events, its audit row and its
 * Idempotency-Key answer committed.
 */
export function meterRoutes(api: SurfaceApp, { db, clock }: Core, meter: MeterQueue) {
  api.post(
    '/meter/events',
    writes({
      operationId: 'ingestMeterEvent',
      summary: 'Record one usage event of the tenant in context; 202 once it is stored.',
      body: EventIn,
      response: { 202: Buffered, ...S.errorResponses(400, 401, 403, 409, 429) },
    }),
    writeShared(async (commit, request) => {
      const tenant = requireTenant(request);
      const now = clock.now();
      const event = validUsageEvent(inputOf(request.body), newId(), now);
      const answerOf = () => answer(202, `{"id":"${idOf('uevt', event.id)}","status":"buffered"}`);
      const { audit, beforeCommit } = commit.options(answerOf, { created: 202, existing: 202 });
      const [outcome] = await meter.submit({
        scope: scopeOf(request),
        tenantId: tenant,
        at: now,
        events: [event],
        // Written only if the event is stored: a duplicate answers 409 and commits nothing of this request.
        audit: auditRow(audit.row, 202, now, event.id),
        beforeCommit: beforeCommit && (async (tx, outcomes) => (outcomes[0].stored ? beforeCommit(tx, outcomes) : undefined)),
      });
      if (!outcome.stored) throw billingError('duplicate_event', duplicateMessage(outcome), 'idempotency_key');
      return answerOf();
    }),
  );

  api.post(
    '/meter/events/batch',
    writes({
      operationId: 'ingestMeterEvents',
      summary:
        'Record up to 1,000 usage events of the tenant in context. An invalid event refuses the whole batch (400 naming it); ' +
        'an event whose idempotency_key was seen is rejected alone (`rejected` in its result), the others are stored.',
      body: Type.Object({ events: Type.Optional(Type.Array(EventIn, { maxItems: 1000 })) }),
      response: {
        202: Type.Object({ accepted: Type.Integer(), rejected: Type.Integer(), results: Type.Array(BatchResult) }),
        ...S.errorResponses(400, 401, 403, 429),
      },
    }),
    writeShared(async (commit, request) => {
      const tenant = requireTenant(request);
      const given = request.body.events ?? [];
      if (given.length === 0) throw billingError('invalid_input', 'events must hold at least one event', 'events');
      const now = clock.now();
      const events = given.map((e, i) => validUsageEvent(inputOf(e), newId(), now, `events[${i}].`));
      const { audit, beforeCommit } = commit.options(batchAnswer, { created: 202, existing: 202 });
      const outcomes = await meter.submit({ scope: scopeOf(request), tenantId: tenant, at: now, events, audit: auditRow(audit.row, 202, now), beforeCommit });
      return batchAnswer(outcomes);
    }),
  );

  api.get(
    '/meter/usage/:subscriptionId/:meter',
    reads({
      operationId: 'getMeterUsage',
      summary: "A meter's use over the subscription's current billing period, with its limit.",
      params: MeterParams,
      response: {
        200: Type.Object({ feature_key: Type.String(), subscription_id: S.Id('sub'), current_usage: Type.Unsafe<bigint>(Type.Integer()), limit: Count, remaining: Count, period_start: Time, period_end: Time }),
        ...S.errorResponses(401, 403, 404),
      },
    }),
    async (request) => {
      const { subscriptionId, meter: featureKey } = request.params;
      const u = await meterUsage(db, scopeOf(request), uuidOf(PREFIX.subscription, subscriptionId), tenantOf(request), featureKey, clock.now());
      return {
        feature_key: u.featureKey,
        subscription_id: idOf(PREFIX.subscription, u.subscription.id),
        current_usage: u.used,
        limit: u.limit,
        remaining: u.remaining,
        period_start: u.period.start.toISOString(),
        period_end: u.period.end.toISOString(),
      };
    },
  );

  api.get(
    '/meter/usage/:subscriptionId/:meter/history',
    reads({
      operationId: 'getMeterUsageHistory',
      summary:
        "A meter's use per UTC day, ISO week (from Monday) or calendar month over [start, end), empty buckets included, each labelled by its first day. " +
        "Defaults: the subscription's current period, daily.",
      params: MeterParams,
      querystring: Type.Object({
        start: Type.Optional(Type.String({ description: 'ISO 8601' })),
        end: Type.Optional(Type.String({ description: 'ISO 8601' })),
        granularity: Type.Optional(Type.String({ description: 'daily (default), weekly or monthly' })),
      }),
      response: {
        200: Type.Object({ feature_key: Type.String(), data: Type.Array(Type.Object({ period: Type.String({ format: 'date' }), usage: Type.Unsafe<bigint>(Type.Integer()) })) }),
        ...S.errorResponses(400, 401, 403, 404),
      },
    }),
    async (request) => {
      const { subscriptionId, meter: featureKey } = request.params;
      const q = request.query;
      const unit = GRANULARITY[q.granularity ?? 'daily'];
      if (!unit) throw billingError('invalid_input', 'granularity must be daily, weekly or monthly', 'granularity');
      const query = { start: timeParam(q.start, 'start'), end: timeParam(q.end, 'end'), unit };
      const h = await meterHistory(db, scopeOf(request), uuidOf(PREFIX.subscription, subscriptionId), tenantOf(request), featureKey, query, clock.now());
      return { feature_key: h.featureKey, data: h.buckets.map((b) => ({ period: b.label, usage: b.used })) };
    },
  );

  api.get(
    '/meter/events',
    reads({
      operationId: 'listMeterEvents',
      summary: "The tenant's raw usage events, newest first, optionally one feature's and within [start, end).",
      querystring: Type.Object({
        feature_key: Type.Optional(Type.String({ maxLength: 100 })),
        start: Type.Optional(Type.String({ description: 'ISO 8601' })),
        end: Type.Optional(Type.String({ description: 'ISO 8601' })),
        ...S.PageQuery,
      }),
      response: { 200: S.PageOf(UsageEvent), ...S.errorResponses(400, 401, 403) },
    }),
    async (request) => {
      const tenant = requireTenant(request);
      const q = request.query;
      const filter = { featureKey: q.feature_key?.trim() || null, start: timeParam(q.start, 'start'), end: timeParam(q.end, 'end') };
      const page = await listUsageEvents(db, scopeOf(request), tenant, filter, pageRequest(q.limit, q.offset));
      return pageView(page, eventView);
    },
  );

  api.get(
    '/customers/:id/usage',
    reads({
      operationId: 'getCustomerUsage',
      summary: "Each metered feature of the customer's current plan over its current period (403 no_active_subscription without one).",
      tags: ['customers'],
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: {
        200: Type.Object({
          customer_id: S.Id('cst'),
          period_start: Time,
          period_end: Time,
          usage: Type.Record(Type.String(), Type.Object({ used: Count, limit: Count, remaining: Count })),
        }),
        ...S.errorResponses(401, 403, 404),
      },
    }),
    async (request) => {
      const scope = scopeOf(request);
      const customer = await getCustomer(db, scope, uuidOf(PREFIX.customer, request.params.id), tenantOf(request));
      const u = await tenantUsage(db, scope, customer.tenantId, clock.now());
      return {
        customer_id: idOf(PREFIX.customer, customer.id),
        period_start: u.period.start.toISOString(),
        period_end: u.period.end.toISOString(),
        usage: Object.fromEntries(u.features.map((e) => [e.feature, { used: e.used, limit: e.limit, remaining: e.remaining }])),
      };
    },
  );
}
