import { createOrg } from '../src/platform/orgs.ts';
import { ensureCompany, listChart, listVatCodes } from '../src/ledgerbee/company-store.ts';
import { cpuPer, cpuTimes } from './lib/cpu.ts';
import { httpLoad, latencySummary } from './lib/http-load.ts';
import { startBenchServer } from './lib/http-app.ts';
import { round } from './lib/measure.ts';
import type { Benchmark } from './lib/types.ts';

const PER_BATCH = 100;
const CALLERS = 4;

/**
 * LedgerBee's v2 journal batch over HTTP: 100 entries a request, each four lines with one
 * Gross VAT line (so five postings), one company, four callers in a closed loop from a client
 * thread. Each request is checked against the books (reads outside any transaction), then
 * its entries go through the ledger's commit queue, which posts concurrent requests in one
 * transaction (one account lock, one write of entries and postings, one audit insert, one
 * commit), each request's journal rows written in its before-commit step (decision 0030).
 */
export default {
  name: 'ledgerbee.journal_batch',
  description: `POST /api/v2/journal-entries/batch, ${PER_BATCH} entries of 4 lines (one VAT line) a request, ${CALLERS} callers; ops = entries`,
  targets: [{ field: 'ops_per_s', min: 10_000 }, { field: 'errors', max: 0 }],
  async run(ctx) {
    const server = await startBenchServer(ctx);
    try {
      const org = await createOrg(ctx.db, ctx.clock, { name: 'LedgerBee bench' });
      await ctx.db.transaction((tx) => ensureCompany({ db: ctx.db, clock: ctx.clock, ledger: server.core.ledger }, tx, org.id));
      const chart = await listChart(ctx.db, org.id);
      const acct = (n: number) => chart.find((a) => a.number === n)!.id;
      const s25g = (await listVatCodes(ctx.db, org.id)).find((v) => v.code === 'S25G')!.id;
      const { secret } = await server.core.apiKeys.create({ orgId: org.id, surface: 'ledgerbee', scopes: ['journal-entries-write'], mode: 'live' });
      const entry = () => {
        const [a, b, c] = [1 + ctx.randomInt(100_000), 1 + ctx.randomInt(50_000), 1 + ctx.randomInt(1_000)];
        return {
          entryType: 'JOURNAL_ENTRY',
          date: `2026-0${1 + ctx.randomInt(9)}-1${ctx.randomInt(10)}`,
          description: 'Daily sales',
          lines: [
            { accountId: acct(5400), amount: a + b + c },
            { accountId: acct(1100), amount: -a, vatCodeId: s25g },
            { accountId: acct(1110), amount: -b },
            { accountId: acct(1150), amount: -c },
          ],
        };
      };
      const bodies = Array.from({ length: 50 }, () => JSON.stringify({ entries: Array.from({ length: PER_BATCH }, entry) }));
      await ctx.settle();
      const cpuBefore = cpuTimes();
      const r = await httpLoad({
        url: `${server.base}/api/v2/journal-entries/batch`,
        method: 'POST',
        headers: { 'x-api-key': secret, 'content-type': 'application/json' },
        bodies,
        seconds: ctx.seconds,
        warmupSeconds: 0.5,
        concurrency: CALLERS,
      });
      const cpuAfter = cpuTimes();
      const [{ n: posted }] = await ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledgerbee_journal_entries WHERE org_id = $1', [org.id]);
      const errors = r.requests - (r.statuses['201'] ?? 0);
      const { ops_per_s: requestsPerSecond, ...latency } = latencySummary(r);
      return {
        ops_per_s: round(requestsPerSecond * PER_BATCH),
        requests_per_s: requestsPerSecond,
        ...latency,
        errors,
        // CPU per request of 100 entries, warm-up included (every entry posted counts): the
        // rate moves with the machine's other work, these much less.
        ...cpuPer(cpuBefore, cpuAfter, posted, PER_BATCH, 'request', ctx.kind === 'embedded'),
      };
    } finally {
      await server.close();
    }
  },
} satisfies Benchmark;
