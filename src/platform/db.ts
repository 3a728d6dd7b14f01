import pg from 'pg';

/** Something SQL can run on: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The one data layer: SQL on PostgreSQL (the embedded server or an external one) through a
 * `pg` pool. int8 comes back as bigint, `date` as 'YYYY-MM-DD' text, timestamptz as Date.
 */
export interface Db extends Queryable {
  /** Runs `fn` in one transaction; retries it on serialisation failure or deadlock. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` with each NOTIFY payload on `channel`, on a connection of its own that
   * reconnects when lost; `onReconnect` runs after a gap in which messages may have been missed.
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<{ close(): Promise<void> }>;
  /**
   * Holds the session advisory lock `key` on a connection of its own for as long as this
   * process lives (taken again after a lost connection): how other processes tell that this
   * one is alive (`pg_locks`), with nothing to clean up when it dies.
   */
  holdAdvisoryLock(key: bigint): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

const INT8 = 20;
const DATE = 1082;
const RETRYABLE = new Set(['40001', '40P01']);

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
  const config: pg.PoolConfig = {
    connectionString: url,
    max: options.max ?? 20,
    types: typeParsers as any,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  };
  const pool = new pg.Pool(config);
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return new PostgresDb(pool, config);
}

const RECONNECT_MS = 500;

/**
 * A connection of its own, outside the pool, kept open: `setup` runs on it at first and again
 * on a new connection whenever it is lost (after which `onReconnect` runs), until closed.
 */
async function keptConnection(config: pg.ClientConfig, setup: (client: pg.Client) => Promise<void>, onReconnect: () => void): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  const retry = () => {
    timer = setTimeout(() => void reconnect(), RECONNECT_MS);
    timer.unref();
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    const lost = () => {
      if (closed || client !== next) return;
      client = null;
      void next.end().catch(() => {});
      retry();
    };
    next.on('error', lost);
    next.on('end', lost);
    try {
      await next.connect();
      await setup(next);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    client = next;
  };
  const reconnect = async () => {
    if (closed) return;
    try {
      await connect();
      onReconnect();
    } catch {
      retry();
    }
  };
  await connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

class PostgresDb implements Db {
  constructor(
    readonly pool: pg.Pool,
    private readonly config: pg.PoolConfig,
  ) {}
  async query<T>(text: string, params?: unknown[]): Promise<T[]> {
    const result = await this.pool.query(withName(text, params));
    return result.rows as T[];
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const handle: Queryable = {
          query: async <R>(text: string, params?: unknown[]) => (await client.query(withName(text, params))).rows as R[],
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
  listen(channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<{ close(): Promise<void> }> {
    return keptConnection(
      this.config,
      async (client) => {
        client.on('notification', (message) => {
          if (message.channel === channel && message.payload !== undefined) onMessage(message.payload);
        });
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      },
      onReconnect,
    );
  }
  holdAdvisoryLock(key: bigint): Promise<{ close(): Promise<void> }> {
    return keptConnection(this.config, async (client) => void (await client.query('SELECT pg_advisory_lock($1)', [key.toString()])), () => {});
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}

const preparedNames = new Map<string, string>();

/**
 * Marks SQL to run as a named prepared statement: parsed and planned once per connection
 * (after five runs PostgreSQL may keep a generic plan), where other SQL is parsed and
 * planned on every call. For the statements of the write path, whose planning costs more
 * than running them for one transfer (a four-part write: ~0.5 ms of ~1 ms). Returns the text
 * itself, so callers and wrappers still pass plain strings.
 */
export function prepared(text: string): string {
  if (!preparedNames.has(text)) preparedNames.set(text, `kontor_${preparedNames.size + 1}`);
  return text;
}

function withName(text: string, params?: unknown[]): pg.QueryConfig {
  const name = preparedNames.get(text);
  return name ? { name, text, values: params as any[] } : { text, values: params as any[] };
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

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL text array literal, `{"a","b",NULL}`, as the driver writes a JS array of
 * strings, with the two regular-expression passes per element only where an element holds a
 * quote or a backslash: for bulk text parameters of thousands of elements.
 */
export function textArray(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null) out += 'NULL';
    else if (NEEDS_ESCAPE.test(v)) out += `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    else out += `"${v}"`;
  }
  return out + '}';
}

/**
 * `values`, or null when every one is null (most bulk writes have no external ids,
 * descriptions, reversals or metadata): unnest reads a NULL array as empty and pads it with
 * NULLs, so nothing is escaped here, sent or parsed by the server for an empty column.
 */
export function unlessAllNull<T>(values: readonly (T | null)[]): readonly (T | null)[] | null {
  return values.some((v) => v !== null) ? values : null;
}

/** `tokenArray(values)`, or null when every value is null (see `unlessAllNull`). */
export const tokenArrayOrNull = (values: readonly (string | number | bigint | null)[]): string | null => (unlessAllNull(values) ? tokenArray(values) : null);

/** `textArray(values)`, or null when every value is null (see `unlessAllNull`). */
export const textArrayOrNull = (values: readonly (string | null)[]): string | null => (unlessAllNull(values) ? textArray(values) : null);

/**
 * Distinct values, each sent once and referred to by its 1-based position: a write names
 * one org, a ledger or two and a handful of accounts many times over, and each uuid sent
 * costs encoding, sending and parsing (a microsecond or so on the server) where a small integer costs a
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
