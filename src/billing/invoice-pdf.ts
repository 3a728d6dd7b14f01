import type { Customer } from './customer-store.ts';
import type { InvoiceRecord } from './invoice-store.ts';
import { formatDisplay } from './money-view.ts';
import { rateText } from './tax.ts';

/**
 * The invoice as a PDF, rendered in process with pdfkit: the app's name, the number, dates,
 * the customer's name, address and tax ids, the lines, subtotal, discount, tax, total, credit
 * applied and amount due, every amount in the invoice's currency with its ISO minor units
 * (the same `display` the API answers with). Standard Helvetica (WinAnsi: Latin scripts, €,
 * £, ¥); the document dates itself by the invoice, so one invoice renders to the same bytes.
 */
export interface PdfInput {
  invoice: InvoiceRecord;
  customer: Customer | null;
  appName: string;
}

const day = (d: Date | null) => (d === null ? '—' : d.toISOString().slice(0, 10));

export async function renderInvoicePdf({ invoice: inv, customer, appName }: PdfInput): Promise<Buffer> {
  // Loaded on the first PDF, not at start-up: pdfkit and its fonts take a second or so to load.
  const { default: PDFDocument } = await import('pdfkit');
  const issued = inv.finalizedAt ?? inv.createdAt;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: `Invoice ${inv.number ?? '(draft)'}`, Author: appName, Creator: 'Kontor', Producer: 'Kontor', CreationDate: issued, ModDate: issued },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const money = (amount: bigint) => formatDisplay(amount, inv.currency);
  const left = 50;
  const right = 545;

  doc.font('Helvetica-Bold').fontSize(20).text(appName, left, 50);
  doc.font('Helvetica').fontSize(10).fillColor('#555555');
  doc.text(inv.status === 'draft' ? 'DRAFT INVOICE' : `Invoice ${inv.number}`, left, 50, { align: 'right' });
  doc.text(`Status: ${inv.status}`, { align: 'right' });
  doc.fillColor('#000000').moveDown(2);

  const top = doc.y;
  doc.font('Helvetica-Bold').text('Bill to', left, top);
  doc.font('Helvetica');
  if (customer) {
    doc.text(customer.name).text(customer.email);
    const a = customer.billingAddress;
    if (a) {
      for (const l of [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.state, a.country]) if (l) doc.text(l);
    }
    for (const t of customer.taxIds) doc.text(`Tax ID (${t.type}): ${t.value}`);
  } else {
    doc.text(`Tenant ${inv.tenantId}`);
  }
  const afterCustomer = doc.y;
  doc.font('Helvetica-Bold').text('Invoice number', 330, top).font('Helvetica').text(inv.number ?? '(assigned at finalization)', 330);
  doc.font('Helvetica-Bold').text('Issued', 330).font('Helvetica').text(day(issued), 330);
  doc.font('Helvetica-Bold').text('Due', 330).font('Helvetica').text(day(inv.dueDate), 330);
  doc.font('Helvetica-Bold').text('Period', 330).font('Helvetica').text(`${day(inv.periodStart)} to ${day(inv.periodEnd)}`, 330);
  doc.font('Helvetica-Bold').text('Currency', 330).font('Helvetica').text(inv.currency.toUpperCase(), 330);

  let y = Math.max(afterCustomer, doc.y) + 25;
  const cols = { desc: left, qty: 300, unit: 360, amount: 450 };
  const row = (cells: [string, string, string, string], bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    const h = doc.heightOfString(cells[0], { width: 240 });
    doc.text(cells[0], cols.desc, y, { width: 240 });
    doc.text(cells[1], cols.qty, y, { width: 50, align: 'right' });
    doc.text(cells[2], cols.unit, y, { width: 80, align: 'right' });
    doc.text(cells[3], cols.amount, y, { width: right - cols.amount, align: 'right' });
    y += Math.max(h, 12) + 6;
    if (y > 760) {
      doc.addPage();
      y = 50;
    }
  };
  row(['Description', 'Qty', 'Unit price', 'Amount'], true);
  doc.moveTo(left, y - 3).lineTo(right, y - 3).stroke();
  for (const l of inv.lines) row([l.description, l.quantity.toString(), money(l.unitAmount), money(l.amount)]);
  doc.moveTo(left, y).lineTo(right, y).stroke();
  y += 8;
  const total = (label: string, amount: bigint, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    doc.text(label, 330, y, { width: 110 });
    doc.text(money(amount), cols.amount, y, { width: right - cols.amount, align: 'right' });
    y += 16;
  };
  total('Subtotal', inv.subtotal);
  total('Discount', -inv.discountAmount);
  total(`Tax (${rateText(inv.taxRatePpm)}%)`, inv.taxAmount);
  total('Total', inv.total, true);
  if (inv.creditApplied > 0n) total('Credit applied', -inv.creditApplied);
  total('Amount due', inv.status === 'paid' ? 0n : inv.amountDue, true);
  if (inv.paidAt) doc.font('Helvetica').text(`Paid on ${day(inv.paidAt)}${inv.paymentRef ? ` (ref ${inv.paymentRef})` : ''}`, left, y + 10);
  if (inv.voidedAt) doc.font('Helvetica').text(`Voided on ${day(inv.voidedAt)}${inv.voidReason ? `: ${inv.voidReason}` : ''}`, left, y + 24);
  doc.end();
  return done;
}
