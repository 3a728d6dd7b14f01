import type { Queryable } from '../platform/db.ts';
import { newId } from '../platform/ids.ts';

/**
 * Customer and vendor groups. A group names the control account (receivable for customers,
 * payable for vendors) on which the server adds the AR/AP line of a customer or supplier
 * entry for a party of that group. Every company starts with three of each (domestic, EU,
 * abroad: the product's VAT zones), all on the company's one control account.
 */
export interface PartyGroup {
  id: string;
  number: number;
  name: string;
  /** The control account of its parties' AR/AP lines (null only before the chart exists). */
  accountId: string | null;
}

type Kind = 'customer' | 'vendor';
const TABLE = { customer: 'ledgerbee_customer_groups', vendor: 'ledgerbee_vendor_groups' } as const;

export const SEEDED_GROUPS: Record<Kind, { number: number; name: string }[]> = {
  customer: [
    { number: 1, name: 'Domestic customers' },
    { number: 2, name: 'EU customers' },
    { number: 3, name: 'Customers abroad' },
  ],
  vendor: [
    { number: 1, name: 'Domestic vendors' },
    { number: 2, name: 'EU vendors' },
    { number: 3, name: 'Vendors abroad' },
  ],
};

/**
 * Gives a new company its groups, on its receivable and payable control accounts. Runs once
 * per company; a second run changes nothing (the numbers are unique per company).
 */
export async function seedPartyGroups(tx: Queryable, orgId: string, accounts: { receivableAccountId: string | null; payableAccountId: string | null }): Promise<void> {
  for (const kind of ['customer', 'vendor'] as const) {
    const seeds = SEEDED_GROUPS[kind];
    const accountId = kind === 'customer' ? accounts.receivableAccountId : accounts.payableAccountId;
    await tx.query(
      `INSERT INTO ${TABLE[kind]} (org_id, id, number, name, account_id)
       SELECT $1, g.id, g.number, g.name, $5 FROM unnest($2::uuid[], $3::int[], $4::text[]) AS g (id, number, name)
       ON CONFLICT (org_id, number) DO NOTHING`,
      [orgId, seeds.map(() => newId()), seeds.map((s) => s.number), seeds.map((s) => s.name), accountId],
    );
  }
}

const toGroup = (r: any): PartyGroup => ({ id: r.id, number: r.number, name: r.name, accountId: r.account_id });

/** A company's groups, by number. */
export async function listGroups(db: Queryable, kind: Kind, orgId: string): Promise<PartyGroup[]> {
  return (await db.query(`SELECT id, number, name, account_id FROM ${TABLE[kind]} WHERE org_id = $1 ORDER BY number`, [orgId])).map(toGroup);
}

/** One group of the company, or null (another company's id included). */
export async function findGroup(db: Queryable, kind: Kind, orgId: string, id: string): Promise<PartyGroup | null> {
  const rows = await db.query(`SELECT id, number, name, account_id FROM ${TABLE[kind]} WHERE org_id = $1 AND id = $2`, [orgId, id]);
  return rows[0] ? toGroup(rows[0]) : null;
}

/** The group a party gets when the request names none: the lowest-numbered one. */
export async function defaultGroup(db: Queryable, kind: Kind, orgId: string): Promise<PartyGroup | null> {
  const rows = await db.query(`SELECT id, number, name, account_id FROM ${TABLE[kind]} WHERE org_id = $1 ORDER BY number LIMIT 1`, [orgId]);
  return rows[0] ? toGroup(rows[0]) : null;
}
