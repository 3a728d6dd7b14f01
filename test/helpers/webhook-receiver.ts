import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How the receiver answers one request: a status, or a promise the test resolves to hold the answer back. */
export type Answer = number | Promise<number>;

/**
 * A local HTTP server on 127.0.0.1, port 0, that records every request and answers with the
 * next queued answer (then `fallback`, 200 by default). `arrived(n)` resolves once n requests
 * have come, so tests wait for events, never for time.
 */
export async function webhookReceiver() {
  const received: Received[] = [];
  const queue: Answer[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let fallback = 200;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const w of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = queue.length > 0 ? queue.shift()! : fallback;
      open.add(res);
      const status = await answer;
      open.delete(res);
      if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    /** Answers for the next requests, in order. */
    answer: (...answers: Answer[]) => void queue.push(...answers),
    setFallback: (status: number) => void (fallback = status),
    arrived: (count: number) => (received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    clear: () => void received.splice(0),
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An answer the test releases later: `hold.answer` to queue, `hold.release(status)` to send it. */
export function heldAnswer() {
  let release!: (status: number) => void;
  const answer = new Promise<number>((resolve) => (release = resolve));
  return { answer, release };
}
