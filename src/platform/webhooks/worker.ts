import { setMaxListeners } from 'node:events';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../clock.ts';
import type { Db } from '../db.ts';
import { newId } from '../ids.ts';
import { claimDue, recordAttempt, releaseClaim, type ClaimedDelivery } from './deliveries.ts';
import { signingSecrets } from './endpoints.ts';
import { eventIdText } from './outbox.ts';
import { sendWebhook, type Sender } from './send.ts';
import { mayReachPrivate, type PrivateUrlRule } from './urls.ts';

export interface WorkerOptions {
  /** How long one attempt may take (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** Which endpoints may reach private addresses (WEBHOOK_PRIVATE_URLS). */
  privateUrls: PrivateUrlRule;
  /** Deliveries taken and sent at once. */
  batch?: number;
  /** How long past the timeout a claim lasts before another worker may take the delivery again. */
  leaseMarginMs?: number;
  send?: Sender;
  onError?: (error: unknown) => void;
}

export interface DeliveryRun {
  attempts: number;
  succeeded: number;
  /** Attempts that failed (due again, or failed for good after the last). */
  failed: number;
}

export const USER_AGENT = 'Kontor-Webhooks/1.0';

/** The Standard Webhooks headers of one attempt: signed at `at` with every secret that signs then (space-separated). */
export function signedHeaders(claim: Pick<ClaimedDelivery, 'eventId' | 'body' | 'secrets'>, at: Date): Record<string, string> {
  const id = eventIdText(claim.eventId);
  const signatures = signingSecrets(claim.secrets, at).map((secret) => new Webhook(secret).sign(id, at, claim.body));
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/**
 * The delivery worker (decision 0021): takes due deliveries from the database under a lease
 * (`claimDue`: `FOR UPDATE SKIP LOCKED`, so several servers on one PostgreSQL never send the
 * same attempt twice), signs each attempt afresh with the `standardwebhooks` package (same
 * `webhook-id` every time), POSTs with a timeout, and records the attempt and the next step
 * of the backoff schedule. Nothing lives only in memory: a server killed mid-request leaves
 * a lease that ends, and the next worker sends the event again (at least once). Tests call
 * `runDue()` with a moved clock instead of waiting; the server runs it on an interval.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** Every run in progress, the interval's and callers' alike: `stop` waits for all. */
  private readonly runs = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly send: Sender;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: WorkerOptions,
  ) {
    this.send = options.send ?? sendWebhook;
    // Every attempt of a batch listens for the stop.
    setMaxListeners(0, this.abort.signal);
  }

  /** Sends every delivery due by the clock's now that no other worker holds; returns when none is left. */
  runDue(): Promise<DeliveryRun> {
    const run = this.sendDue();
    this.runs.add(run);
    void run.catch(() => {}).finally(() => this.runs.delete(run));
    return run;
  }

  private async sendDue(): Promise<DeliveryRun> {
    const run: DeliveryRun = { attempts: 0, succeeded: 0, failed: 0 };
    const batch = this.options.batch ?? 20;
    const lease = this.options.timeoutMs + (this.options.leaseMarginMs ?? 60_000);
    while (!this.abort.signal.aborted) {
      const now = this.clock.now();
      const claimed = await claimDue(this.db, now, new Date(now.getTime() + lease), newId(), batch);
      if (claimed.length === 0) break;
      const outcomes = await Promise.all(claimed.map((claim) => this.attempt(claim)));
      for (const outcome of outcomes) {
        if (outcome === null) continue;
        run.attempts += 1;
        if (outcome === 'succeeded') run.succeeded += 1;
        else run.failed += 1;
      }
    }
    return run;
  }

  /** One attempt: signed now, sent, recorded; given back uncounted when the worker stops during it. */
  private async attempt(claim: ClaimedDelivery): Promise<'succeeded' | 'pending' | 'failed' | null> {
    try {
      const at = this.clock.now();
      const result = await this.send(claim.url, signedHeaders(claim, at), claim.body, {
        timeoutMs: this.options.timeoutMs,
        allowPrivate: mayReachPrivate(this.options.privateUrls, claim.mode),
        signal: this.abort.signal,
      });
      if (this.abort.signal.aborted) {
        await releaseClaim(this.db, claim, this.clock.now());
        return null;
      }
      return await recordAttempt(this.db, claim, result, this.clock.now());
    } catch (error) {
      // The lease ends and another run takes the delivery again.
      this.options.onError?.(error);
      return null;
    }
  }

  /** Runs due deliveries every `intervalMs` (real time) until `stop`; one run at a time. */
  start(intervalMs: number): void {
    if (this.timer || intervalMs <= 0) return;
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.timer.unref();
  }

  /** Starts a run now unless one is running. */
  wake(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = this.runDue()
      .catch((error) => this.options.onError?.(error))
      .finally(() => (this.running = null));
  }

  /** Stops taking deliveries, aborts the attempts in flight (giving them back for any worker) and waits for that. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await Promise.allSettled([...this.runs]);
  }
}
