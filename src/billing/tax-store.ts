import type { Queryable } from '../platform/db.ts';
import { jsonText, type BillingScope } from './scope.ts';
import { NO_TAX, validateTaxSettings, type TaxSettings, type TaxSettingsInput } from './tax.ts';

/** The app world's tax rule (billing_tax_settings); the rule itself is tax.ts's. */
export async function getTaxSettings(db: Queryable, scope: BillingScope): Promise<TaxSettings & { updatedAt: Date | null }> {
  const rows = await db.query<{ settings: any; updated_at: Date }>(`SELECT settings, updated_at FROM billing_tax_settings WHERE org_id = $1 AND mode = $2`, [scope.orgId, scope.mode]);
  if (rows.length === 0) return { ...NO_TAX, updatedAt: null };
  return { defaultPpm: rows[0].settings.defaultPpm, rates: rows[0].settings.rates, updatedAt: rows[0].updated_at };
}

/** `PUT /ledger/tax-settings`: replaces the app world's rule whole; invoices finalised before keep theirs. */
export async function putTaxSettings(tx: Queryable, scope: BillingScope, input: TaxSettingsInput, now: Date): Promise<TaxSettings & { updatedAt: Date }> {
  const settings = validateTaxSettings(input);
  await tx.query(
    `INSERT INTO billing_tax_settings (org_id, mode, settings, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (org_id, mode) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at`,
    [scope.orgId, scope.mode, jsonText(settings), now],
  );
  return { ...settings, updatedAt: now };
}
