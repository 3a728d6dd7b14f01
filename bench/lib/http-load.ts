import { Worker } from 'node:worker_threads';
import { percentile, round } from './measure.ts';

export interface HttpLoadOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Request bodies, used round-robin (POST). */
  bodies?: string[];
  seconds: number;
  warmupSeconds?: number;
  /** Closed loop: this many callers, each sending the next request when the last answered. */
  concurrency?: number;
  /** Open loop: this many requests a second whatever the answers, as a steady client load. */
  ratePerSecond?: number;
  /** The client's own addresses (any of 127.0.0.0/8), used in turn, so the server sees several clients. */
  localAddresses?: string[];
}

export interface HttpLoadResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
  /**
   * Open loop only: how late each measured request was written against its schedule (ms). The
   * latencies count from the write, so a client that falls behind (a starved machine) hides
   * server time in this lag instead (coordinated omission): a p99 here above a fraction of a
   * millisecond means the run did not hold its rate.
   */
  sendLagMs?: number[];
}

/**
 * Warm-up of the open-loop latency benchmarks (a fixed rate, a p99 target): a server that has
 * just started runs its request path unoptimised until V8 has compiled it, over its first
 * couple of thousand requests, and at 200–1,000 requests a second that takes seconds. Their
 * targets are latencies under a steady load, so once settled they are sent requests as fast
 * as they answer for `STEADY_LOAD_BURST_SECONDS` (`warmUp`), then run at their rate for
 * `STEADY_LOAD_WARMUP_SECONDS` unmeasured. TurboFan optimises a function once it has run
 * enough bytecode, so the small ones a request calls once tier up only after thousands of
 * requests, each compile taking 3-8 ms of the other core. Measured (`--trace-opt`, 2026-12-06):
 * with the 2 s alone (400 requests at 200 a second) 30-50 compiles a second in the window; in
 * the 8 s of warm-up at the rate and window, 264 after a 1.5 s burst and 77 after a 5 s one. `http.transfer`'s p99 in alternating
 * rounds: 5.6-8.2 ms with the 2 s alone against 4.0-5.2 with a 1.5 s burst; later, 6.7-7.8 with
 * 1.5 s against 4.4-6.5 with 5 s. The entitlement check's went from 1.0-1.6 to 0.6-0.8 ms.
 * Throughput benchmarks keep 0.5 s.
 */
export const STEADY_LOAD_WARMUP_SECONDS = 2;
export const STEADY_LOAD_BURST_SECONDS = 5;

/**
 * Requests as fast as two connections take them, for `seconds`, unmeasured: the request
 * path compiled and optimised before a latency benchmark measures it. Answers how many.
 */
export async function warmUp(
  options: Omit<HttpLoadOptions, 'seconds' | 'warmupSeconds' | 'concurrency' | 'ratePerSecond'>,
  seconds = STEADY_LOAD_BURST_SECONDS,
): Promise<number> {
  const r = await httpLoad({ ...options, seconds, concurrency: 2 });
  return r.requests;
}

/** Requests a second and the p50 and p99 latency (ms) of a load, as the HTTP benchmarks report them. */
export const latencySummary = (r: HttpLoadResult) => ({
  ops_per_s: round(r.requests / r.seconds),
  p50_ms: round(percentile(r.latenciesMs, 50), 3),
  p99_ms: round(percentile(r.latenciesMs, 99), 3),
});

// The client runs in a worker thread: its own event loop (and core), so it does not steal
// the server's loop time and the latencies are what a separate client would see. It speaks
// HTTP/1.1 keep-alive on raw sockets with prebuilt requests, as wrk does: node's http client
// costs several times the server's own work per request, and on two cores that would be
// measured as server time.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const o = workerData;
const url = new URL(o.url);
const CRLF2 = Buffer.from('\\r\\n\\r\\n');
const requests = (o.bodies || [undefined]).map((body) => {
  const headers = { host: url.host, ...o.headers };
  if (body !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(body); }
  const head = o.method + ' ' + url.pathname + url.search + ' HTTP/1.1\\r\\n' + Object.entries(headers).map(([k, v]) => k + ': ' + v + '\\r\\n').join('') + '\\r\\n';
  return Buffer.concat([Buffer.from(head), Buffer.from(body || '')]);
});
let sent = 0;
// One keep-alive connection: send() writes a request and resolves with [status, ms] when its
// whole response (Content-Length framed, as Fastify answers) has arrived.
const addresses = o.localAddresses && o.localAddresses.length > 0 ? o.localAddresses : [undefined];
function connection(localAddress) {
  const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress });
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0);
  let waiting = null;
  socket.on('data', (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (waiting) {
      const end = buffer.indexOf(CRLF2);
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/\\r\\ncontent-length: *(\\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      const done = waiting;
      waiting = null;
      done.resolve([Number(head.slice(9, 12)), Number(process.hrtime.bigint() - done.started) / 1e6, done.lag, done.sentAt]);
    }
  });
  const fail = () => { if (waiting) { const done = waiting; waiting = null; done.resolve([0, Number(process.hrtime.bigint() - done.started) / 1e6, done.lag, done.sentAt]); } };
  socket.on('error', fail);
  socket.on('close', fail);
  return {
    socket,
    send(lag) {
      return new Promise((resolve) => {
        waiting = { resolve, started: process.hrtime.bigint(), lag, sentAt: Date.now() };
        socket.write(requests[sent++ % requests.length]);
      });
    },
  };
}
(async () => {
  const warmEnd = Date.now() + (o.warmupSeconds || 0) * 1000;
  const end = warmEnd + o.seconds * 1000;
  const lat = [];
  const lags = [];
  const statuses = {};
  let count = 0;
  // A request counts when it was sent after the warm-up: one sent during it (a first request
  // compiling its route, a connection opening) may answer after it, and is warm-up all the same.
  const record = ([status, ms, lag, sentAt]) => {
    if (sentAt < warmEnd) return;
    count++;
    statuses[status] = (statuses[status] || 0) + 1;
    lat.push(ms);
    if (lag !== undefined) lags.push(lag);
  };
  const all = [];
  if (o.ratePerSecond) {
    // Open loop: a request every interval on an idle connection of the next address, opening more as needed.
    const idle = addresses.map(() => []);
    const interval = 1000 / o.ratePerSecond;
    const inflight = [];
    const start = Date.now();
    for (let i = 0; ; i++) {
      const at = start + i * interval;
      if (at >= end) break;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const a = i % addresses.length;
      const c = idle[a].pop() || connection(addresses[a]);
      if (!all.includes(c)) all.push(c);
      inflight.push(c.send(Math.max(0, Date.now() - at)).then((r) => { idle[a].push(c); record(r); }));
    }
    await Promise.all(inflight);
  } else {
    await Promise.all(Array.from({ length: o.concurrency }, async (_, n) => {
      const c = connection(addresses[n % addresses.length]);
      all.push(c);
      while (Date.now() < end) record(await c.send());
    }));
  }
  for (const c of all) c.socket.destroy();
  parentPort.postMessage({ requests: count, seconds: o.seconds, latenciesMs: lat, statuses, ...(o.ratePerSecond ? { sendLagMs: lags } : {}) });
})();
`;

export function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: options });
    worker.once('message', (m) => {
      resolve(m as HttpLoadResult);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
