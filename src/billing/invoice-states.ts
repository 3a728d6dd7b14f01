import { billingError } from './errors.ts';

/** The reference's invoice statuses, exactly. */
export const INVOICE_STATUSES = ['draft', 'pending', 'paid', 'past_due', 'voided'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/**
 * The invoice state machine (decision 0019):
 * - draft → pending: finalize (numbered, due in 30 days, posted to the ledger); draft → paid
 *   when finalising leaves nothing to pay (total 0, or all of it covered by credit).
 * - pending → paid | past_due (unpaid past its due date: payments' dunning); past_due → paid.
 * - draft | pending | past_due → voided (a finalised one's ledger entry is reversed).
 * - paid and voided are final: refunds are payments', not a status here.
 */
export const INVOICE_TRANSITIONS: Readonly<Record<InvoiceStatus, readonly InvoiceStatus[]>> = {
  draft: ['pending', 'paid', 'voided'],
  pending: ['paid', 'past_due', 'voided'],
  past_due: ['paid', 'voided'],
  paid: [],
  voided: [],
};

export type InvoiceCommand = 'finalize' | 'void' | 'pay' | 'mark_past_due';

/**
 * Refuses a command the status does not take, with the reference's codes: paid →
 * `invoice_paid`, voided → `invoice_voided`; finalize on a finalised one → `invoice_finalized`;
 * pay on a draft → `invalid_state` (the library accepts it, a bug the notes name).
 */
export function assertInvoiceCommand(command: InvoiceCommand, status: InvoiceStatus): void {
  if (status === 'voided') throw billingError('invoice_voided', command === 'void' ? 'the invoice is already voided' : 'the invoice is voided', 'id');
  if (command === 'finalize') {
    if (status !== 'draft') throw billingError('invoice_finalized', 'the invoice is already finalized', 'id');
    return;
  }
  if (status === 'paid') throw billingError('invoice_paid', command === 'void' ? 'a paid invoice cannot be voided' : 'the invoice is already paid', 'id');
  if (command === 'pay' && status === 'draft') throw billingError('invalid_state', 'a draft invoice cannot be paid: finalize it first', 'id');
  if (command === 'mark_past_due' && status !== 'pending') throw billingError('invalid_state', `a ${status} invoice cannot become past_due`, 'id');
}

/** Days from finalisation to the due date (the notes: now + 30 days). */
export const DUE_DAYS = 30;
