import type { Queryable } from '../platform/db.ts';
import type { Project } from './project-store.ts';

export interface ProfitAmounts {
  /** Credits less debits on REVENUE accounts, minor units. */
  revenue: bigint;
  /** Debits less credits on EXPENSE accounts. */
  costs: bigint;
  profit: bigint;
}

export interface ProjectProfit extends ProfitAmounts {
  projectId: string;
  currency: string;
  fromDate: string | null;
  toDate: string | null;
  subprojects: ({ subprojectId: string; name: string } & ProfitAmounts)[];
}

const amounts = (revenue: bigint, costs: bigint): ProfitAmounts => ({ revenue, costs, profit: revenue - costs });

/**
 * A project's profit from the posted lines carrying a value of its dimension (each line's
 * own posting, VAT excluded), dated within the range (inclusive; either end open): revenue
 * from REVENUE accounts, costs from EXPENSE accounts, in total and per subproject. One
 * statement: an index-only scan of the category's lines (ledgerbee_line_dimensions_category),
 * summed per value and account, then classified through the chart.
 */
export async function projectProfit(db: Queryable, orgId: string, project: Project, range: { fromDate: string | null; toDate: string | null }, currency: string): Promise<ProjectProfit> {
  const rows = await db.query<{ value_id: string; classification: string; amount: bigint }>(
    `WITH sums AS (
       SELECT dimension_value_id AS value_id, account_id, sum(amount) AS amount
         FROM ledgerbee_line_dimensions
        WHERE org_id = $1 AND category_id = $2 AND ($3::date IS NULL OR date >= $3) AND ($4::date IS NULL OR date <= $4)
        GROUP BY 1, 2)
     SELECT s.value_id, a.classification, sum(s.amount)::int8 AS amount
       FROM sums s JOIN ledgerbee_accounts a ON a.org_id = $1 AND a.id = s.account_id
      WHERE a.classification IN ('REVENUE', 'EXPENSE')
      GROUP BY 1, 2`,
    [orgId, project.dimensionId, range.fromDate, range.toDate],
  );
  const per = new Map<string, { revenue: bigint; costs: bigint }>();
  let revenue = 0n;
  let costs = 0n;
  for (const r of rows) {
    const at = per.get(r.value_id) ?? { revenue: 0n, costs: 0n };
    if (r.classification === 'REVENUE') {
      at.revenue -= r.amount;
      revenue -= r.amount;
    } else {
      at.costs += r.amount;
      costs += r.amount;
    }
    per.set(r.value_id, at);
  }
  return {
    projectId: project.id,
    currency,
    fromDate: range.fromDate,
    toDate: range.toDate,
    ...amounts(revenue, costs),
    subprojects: project.subprojects.map((s) => {
      const at = per.get(s.id) ?? { revenue: 0n, costs: 0n };
      return { subprojectId: s.id, name: s.name, ...amounts(at.revenue, at.costs) };
    }),
  };
}
