import type { Queryable } from './db.ts';
import { newId } from './ids.ts';

/**
 * A domain event worth keeping beyond the write that caused it (a ledger purged with its
 * counts), written in that write's transaction. Every write also gets its `write_audit` row
 * from the write runner; this is for what that row cannot say.
 */
export async function appendAuditLog(
  tx: Queryable,
  event: { orgId: string; action: string; subject: string; actor: string | null; details: Record<string, unknown> | null; at: Date },
): Promise<void> {
  await tx.query(`INSERT INTO audit_log (org_id, id, action, subject, actor, details, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    event.orgId,
    newId(),
    event.action,
    event.subject,
    event.actor,
    event.details === null ? null : JSON.stringify(event.details),
    event.at,
  ]);
}
