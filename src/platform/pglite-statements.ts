import { parse, protocol, type PGlite } from '@electric-sql/pglite';

/**
 * Named prepared statements for PGlite. `PGlite.query` parses, describes and plans every
 * statement anew and crosses into WebAssembly six times per query; a statement prepared once
 * is then bound and run in one crossing. It is still planned for its values on every run
 * (`plan_cache_mode=force_custom_plan`, set in `openPglite`). Measured on a 100-row Ledgy
 * bulk call (four statements): about 8.5 ms → 7.3 ms.
 *
 * Callers hold PGlite's locks (see `PgliteDb`): this speaks the wire protocol directly.
 */
export class PgliteStatements {
  private readonly statements = new Map<string, { name: string; types: number[] }>();
  private counter = 0;

  constructor(
    private readonly lite: PGlite,
    private readonly capacity = 256,
  ) {}

  /**
   * Runs one statement. Schema changes (CREATE, ALTER, DROP …) run unprepared and forget
   * every prepared statement, whose result shape may have changed. `retry`: when a statement
   * prepared before some other schema change fails for it ("cached plan must not change
   * result type"), prepare it again and rerun, which is only safe outside a transaction.
   */
  async run<T>(text: string, params: readonly unknown[] = [], { retry = false } = {}): Promise<T[]> {
    if (SCHEMA_CHANGE.test(text)) {
      const rows = await this.execute<T>(await this.describe(text, ''), params);
      await this.forgetAll();
      return rows;
    }
    const statement = await this.prepare(text);
    try {
      return await this.execute<T>(statement, params);
    } catch (error: any) {
      if (error?.code !== '0A000' || !this.statements.has(text)) throw error;
      await this.forget(text);
      if (!retry) throw error;
      return this.execute<T>(await this.prepare(text), params);
    }
  }

  private async execute<T>(statement: { name: string; types: number[] }, params: readonly unknown[]): Promise<T[]> {
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = this.lite.serializers[statement.types[i]];
      return serialize ? serialize(value) : String(value);
    });
    // Bind, describe (for the column types), execute and sync as one message: after an error
    // PostgreSQL skips to the sync, so the session is ready for the next statement either way.
    const messages = await this.exchange(
      concat([
        protocol.serialize.bind({ statement: statement.name, values: values as any[] }),
        protocol.serialize.describe({ type: 'P' }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]),
    );
    return (parse.parseResults(messages, this.lite.parsers)[0]?.rows ?? []) as T[];
  }

  private async prepare(text: string) {
    const known = this.statements.get(text);
    if (known) {
      // Most recently used last, so the first entry is the one to forget.
      this.statements.delete(text);
      this.statements.set(text, known);
      return known;
    }
    if (this.statements.size >= this.capacity) await this.forget(this.statements.keys().next().value!);
    const statement = await this.describe(text, `kontor_${++this.counter}`);
    this.statements.set(text, statement);
    return statement;
  }

  /** Parses `text` as the statement `name` ('' is the unnamed one) and reads its parameter types. */
  private async describe(text: string, name: string) {
    const messages = await this.exchange(
      concat([protocol.serialize.parse({ name, text, types: [] }), protocol.serialize.describe({ type: 'S', name }), protocol.serialize.sync()]),
    );
    return { name, types: parse.parseDescribeStatementResults(messages) };
  }

  private async forget(text: string) {
    const statement = this.statements.get(text);
    if (!statement) return;
    this.statements.delete(text);
    await this.exchange(concat([protocol.serialize.close({ type: 'S', name: statement.name }), protocol.serialize.sync()]));
  }

  private async forgetAll() {
    if (this.statements.size === 0) return;
    const names = [...this.statements.values()].map((s) => s.name);
    this.statements.clear();
    await this.exchange(concat([...names.map((name) => protocol.serialize.close({ type: 'S', name })), protocol.serialize.sync()]));
  }

  private exchange(message: Uint8Array) {
    // syncToFs only matters for browser file systems; the Node one writes through.
    return this.lite.execProtocolStream(message, { syncToFs: false });
  }
}

const SCHEMA_CHANGE = /^\s*(CREATE|ALTER|DROP|TRUNCATE|COMMENT|REINDEX|CLUSTER|GRANT|REVOKE)\b/i;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
