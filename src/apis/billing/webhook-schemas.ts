import { Type } from 'typebox';
import { Id } from './schemas.ts';

/*
 * The outgoing-webhook shapes of the billing surface (decision 0021). As elsewhere on this
 * surface, request schemas check JSON types; values (url, event types) are checked by the
 * webhooks core, which names the field.
 */

const Time = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const NewWebhookEndpoint = Type.Object(
  {
    url: Type.Optional(Type.String({ maxLength: 2048, description: 'Where events are POSTed: http(s); private and loopback addresses only where WEBHOOK_PRIVATE_URLS allows.' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    event_types: Type.Optional(
      Type.Array(Type.String({ maxLength: 100, examples: ['subscription.created'] }), { maxItems: 100, description: 'The event types to receive; empty or absent: every type.' }),
    ),
  },
  { description: 'url is required.' },
);

const endpointFields = {
  id: Id('we'),
  url: Type.String(),
  description: Type.String(),
  event_types: Type.Array(Type.String(), { description: 'Empty: every event type.' }),
  mode: Type.Union([Type.Literal('live'), Type.Literal('sandbox')]),
  previous_secret_expires_at: Nullable(Time),
  app_id: Type.String(),
  created_at: Time,
  updated_at: Time,
};

export const WebhookEndpoint = Type.Object(endpointFields, { description: 'An endpoint; its secret is shown only when created or rolled.' });
export const WebhookEndpointWithSecret = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({ description: 'whsec_…: the Standard Webhooks signing secret, shown this once.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }),
  },
  { description: 'An endpoint with its new signing secret (shown once).' },
);

export const TestEvent = Type.Object({
  id: Type.String({ description: 'The event id (msg_…), also its webhook-id header.', pattern: '^msg_[0-9a-z]{26}$' }),
  type: Type.Literal('webhook.test'),
  endpoint_id: Id('we'),
});

const Attempt = Type.Object({
  attempt: Type.Integer(),
  at: Time,
  status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
  response_code: Type.Union([Type.Integer(), Type.Null()], { description: 'The status the endpoint answered; null when none came (timeout, refused).' }),
  error: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Integer(),
});

export const Delivery = Type.Object({
  id: Id('wdl'),
  event_id: Type.String({ pattern: '^msg_[0-9a-z]{26}$' }),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Array(Attempt, { description: 'Oldest first.' }),
  next_attempt_at: Nullable(Time),
  created_at: Time,
});
