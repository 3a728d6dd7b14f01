import { Type } from 'typebox';
import type { Core } from '../../core.ts';
import type { SurfaceApp } from '../../platform/http/surface.ts';
import { write } from '../../platform/http/write.ts';
import { billingError } from '../../billing/errors.ts';
import { runAllDueSteps } from '../../billing/clock-steps.ts';
import { settleAllDueInvoices } from '../../billing/invoice-run.ts';
import { advanceTestClock, readTestClock, type TestClock } from '../../billing/test-clocks.ts';
import { collectWorld } from '../../billing/collection.ts';
import { billingSettings } from './settings.ts';
import * as S from './schemas.ts';
import { billingOperations, scopeOf } from './context.ts';

const testClocks = billingOperations('test clocks');
const Clock = Type.Object({
  now: Type.String({ format: 'date-time', description: "The app's sandbox time." }),
  advanced_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When (real time) the clock was last advanced; null when never.' }),
});
const Advanced = Type.Object({
  ...Clock.properties,
  previous: Type.String({ format: 'date-time', description: 'The sandbox time before this advance.' }),
  subscriptions_advanced: Type.Integer({ description: 'Subscriptions the clock reached (each brought up to the new time).' }),
  steps: Type.Integer({ description: 'Clock steps taken: periods rolled, trials ended, scheduled resumes and cancels.' }),
});
const clockView = (c: TestClock) => ({ now: c.now.toISOString(), advanced_at: c.advancedAt?.toISOString() ?? null });

/**
 * Stripe-style test clocks for an app's sandbox (sandbox keys only; a live key gets 403): the
 * sandbox's time, and moving it forward, running every step that falls due before answering,
 * so a year of billing takes a second.
 */
export function testClockRoutes(api: SurfaceApp, { db, clock, ledger, writes, config }: Core) {
  const endpoints = billingSettings(config.env).providers;
  api.get(
    '/test-clock',
    testClocks.reads({
      operationId: 'getTestClock',
      summary: "The app's sandbox time (sandbox keys only).",
      response: { 200: Clock, ...S.errorResponses(401, 403) },
    }),
    async (request) => clockView(await readTestClock(db, scopeOf(request), clock)),
  );

  api.post(
    '/test-clock/advance',
    {
      ...testClocks.writes({
        operationId: 'advanceTestClock',
        summary: "Move the app's sandbox time forward to `to` and run every billing step that falls due, period-end invoices included (sandbox keys only).",
        body: Type.Object({ to: Type.Optional(Type.String({ maxLength: 40, description: 'An ISO 8601 time later than the sandbox time, at most ten years ahead.' })) }),
        response: { 200: Advanced, ...S.errorResponses(400, 401, 403) },
      }),
      // After the advance committed, before the answer: the sandbox's due invoices are charged
      // (each provider call between two transactions of its own, collection.ts).
      onSend: async (request, reply, payload) => {
        const to = (request.body as { to?: string } | undefined)?.to;
        if (reply.statusCode !== 200 || !to || request.idempotency?.replayed) return payload;
        await collectWorld({ db, writes, ledger, endpoints }, scopeOf(request), new Date(to), (error) => request.log.warn({ err: error }, 'a collection failed'));
        return payload;
      },
    },
    write(async (tx, request) => {
      const scope = scopeOf(request);
      const to = request.body.to === undefined ? null : new Date(request.body.to);
      if (to === null || Number.isNaN(to.getTime())) throw billingError('invalid_input', '"to" must be an ISO 8601 time', 'to');
      const moved = await advanceTestClock(tx, scope, clock, to);
      const run = await runAllDueSteps(tx, scope, to);
      // The invoices of the periods that ended: finalised and posted before the answer.
      await settleAllDueInvoices(tx, scope, to, ledger);
      return { ...clockView(moved.clock), previous: moved.previous.toISOString(), subscriptions_advanced: run.subscriptions, steps: run.events };
    }),
  );
}
