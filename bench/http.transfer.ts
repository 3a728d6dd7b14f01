import { formatId } from '../src/platform/ids.ts';
import { httpLoad, latencySummary, STEADY_LOAD_WARMUP_SECONDS, warmUp } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import { round } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';
import { watchStalls } from './lib/stalls.ts';
import { durableWriteFloor } from './lib/floors.ts';

const RATE = 200;
const ACCOUNTS = 1_000;

/**
 * A steady client posting one transfer at a time through POST /kontor/v1/entries (API key,
 * rate limit, validation, the engine, serialisation), at a fixed 200 requests a second from
 * another thread: the latency a caller sees at that load. Then, in the same run, the floor:
 * the same client and rate against a bare route committing one single-row UPDATE (`floor_*`),
 * what this machine's wake-ups and fsync cost any durable write over HTTP at that moment.
 */
export default {
  name: 'http.transfer',
  description: `POST /kontor/v1/entries, one two-posting transfer each, open loop at ${RATE} req/s from a client thread; ops = requests`,
  targets: [{ field: 'p99_ms', max: 6 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    const f = await ctx.seedLedger({ accounts: ACCOUNTS });
    const server = await startBenchServer(ctx);
    try {
      const { secret } = await server.core.apiKeys.create({ orgId: f.orgId, surface: 'kontor', scopes: ['ledger:write'], mode: 'live' });
      const ledger = formatId('ldg', f.ledgerId);
      const bodies = Array.from({ length: 2_000 }, () => {
        const from = ctx.randomInt(ACCOUNTS);
        const to = (from + 1 + ctx.randomInt(ACCOUNTS - 1)) % ACCOUNTS;
        const amount = `${1 + ctx.randomInt(1000)}.${String(ctx.randomInt(100)).padStart(2, '0')}`;
        return JSON.stringify({
          ledger_id: ledger,
          postings: [
            { account_id: formatId('acct', f.accountIds[to]), side: 'debit', amount },
            { account_id: formatId('acct', f.accountIds[from]), side: 'credit', amount },
          ],
        });
      });
      const load = { url: `${server.base}/kontor/v1/entries`, method: 'POST' as const, headers: { authorization: `Bearer ${secret}` }, bodies };
      await ctx.settle();
      // After the settle: its CHECKPOINT and VACUUM between the burst and the window gave stalls
      // of 50-180 ms inside it (p99 58-126 ms in two of four runs).
      await warmUp(load);
      const stalls = await watchStalls(ctx);
      const r = await httpLoad({
        ...load,
        seconds: ctx.seconds,
        warmupSeconds: STEADY_LOAD_WARMUP_SECONDS,
        ratePerSecond: RATE,
      });
      const errors = r.requests - (r.statuses['201'] ?? 0);
      const stalled = await stalls.stop();
      const floor = await durableWriteFloor(ctx, RATE);
      return {
        ...latencySummary(r),
        max_ms: round(Math.max(...r.latenciesMs), 3),
        errors,
        ...floor,
        // What else happened during the window: a single pause of X ms holds up X/5 requests
        // at 200 a second, so one long enough sets the p99 by itself.
        ...stalled,
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
