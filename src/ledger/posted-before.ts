import type { Queryable } from '../platform/db.ts';
import type { PostingUnit } from './post-entries.ts';

/** External ids and reversals of these units already posted, so a retry posts nothing twice. */
export async function findExisting(tx: Queryable, units: PostingUnit[]) {
  const ext = { org: [] as string[], ledger: [] as string[], id: [] as string[] };
  const rev = { org: [] as string[], id: [] as string[] };
  for (const unit of units) {
    for (const e of unit.entries) {
      if (e.externalId) {
        ext.org.push(unit.orgId);
        ext.ledger.push(e.ledgerId);
        ext.id.push(e.externalId);
      }
      if (e.reversesId) {
        rev.org.push(unit.orgId);
        rev.id.push(e.reversesId);
      }
    }
  }
  const externalIds = new Map<string, string>();
  const reversed = new Set<string>();
  // One index probe per ledger (usually one for the whole group): = ANY on the unique index
  // beats joining an unnest, which the planner may answer with a scan of the ledger.
  const byLedger = new Map<string, { org: string; ledger: string; ids: string[] }>();
  ext.id.forEach((externalId, i) => {
    const key = `${ext.org[i]}|${ext.ledger[i]}`;
    const slot = byLedger.get(key) ?? { org: ext.org[i], ledger: ext.ledger[i], ids: [] };
    slot.ids.push(externalId);
    byLedger.set(key, slot);
  });
  for (const { org, ledger, ids } of byLedger.values()) {
    const rows = await tx.query<{ external_id: string; id: string }>(
      `SELECT external_id, id FROM entries WHERE org_id = $1 AND ledger_id = $2 AND external_id = ANY($3::text[])`,
      [org, ledger, ids],
    );
    for (const r of rows) externalIds.set(`${org}|${ledger}|${r.external_id}`, r.id);
  }
  if (rev.id.length > 0) {
    const rows = await tx.query<{ org_id: string; reverses_id: string }>(
      `SELECT e.org_id, e.reverses_id FROM entries e
         JOIN unnest($1::uuid[], $2::uuid[]) AS k(org_id, id) ON e.org_id = k.org_id AND e.reverses_id = k.id`,
      [rev.org, rev.id],
    );
    for (const r of rows) reversed.add(`${r.org_id}|${r.reverses_id}`);
  }
  return { externalIds, reversed };
}
