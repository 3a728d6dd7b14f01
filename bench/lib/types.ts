import type { Clock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db.ts';
import type { LedgerFixture, SeedOptions } from './ledger-fixture.ts';
import type { LoopOptions, LoopResult } from './measure.ts';

/** The embedded PostgreSQL that `npm start` runs, or an external one (BENCH_DATABASE_URL). */
export type DbKind = 'embedded' | 'postgres';

/** What a benchmark reports. The harness adds `name` and `db`; extra fields are printed too. */
export interface BenchResult {
  /** Operations a second, in the unit the benchmark names (transfers for the ledger ones). */
  ops_per_s: number;
  p50_ms: number;
  p99_ms: number;
  [extra: string]: number | string | boolean | null;
}

/** A bound a result should stay within, shown as met or missed; `db` limits it to one database. */
export interface Target {
  field: string;
  min?: number;
  max?: number;
  db?: DbKind;
}

/** Everything a benchmark gets: a fresh migrated database of its own, and helpers. */
export interface BenchContext {
  kind: DbKind;
  db: Db;
  clock: Clock;
  /** Measured seconds a benchmark should aim for (`--seconds`, default 3). */
  seconds: number;
  /** Deterministic random numbers in [0, 1), seeded per benchmark. */
  random: () => number;
  /** An integer in [0, n). */
  randomInt: (n: number) => number;
  /** Progress on stderr (never on stdout, which carries the results). */
  log: (message: string) => void;
  /** An org, a ledger and `accounts` accounts, inserted in bulk (not timed). */
  seedLedger: (options: SeedOptions) => Promise<LedgerFixture>;
  /** Calls `fn` in a loop from `callers` concurrent callers; see `loop` in measure.ts. */
  loop: (options: LoopOptions, fn: (caller: number) => Promise<number>) => Promise<LoopResult>;
  /**
   * Call between setup and the timed part: VACUUM (ANALYZE) the tables just loaded, then a
   * CHECKPOINT, so a checkpoint or autovacuum triggered by setup (or by an earlier
   * benchmark) does not land inside the measurement.
   */
  settle: (tables?: string[]) => Promise<void>;
  /** pg_total_relation_size summed over the tables (with their indexes and TOAST). */
  tableBytes: (tables: string[]) => Promise<Record<string, number>>;
}

export interface Benchmark {
  /** Dotted, e.g. `ledger.batch_transfers`; the file is `bench/<name>.ts`. */
  name: string;
  description: string;
  /** Databases it runs on; both when absent. */
  dbs?: DbKind[];
  targets?: Target[];
  run(ctx: BenchContext): Promise<BenchResult>;
}
