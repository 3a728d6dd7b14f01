import { Worker } from 'node:worker_threads';

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
}

export interface HttpLoadResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  statuses: Record<string, number>;
}

// The client runs in a worker thread: its own event loop (and core), so it does not steal
// the server's loop time and the latencies are what a separate client would see.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const o = workerData;
const url = new URL(o.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(o.concurrency || 0, 64) });
let sent = 0;
function send() {
  return new Promise((resolve) => {
    const body = o.bodies ? o.bodies[sent++ % o.bodies.length] : undefined;
    const started = process.hrtime.bigint();
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: o.method,
      headers: body ? { ...o.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : o.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve([res.statusCode, Number(process.hrtime.bigint() - started) / 1e6]));
    });
    req.on('error', () => resolve([0, Number(process.hrtime.bigint() - started) / 1e6]));
    if (body) req.write(body);
    req.end();
  });
}
(async () => {
  const warmEnd = Date.now() + (o.warmupSeconds || 0) * 1000;
  const end = warmEnd + o.seconds * 1000;
  const lat = [];
  const statuses = {};
  let requests = 0;
  const record = ([status, ms]) => {
    if (Date.now() < warmEnd) return;
    requests++;
    statuses[status] = (statuses[status] || 0) + 1;
    lat.push(ms);
  };
  let measuredFrom = null;
  if (o.ratePerSecond) {
    const interval = 1000 / o.ratePerSecond;
    const inflight = [];
    const start = Date.now();
    for (let i = 0; ; i++) {
      const at = start + i * interval;
      if (at >= end) break;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(send().then(record));
    }
    await Promise.all(inflight);
  } else {
    await Promise.all(Array.from({ length: o.concurrency }, async () => {
      while (Date.now() < end) record(await send());
    }));
  }
  agent.destroy();
  parentPort.postMessage({ requests, seconds: o.seconds, latenciesMs: lat, statuses });
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
