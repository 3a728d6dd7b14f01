import type { Customer } from '../../billing/customer-store.ts';
import type { InvoiceRecord } from '../../billing/invoice-store.ts';
import type { PaymentMethod } from '../../billing/payment-method-store.ts';
import type { SubscriptionRecord } from '../../billing/subscription-store.ts';
import { formatDisplay } from '../../billing/money-view.ts';
import { wireId } from '../../billing/wire.ts';


/** A payment as the portal lists it: one made through the app's provider, or one recorded as made outside Kontor. */
export interface PortalPayment {
  date: Date;
  invoiceNumber: string | null;
  status: string;
  amount: bigint;
  currency: string;
  refundedAmount: bigint;
  /** The reference of a payment made outside Kontor (a bank transfer's), else null. */
  reference: string | null;
}

/** Everything one page of the portal shows: one customer's, nobody else's. */
export interface PortalView {
  appName: string;
  customer: Customer;
  subscriptions: { subscription: SubscriptionRecord; planName: string }[];
  invoices: InvoiceRecord[];
  /** How many invoices the customer has (the page lists the newest `invoices`). */
  invoiceTotal: number;
  payments: PortalPayment[];
  paymentMethods: PaymentMethod[];
  returnUrl: string | null;
  /** The session's own path, `/portal/session/<token>`: links and forms are relative to it. */
  base: string;
  csrfToken: string;
  expiresAt: Date;
  notice: string | null;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text for HTML content and quoted attributes alike. */
export const escapeHtml = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
const e = escapeHtml;

const day = (d: Date | null) => (d === null ? '—' : d.toISOString().slice(0, 10));
const money = (amount: bigint, currency: string) => formatDisplay(amount, currency);
/** Only http(s) links leave the portal: a `javascript:` return URL is never a link. */
const safeLink = (url: string | null) => (url !== null && /^https?:\/\//i.test(url) ? url : null);

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:880px;margin:0 auto;padding:24px}
header{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}
h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin:28px 0 8px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px;margin-top:16px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eceff3;font-size:.95rem}
td.num,th.num{text-align:right}.muted{color:#667085}.notice{background:#ecfdf3;border:1px solid #abefc6;padding:10px;border-radius:6px}
button{background:#b42318;color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

function subscriptionsSection(v: PortalView): string {
  if (v.subscriptions.length === 0) return `<p class="muted">No subscriptions.</p>`;
  const rows = v.subscriptions.map(({ subscription: s, planName }) => {
    const id = wireId('sub', s.id);
    const live = s.status !== 'canceled' && s.status !== 'expired';
    let action = '';
    if (live && s.cancelAt === null) {
      action = `<form method="post" action="${e(`${v.base}/subscriptions/${id}/cancel`)}">
<input type="hidden" name="csrf_token" value="${e(v.csrfToken)}">
<button type="submit" data-test="cancel">Cancel at period end</button></form>`;
    } else if (live) {
      action = `<span data-test="cancel-at">Cancels on ${e(day(s.cancelAt))}</span>`;
    }
    return `<tr data-subscription="${e(id)}"><td>${e(planName)}</td><td data-test="status">${e(s.status)}</td>
<td>${e(day(s.currentPeriodStart))} – ${e(day(s.currentPeriodEnd))}</td><td>${action}</td></tr>`;
  });
  return `<table><thead><tr><th>Plan</th><th>Status</th><th>Current period</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function invoicesSection(v: PortalView): string {
  if (v.invoices.length === 0) return `<p class="muted">No invoices yet.</p>`;
  const rows = v.invoices.map((i) => {
    const id = wireId('inv', i.id);
    return `<tr data-invoice="${e(i.number ?? id)}"><td>${e(i.number ?? '—')}</td><td>${e(day(i.finalizedAt ?? i.createdAt))}</td>
<td>${e(day(i.periodStart))} – ${e(day(i.periodEnd))}</td><td>${e(i.status)}</td>
<td class="num">${e(money(i.total, i.currency))}</td><td class="num">${e(money(i.amountDue, i.currency))}</td>
<td><a href="${e(`${v.base}/invoices/${id}/pdf`)}" download="${e(`${i.number ?? id}.pdf`)}">PDF</a></td></tr>`;
  });
  const more = v.invoiceTotal > v.invoices.length ? `<p class="muted">The newest ${v.invoices.length} of ${v.invoiceTotal} invoices.</p>` : '';
  return `<table><thead><tr><th>Number</th><th>Issued</th><th>Period</th><th>Status</th><th class="num">Total</th><th class="num">Due</th><th></th></tr></thead>
<tbody>${rows.join('')}</tbody></table>${more}`;
}

function paymentsSection(v: PortalView): string {
  if (v.payments.length === 0) return `<p class="muted">No payments yet.</p>`;
  const rows = v.payments.map(
    (p) => `<tr><td>${e(day(p.date))}</td><td>${e(p.invoiceNumber ?? '—')}</td><td>${e(p.status)}</td>
<td class="num">${e(money(p.amount, p.currency))}</td><td class="num">${p.refundedAmount > 0n ? e(money(p.refundedAmount, p.currency)) : ''}</td><td class="muted">${e(p.reference ?? '')}</td></tr>`,
  );
  return `<table><thead><tr><th>Date</th><th>Invoice</th><th>Status</th><th class="num">Amount</th><th class="num">Refunded</th><th>Reference</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function methodsSection(v: PortalView): string {
  if (v.paymentMethods.length === 0) return `<p class="muted">No payment methods on file.</p>`;
  const rows = v.paymentMethods.map(
    (m) => `<tr><td>${e(m.brand || m.type)}</td><td>•••• ${e(m.last4)}</td><td>${e(String(m.expiryMonth).padStart(2, '0'))}/${e(m.expiryYear)}</td>
<td>${m.isDefault ? 'Default' : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>Card</th><th>Number</th><th>Expires</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The portal's one page: subscriptions (with cancel at period end), invoices (with PDFs), payments, payment methods. */
export function portalPage(v: PortalView): string {
  const back = safeLink(v.returnUrl);
  const body = `<header><h1>${e(v.appName)} billing</h1>${back ? `<a href="${e(back)}" rel="noreferrer">Back to ${e(v.appName)}</a>` : ''}</header>
<p>${e(v.customer.name)} · ${e(v.customer.email)}</p>
${v.notice ? `<p class="notice" role="status">${e(v.notice)}</p>` : ''}
<section id="subscriptions"><h2>Subscriptions</h2>${subscriptionsSection(v)}</section>
<section id="invoices"><h2>Invoices</h2>${invoicesSection(v)}</section>
<section id="payments"><h2>Payments</h2>${paymentsSection(v)}</section>
<section id="payment-methods"><h2>Payment methods</h2>${methodsSection(v)}</section>
<p class="muted">This link is private to you and stops working at ${e(v.expiresAt.toISOString().replace('T', ' ').slice(0, 16))} UTC.</p>`;
  return layout(`${v.appName} billing`, body);
}

export type PortalRefusal = 'expired' | 'invalid' | 'not_found' | 'forbidden';

const REFUSALS: Record<PortalRefusal, { status: number; title: string; text: string }> = {
  expired: { status: 410, title: 'This billing link has expired', text: 'For your security, billing links work for a limited time. Return to the app and open the billing portal again for a new link.' },
  invalid: { status: 403, title: 'This billing link is not valid', text: 'The link is incomplete or has been altered. Return to the app and open the billing portal again.' },
  not_found: { status: 404, title: 'Not found', text: 'There is nothing here for this billing link.' },
  forbidden: { status: 403, title: 'The request was refused', text: 'The form was not sent from this billing page. Reload the page and try again.' },
};

/** The page of a refused link or request: what happened, and no data of anyone's. */
export function refusalPage(kind: PortalRefusal): { status: number; html: string } {
  const r = REFUSALS[kind];
  return { status: r.status, html: layout(r.title, `<section role="alert"><h1 data-test="refusal">${e(r.title)}</h1><p>${e(r.text)}</p></section>`) };
}
