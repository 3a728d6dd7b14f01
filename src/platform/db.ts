import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PgliteStatements } from './pglite-statements.ts';
import { formatPgTimestamptz, parsePgTimestamptz } from './dates.ts';

/** Something SQL can run on: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The one data layer: PostgreSQL-dialect SQL over either an embedded PGlite or a real
 * PostgreSQL through `pg`. Values come back the same on both: int8 as bigint, `date` as
 * 'YYYY-MM-DD' text, timestamptz as Date.
 */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; on PostgreSQL retries it on serialisation failure or deadlock. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;
const RETRYABLE = new Set(['40001', '40P01']);

export async function openPglite(dataDir?: string, loadDataDir?: Blob | File): Promise<Db> {
  const lite = await PGlite.create(dataDir, {
    loadDataDir,
    startParams: [
      ...PGlite.defaultStartParams,
      // PGlite runs with fsync off, so zero-filling each new 16 MB WAL segment before use buys
      // no safety; it only stalls the one write that crosses into the segment (tens of ms).
      '-c',
      'wal_init_zero=off',
      // Statements are prepared once (PgliteStatements) but planned for their values each
      // time, as the unnamed statements sent to PostgreSQL are: a generic plan guesses the
      // length of an array parameter and made a 1,000-row MyCFO import three times slower.
      '-c',
      'plan_cache_mode=force_custom_plan',
    ],
    parsers: {
      [INT8]: (v: string) => BigInt(v),
      [DATE]: (v: string) => v,
      [NUMERIC]: (v: string) => v,
      // PGlite's own parser turns years 0001–0099 into 1901–1999.
      [TIMESTAMPTZ]: parsePgTimestamptz,
    },
    serializers: { [INT8]: (v: unknown) => String(v), [TIMESTAMPTZ]: formatPgTimestamptz },
  });
  return new PgliteDb(lite);
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private readonly statements: PgliteStatements;
  constructor(readonly lite: PGlite) {
    this.statements = new PgliteStatements(lite);
  }
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    // The same two locks PGlite.query takes: no other transaction open, no other query running.
    await this.lite._checkReady();
    return this.lite._runExclusiveTransaction(() => this.lite._runExclusiveQuery(() => this.statements.run<T>(text, params, { retry: true })));
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    // PGlite has one connection: transactions run one after another, so no retry is needed.
    return this.lite.transaction(async (tx) => {
      const handle: Queryable = {
        query: async <R>(text: string, params?: unknown[]) => {
          if (tx.closed) throw new Error('Transaction is closed');
          return this.lite._runExclusiveQuery(() => this.statements.run<R>(text, params));
        },
      };
      return fn(handle);
    });
  }
  async close(): Promise<void> {
    if (!this.lite.closed) await this.lite.close();
  }
}

export interface PostgresOptions {
  /** Every connection uses this schema first (tests get a schema each). */
  schema?: string;
  max?: number;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const typeParsers = {
    getTypeParser(oid: number, format?: any) {
      if (oid === INT8) return (v: string) => BigInt(v);
      if (oid === DATE) return (v: string) => v;
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 20,
    types: typeParsers as any,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return new PostgresDb(pool);
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(readonly pool: pg.Pool) {}
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool.query(text, params as any[]);
    return result.rows as T[];
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const handle: Queryable = {
          query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params as any[])).rows as R[],
        };
        const result = await fn(handle);
        await client.query('COMMIT');
        return result;
      } catch (error: any) {
        await client.query('ROLLBACK').catch(() => {});
        if (RETRYABLE.has(error?.code) && attempt < 5) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

export async function openDatabase(opts: { databaseUrl: string | null; dataDir: string }): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  return openPglite(`${opts.dataDir}/pglite`);
}

/**
 * A PostgreSQL array literal of plain tokens (uuids, integers, ISO dates and times), for bulk
 * parameters: `{a,b,NULL}`. The driver would quote and escape each element; these need
 * neither, and a thousand-row write passes many such arrays. Text that may hold commas,
 * quotes, braces or spaces must be passed as a JS array instead.
 */
export function tokenArray(values: readonly (string | number | bigint | null | undefined)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    out += v === null || v === undefined ? 'NULL' : String(v);
  }
  return out + '}';
}

/**
 * Distinct values, each sent once and referred to by its 1-based position: a write names
 * one org, a ledger or two and a handful of accounts many times over, and each uuid sent
 * costs about a microsecond to encode and parse (on PGlite) where a small integer costs a
 * fifth of that. In SQL, `($1::uuid[])[u.ref]`; a null reference reads as NULL.
 */
export class Dictionary {
  readonly values: string[] = [];
  private readonly positions = new Map<string, number>();
  ref(value: string): number;
  ref(value: string | null | undefined): number | null;
  ref(value: string | null | undefined): number | null {
    if (value === null || value === undefined) return null;
    let position = this.positions.get(value);
    if (position === undefined) {
      position = this.values.push(value);
      this.positions.set(value, position);
    }
    return position;
  }
}
