import type { Db, Queryable } from './db.ts';
import type { Clock } from './clock.ts';
import { appendWriteAudit, auditRow, type WriteAuditRow } from './write-audit.ts';
import { keptAnswer, type IdempotencyScope, type IdempotencyStore, type StoredResponse } from './idempotency.ts';

/** Who writes, through what, and the Idempotency-Key this write answers (claimed, not replayed). */
export interface WriteContext {
  /** The caller's org; null before one exists (a sign-up). */
  orgId: string | null;
  /** A user or key id; `anonymous` on public routes, `operator` for the CLI. */
  principalId: string;
  surface: string;
  operation: string;
  requestId: string | null;
  claim: IdempotencyScope | null;
  /** The answer carries a secret shown once: only the fact that it succeeded is kept. */
  secretAnswer?: boolean;
}

/**
 * The one way a mutation reaches the database: a transaction that runs the domain command
 * with its handle, then writes the audit row and the Idempotency-Key's answer, and commits
 * (the database layer retries serialisation failures and deadlocks). The work, its audit row
 * and its stored answer therefore exist together or not at all, even across a crash. The
 * ledger's commit queue is this runner's batching for hot single writes: it commits each
 * request's audit row (handed to it as data) and, through `storeAnswer`, its stored answer
 * with that request's entries (`writeShared` in http/write.ts).
 */
export class WriteRunner {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Where Idempotency-Key answers are stored; null where no request carries a key (the CLI). */
    private readonly idempotency: Pick<IdempotencyStore, 'complete'> | null,
  ) {}

  /**
   * Runs `command` in a new transaction and `answer` on its result inside it, before the
   * commit; returns what `answer` made. A throw rolls everything back.
   */
  async run<T>(context: WriteContext, command: (tx: Queryable) => Promise<T>, answer: (result: T) => StoredResponse): Promise<{ result: T; response: StoredResponse }> {
    return this.db.transaction(async (tx) => {
      const result = await command(tx);
      const response = answer(result);
      await this.seal(tx, context, response);
      return { result, response };
    });
  }

  /** A command with no HTTP answer (the CLI, a scheduler): the audit row only. */
  async execute<T>(context: Omit<WriteContext, 'claim'>, command: (tx: Queryable) => Promise<T>): Promise<T> {
    const { result } = await this.run({ ...context, claim: null }, command, () => ({ status: 200, headers: {}, body: '' }));
    return result;
  }

  /** The audit row and the stored answer, in the transaction that commits the work. */
  async seal(tx: Queryable, context: WriteContext, response: StoredResponse): Promise<void> {
    await appendWriteAudit(tx, [auditRow(auditOf(context), response.status, this.clock.now())]);
    await this.storeAnswer(tx, context, response);
  }

  /** The Idempotency-Key's answer (if the write holds a claim), in the transaction that commits the work. */
  async storeAnswer(tx: Queryable, context: WriteContext, response: StoredResponse): Promise<void> {
    if (context.claim) {
      if (!this.idempotency) throw new Error('an Idempotency-Key claim reached a write runner with no key store');
      await this.idempotency.complete(context.claim, keptAnswer(response, context.secretAnswer === true), tx);
    }
  }
}

/** The audit row of a write, but for its status and time. */
export const auditOf = (context: WriteContext): Omit<WriteAuditRow, 'status' | 'at'> => ({
  orgId: context.orgId,
  principalId: context.principalId,
  surface: context.surface,
  operation: context.operation,
  requestId: context.requestId,
});
