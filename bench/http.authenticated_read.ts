import { formatId } from '../src/platform/ids.ts';
import { httpLoad, latencySummary } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import type { Benchmark } from './lib/types.ts';

const CALLERS = 32;

/**
 * Reads through the whole pipeline: GET /kontor/v1/accounts/{id} with an API key (cached
 * lookup, scope check, GCRA rate limit with its headers), a primary-key read and the
 * serialiser, from 32 keep-alive connections of a client thread.
 */
export default {
  name: 'http.authenticated_read',
  description: `GET /kontor/v1/accounts/{id} with an API key and the rate limit, ${CALLERS} closed-loop callers on a client thread; ops = requests`,
  // Issue 10's figure, for the embedded PostgreSQL of `npm start` on the 2-core machine.
  targets: [{ field: 'ops_per_s', min: 10_000 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    const f = await ctx.seedLedger({ accounts: 100 });
    const server = await startBenchServer(ctx);
    try {
      const { secret } = await server.core.apiKeys.create({ orgId: f.orgId, surface: 'kontor', scopes: ['ledger:read'], mode: 'live' });
      await ctx.settle();
      const r = await httpLoad({
        url: `${server.base}/kontor/v1/accounts/${formatId('acct', f.accountIds[0])}`,
        method: 'GET',
        headers: { authorization: `Bearer ${secret}` },
        seconds: ctx.seconds,
        warmupSeconds: 0.5,
        concurrency: CALLERS,
      });
      return {
        ...latencySummary(r),
        errors: r.requests - (r.statuses['200'] ?? 0),
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
