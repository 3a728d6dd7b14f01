import { httpLoad } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import { percentile, round } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const FLOODERS = 16;
const LOGINS_PER_SECOND = 5;
const USERS = 40;
const ADDRESSES = 10;

/**
 * Legitimate MyCFO log-ins, 5 a second by 40 users from 10 client addresses (each within the
 * default limits of 60 attempts a minute per address and 10 per email), while 16 connections
 * from another address (127.0.0.2) send wrong passwords as fast as they are answered: the
 * limits refuse the flood before hashing and hashes run a bounded few at a time, so the
 * legitimate callers are not held up. ops = legitimate log-ins.
 */
export default {
  name: 'http.login_under_flood',
  description: `POST /v1/auth/login at ${LOGINS_PER_SECOND}/s while ${FLOODERS} connections flood wrong passwords from another address; ops = legitimate log-ins`,
  targets: [{ field: 'p99_ms', max: 150 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    // The server's own defaults for sign-up and log-in limits (not the bench's raised ones).
    const server = await startBenchServer(ctx, { AUTH_RATE_PER_MINUTE_PER_ADDRESS: '60', AUTH_RATE_PER_MINUTE_PER_EMAIL: '10' });
    try {
      const url = `${server.base}/v1/auth/login`;
      const users = Array.from({ length: USERS }, (_, i) => ({ email: `ceo${i}@bench.test`, password: `correct horse ${i}` }));
      for (const [i, user] of users.entries()) {
        const registered = await fetch(`${server.base}/v1/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ org_name: `Bench ${i}`, ...user }),
        });
        if (registered.status !== 201) throw new Error(`register failed: ${registered.status}`);
      }
      const flood = httpLoad({
        url,
        method: 'POST',
        headers: {},
        bodies: Array.from({ length: 64 }, (_, i) => JSON.stringify({ email: `guess${i}@bench.test`, password: `wrong-${i}` })),
        seconds: ctx.seconds + 1,
        concurrency: FLOODERS,
        localAddresses: ['127.0.0.2'],
      });
      const legit = await httpLoad({
        url,
        method: 'POST',
        headers: {},
        bodies: users.map((u) => JSON.stringify(u)),
        localAddresses: Array.from({ length: ADDRESSES }, (_, i) => `127.0.1.${i + 1}`),
        seconds: ctx.seconds,
        warmupSeconds: 0.5,
        ratePerSecond: LOGINS_PER_SECOND,
      });
      const flooded = await flood;
      return {
        ops_per_s: round(legit.requests / legit.seconds),
        p50_ms: round(percentile(legit.latenciesMs, 50), 3),
        p99_ms: round(percentile(legit.latenciesMs, 99), 3),
        errors: legit.requests - (legit.statuses['200'] ?? 0),
        flood_requests: flooded.requests,
        flood_refused_429: flooded.statuses['429'] ?? 0,
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
