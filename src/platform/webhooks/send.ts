import http from 'node:http';
import https from 'node:https';
import { guardedLookup, refusedLiteral } from './urls.ts';

/** What one attempt got: the status the endpoint answered (null: none came) or why it failed. */
export interface SendResult {
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborted when the worker stops: the attempt is given back, not counted. */
  signal?: AbortSignal;
  now?: () => number;
}

/** How one attempt is made; the worker's tests may pass their own. */
export type Sender = (url: string, headers: Record<string, string>, body: string, options: SendOptions) => Promise<SendResult>;

/**
 * POSTs `body` once: no redirects followed (a 3xx is a failed attempt, as is anything but
 * 2xx), connection to response headers within `timeoutMs`, the response body read and
 * dropped. Names resolve through `guardedLookup`, literal addresses are checked here, so a
 * private address is refused unless `allowPrivate`.
 */
export const sendWebhook: Sender = (url, headers, body, options) => {
  const clock = options.now ?? Date.now;
  const started = clock();
  const done = (status: number | null, error: string | null): SendResult => ({ status, error, durationMs: Math.max(0, Math.round(clock() - started)) });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(done(null, 'invalid url'));
  }
  if (refusedLiteral(target, options.allowPrivate)) return Promise.resolve(done(null, 'refused: private or reserved address'));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup: guardedLookup(options.allowPrivate) as any,
        agent: false,
      },
      (response) => {
        response.resume();
        finish(done(response.statusCode ?? null, null));
      },
    );
    const timer = setTimeout(() => {
      finish(done(null, `timeout after ${options.timeoutMs} ms`));
      request.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish(done(null, 'aborted'));
      request.destroy();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error: NodeJS.ErrnoException) => finish(done(null, error.code === 'EPRIVATE' ? `refused: ${error.message}` : (error.code ?? error.message))));
    request.end(body);
  });
};
