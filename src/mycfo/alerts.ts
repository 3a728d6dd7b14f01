import { newId } from '../platform/ids.ts';
import { stringifyExact } from '../platform/exact-json.ts';
import { computeMetrics, type Metrics } from './metrics.ts';
import type { Queryable } from '../platform/db.ts';
import { getWorkspace, type CfoDeps, type Workspace } from './workspaces.ts';

export interface Alert {
  id: string;
  workspaceId: string;
  orgId: string;
  type: 'runway_low' | 'mrr_decline' | 'revenue_decline' | 'refund_spike';
  severity: 'warn' | 'critical';
  message: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

type Finding = Pick<Alert, 'type' | 'severity' | 'message' | 'payload'>;

const pct = (from: bigint, to: bigint) => Number(((from - to) * 10000n) / from) / 100;
const abs = (n: bigint) => (n < 0n ? -n : n);

/**
 * The reference's four rules, compared exactly in integer cents:
 * runway < 6 months (critical below 3); MRR and net revenue down more than 8 % on the prior
 * 30 days (MRR only when there was recurring revenue); refunds more than twice the prior period.
 */
export function evaluateRules(m: Metrics): Finding[] {
  const out: Finding[] = [];
  // Runway is cash / recurring burn: compared exactly (cash < 6 × burn), shown rounded, so
  // 5.996 months (shown as 6) still warns and 2.996 (shown as 3) is still critical.
  const cash = m.cashOnHand;
  const burn = m.recurringBurn;
  if (cash !== null && burn > 0n && cash < 6n * burn) {
    const critical = cash < 3n * burn;
    out.push({
      type: 'runway_low',
      severity: critical ? 'critical' : 'warn',
      message: `Runway is below ${critical ? 3 : 6} months (${m.runwayMonths}).`,
      payload: { runway_months: m.runwayMonths },
    });
  }
  const prevMrr = m.previous.recurringRevenue;
  if (prevMrr > 0n && (prevMrr - m.mrr) * 100n > 8n * prevMrr) {
    out.push({
      type: 'mrr_decline',
      severity: 'warn',
      message: `MRR fell ${pct(prevMrr, m.mrr)}% versus the prior 30 days.`,
      payload: { mrr_cents: m.mrr, prior_mrr_cents: prevMrr, decline_pct: pct(prevMrr, m.mrr) },
    });
  }
  const prevNet = m.previous.recurringRevenue + m.previous.oneTimeRevenue + m.previous.refunds;
  if (prevNet > 0n && (prevNet - m.netRevenue) * 100n > 8n * prevNet) {
    out.push({
      type: 'revenue_decline',
      severity: 'warn',
      message: `Net revenue fell ${pct(prevNet, m.netRevenue)}% versus the prior 30 days.`,
      payload: { net_revenue_cents_30d: m.netRevenue, prior_net_revenue_cents_30d: prevNet, decline_pct: pct(prevNet, m.netRevenue) },
    });
  }
  const refunds = abs(m.refunds);
  const prevRefunds = abs(m.previous.refunds);
  if (refunds > 0n && refunds > 2n * prevRefunds) {
    out.push({
      type: 'refund_spike',
      severity: 'warn',
      message:
        prevRefunds > 0n
          ? `Refund volume is ${Number((refunds * 10n) / prevRefunds) / 10}x the previous 30 days.`
          : 'Refunds appeared this period after none in the previous 30 days.',
      payload: { refunds_cents_30d: m.refunds, prior_refunds_cents_30d: m.previous.refunds },
    });
  }
  return out;
}

/**
 * The rules at `asOf` over the workspace's metrics: the alerts that would replace the stored
 * set, not stored yet (the advisory memo asks its provider about them before storing them).
 */
export async function assessAlerts(deps: Pick<CfoDeps, 'clock' | 'ledger'>, ws: Workspace, asOf: string): Promise<{ alerts: Alert[]; metrics: Metrics }> {
  const metrics = await computeMetrics(deps.ledger, ws, asOf);
  const now = deps.clock.now();
  const alerts: Alert[] = evaluateRules(metrics).map((f) => ({ ...f, id: newId(), workspaceId: ws.id, orgId: ws.orgId, createdAt: now }));
  return { alerts, metrics };
}

/** Stores `alerts`, assessed at `asOf`, in place of the workspace's previous set. */
export async function replaceAlerts(tx: Queryable, orgId: string, workspaceId: string, asOf: string, alerts: Alert[]): Promise<void> {
  await tx.query('DELETE FROM cfo_alerts WHERE org_id = $1 AND workspace_id = $2', [orgId, workspaceId]);
  for (const a of alerts) {
    await tx.query(
      `INSERT INTO cfo_alerts (org_id, id, workspace_id, type, severity, message, payload, as_of, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [orgId, a.id, workspaceId, a.type, a.severity, a.message, stringifyExact(a.payload), asOf, a.createdAt],
    );
  }
}

/** Evaluates the rules at `asOf` and stores the result in place of the previous set, in `tx`. */
export async function evaluateAlerts(
  tx: Queryable,
  deps: Pick<CfoDeps, 'clock' | 'ledger'>,
  orgId: string,
  workspaceId: string,
  asOf: string,
): Promise<{ alerts: Alert[]; metrics: Metrics }> {
  const ws = await getWorkspace(tx, orgId, workspaceId);
  const assessed = await assessAlerts(deps, ws, asOf);
  await replaceAlerts(tx, orgId, workspaceId, asOf, assessed.alerts);
  return assessed;
}
