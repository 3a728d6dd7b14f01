import { tokenArray, type Queryable } from '../db.ts';
import { stringifyExact } from '../exact-json.ts';
import { newId, parseId, uuidToUlid } from '../ids.ts';
import type { KeyMode } from '../identity/key-formats.ts';

/**
 * The outbox of outgoing webhooks (decision 0021): a change records its events with the
 * transaction handle it is written with, so an event exists if and only if its change
 * committed. Recording also makes one pending delivery per endpoint that wants the event (same
 * org, surface and mode; its type in the endpoint's filter, or no filter), due at once; the
 * worker (src/platform/webhooks/worker.ts) sends them. Nothing here knows a surface.
 */
export interface OutboxEvent {
  /** The app: the org whose endpoints receive it. */
  orgId: string;
  /** The key's world: live and sandbox endpoints never see each other's events. A surface without modes records `live`. */
  mode: KeyMode;
  /** The surface whose endpoints receive it (`billing`; later `ledgerbee`). */
  surface: string;
  /** `subscription.created`, `invoice.paid`, …: what endpoint filters match. */
  type: string;
  /** The event's object as the surface shows it (JSON values; bigints are written as exact integers). */
  data: unknown;
  /** When it happened, on the surface's clock (a sandbox's test-clock time): the body's `timestamp`. */
  at: Date;
  /** Only this endpoint (its uuid), whatever its filter: a test event. */
  endpointId?: string;
}

/** Event ids as Standard Webhooks receivers expect them: `msg_` and a lowercase ULID; also the `webhook-id` header. */
export const EVENT_PREFIX = 'msg';
export const eventIdText = (uuid: string) => `${EVENT_PREFIX}_${uuidToUlid(uuid).toLowerCase()}`;
/** The uuid of an event id text, or null when it is none. */
export const eventUuid = (text: string) => parseId(EVENT_PREFIX, text);

/** The delivery body: `{id, type, timestamp, data}`, the bytes every attempt sends and signs. */
export const eventBody = (id: string, event: Pick<OutboxEvent, 'type' | 'data' | 'at'>) =>
  stringifyExact({ id: eventIdText(id), type: event.type, timestamp: event.at.toISOString(), data: event.data ?? null });

/**
 * Records `events` and their pending deliveries in the caller's transaction, in one statement;
 * returns their ids (`msg_…`) in order. New deliveries are due at once (`-infinity`: due on
 * any worker's clock, oldest event first).
 */
export async function recordEvents(tx: Queryable, events: readonly OutboxEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const ids = events.map(() => newId());
  await tx.query(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::uuid[])
                  AS i (org_id, surface, mode, id, type, body, occurred_at, only_endpoint)
     ), recorded AS (
       INSERT INTO webhook_events (org_id, surface, mode, id, type, body, occurred_at, recorded_at)
       SELECT org_id, surface, mode, id, type, body, occurred_at, now() FROM input
     )
     INSERT INTO webhook_deliveries (org_id, id, endpoint_id, event_id, status, next_attempt_at, created_at)
     SELECT i.org_id, gen_random_uuid(), w.id, i.id, 'pending', '-infinity', now()
       FROM input i JOIN webhook_endpoints w ON w.org_id = i.org_id AND w.surface = i.surface AND w.mode = i.mode
      WHERE CASE WHEN i.only_endpoint IS NULL THEN cardinality(w.event_types) = 0 OR i.type = ANY (w.event_types) ELSE w.id = i.only_endpoint END`,
    [
      tokenArray(events.map((e) => e.orgId)),
      events.map((e) => e.surface),
      events.map((e) => e.mode),
      tokenArray(ids),
      events.map((e) => e.type),
      events.map((e, i) => eventBody(ids[i], e)),
      tokenArray(events.map((e) => e.at.toISOString())),
      tokenArray(events.map((e) => e.endpointId ?? null)),
    ],
  );
  return ids.map(eventIdText);
}

/** Records one event (see `recordEvents`) in the caller's transaction; returns its id, `msg_…`. */
export async function recordEvent(tx: Queryable, event: OutboxEvent): Promise<string> {
  const [id] = await recordEvents(tx, [event]);
  return id;
}
