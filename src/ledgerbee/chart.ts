/*
 * The standard chart of accounts, VAT codes and journal categories every LedgerBee company
 * starts with. Numbering follows the Danish standard chart's layout (the product's market):
 * the income statement from 1000, the balance sheet from 5000; headings and totals are rows
 * of their own (`ledgerType`) that take no postings.
 */

export type LedgerType = 'BALANCE_SHEET' | 'HEADING_BREAK' | 'HEADING' | 'PROFIT_AND_LOSS' | 'TOTAL_FROM' | 'TOTAL_INTERVALS';
export type Classification = 'ASSET' | 'LIABILITY' | 'EQUITY' | 'REVENUE' | 'EXPENSE';
export type ControlType = 'ACCOUNTS_RECEIVABLE' | 'ACCOUNTS_PAYABLE';
export const POSTABLE: ReadonlySet<LedgerType> = new Set(['BALANCE_SHEET', 'PROFIT_AND_LOSS']);

export interface ChartRow {
  number: number;
  name: string;
  ledgerType: LedgerType;
  classification: Classification | null;
  control: ControlType | null;
  /** Totals: the first account number they add up (to the total's own number). */
  totalFrom: number | null;
}

const H = (number: number, name: string, ledgerType: LedgerType = 'HEADING'): ChartRow => ({ number, name, ledgerType, classification: null, control: null, totalFrom: null });
const T = (number: number, name: string, from: number, ledgerType: LedgerType = 'TOTAL_FROM'): ChartRow => ({ number, name, ledgerType, classification: null, control: null, totalFrom: from });
const P = (number: number, name: string, classification: Classification): ChartRow => ({ number, name, ledgerType: 'PROFIT_AND_LOSS', classification, control: null, totalFrom: null });
const B = (number: number, name: string, classification: Classification, control: ControlType | null = null): ChartRow => ({ number, name, ledgerType: 'BALANCE_SHEET', classification, control, totalFrom: null });

export const STANDARD_CHART: readonly ChartRow[] = [
  H(1000, 'INCOME STATEMENT', 'HEADING_BREAK'),
  H(1010, 'Revenue'),
  P(1100, 'Sales of goods and services, domestic', 'REVENUE'),
  P(1110, 'Sales of goods, EU', 'REVENUE'),
  P(1120, 'Sales of services, EU', 'REVENUE'),
  P(1130, 'Sales outside the EU', 'REVENUE'),
  P(1140, 'Sales exempt from VAT', 'REVENUE'),
  P(1150, 'Discounts granted', 'REVENUE'),
  T(1190, 'Total revenue', 1010),
  H(1200, 'Cost of sales'),
  P(1210, 'Purchases of goods, domestic', 'EXPENSE'),
  P(1220, 'Purchases of goods, EU', 'EXPENSE'),
  P(1230, 'Purchases of services, EU', 'EXPENSE'),
  P(1240, 'Purchases outside the EU', 'EXPENSE'),
  P(1250, 'Freight and duties', 'EXPENSE'),
  T(1290, 'Total cost of sales', 1200),
  T(1300, 'GROSS PROFIT', 1000, 'TOTAL_INTERVALS'),
  H(1400, 'Staff costs'),
  P(1410, 'Wages and salaries', 'EXPENSE'),
  P(1420, 'Pensions', 'EXPENSE'),
  P(1430, 'Social security (ATP)', 'EXPENSE'),
  P(1440, 'Other staff costs', 'EXPENSE'),
  T(1490, 'Total staff costs', 1400),
  H(1500, 'Sales and marketing'),
  P(1510, 'Advertising', 'EXPENSE'),
  P(1520, 'Travel', 'EXPENSE'),
  P(1530, 'Entertainment', 'EXPENSE'),
  T(1590, 'Total sales and marketing', 1500),
  H(1600, 'Premises'),
  P(1610, 'Rent', 'EXPENSE'),
  P(1620, 'Electricity and heating', 'EXPENSE'),
  P(1630, 'Cleaning and maintenance', 'EXPENSE'),
  T(1690, 'Total premises', 1600),
  H(1700, 'Administration'),
  P(1710, 'Office supplies', 'EXPENSE'),
  P(1720, 'Software and IT', 'EXPENSE'),
  P(1730, 'Telephone and internet', 'EXPENSE'),
  P(1740, 'Accounting and audit', 'EXPENSE'),
  P(1750, 'Insurance', 'EXPENSE'),
  P(1760, 'Bank fees', 'EXPENSE'),
  P(1770, 'Bad debts', 'EXPENSE'),
  T(1790, 'Total administration', 1700),
  T(1800, 'PROFIT BEFORE DEPRECIATION', 1000, 'TOTAL_INTERVALS'),
  H(1810, 'Depreciation'),
  P(1820, 'Depreciation of equipment', 'EXPENSE'),
  T(1890, 'Total depreciation', 1810),
  H(1900, 'Financial items'),
  P(1910, 'Interest income', 'REVENUE'),
  P(1920, 'Interest expenses', 'EXPENSE'),
  P(1930, 'Exchange rate differences', 'EXPENSE'),
  T(1990, 'Total financial items', 1900),
  T(2000, 'PROFIT BEFORE TAX', 1000, 'TOTAL_INTERVALS'),
  P(2010, 'Corporation tax', 'EXPENSE'),
  T(2090, 'NET PROFIT FOR THE YEAR', 1000, 'TOTAL_INTERVALS'),

  H(5000, 'BALANCE SHEET', 'HEADING_BREAK'),
  H(5010, 'ASSETS'),
  H(5100, 'Fixed assets'),
  B(5110, 'Equipment and fixtures', 'ASSET'),
  B(5120, 'Accumulated depreciation, equipment', 'ASSET'),
  B(5130, 'Deposits', 'ASSET'),
  T(5190, 'Total fixed assets', 5100),
  H(5200, 'Current assets'),
  B(5210, 'Inventory', 'ASSET'),
  B(5300, 'Accounts receivable', 'ASSET', 'ACCOUNTS_RECEIVABLE'),
  B(5310, 'Other receivables', 'ASSET'),
  B(5320, 'Prepaid expenses', 'ASSET'),
  B(5400, 'Bank', 'ASSET'),
  B(5410, 'Cash', 'ASSET'),
  T(5490, 'Total current assets', 5200),
  T(5500, 'TOTAL ASSETS', 5010, 'TOTAL_INTERVALS'),
  H(6000, 'EQUITY AND LIABILITIES'),
  H(6100, 'Equity'),
  B(6110, 'Share capital', 'EQUITY'),
  B(6120, 'Retained earnings', 'EQUITY'),
  B(6130, 'Profit for the year', 'EQUITY'),
  T(6190, 'Total equity', 6100),
  H(6200, 'Long-term liabilities'),
  B(6210, 'Bank loans', 'LIABILITY'),
  T(6290, 'Total long-term liabilities', 6200),
  H(6300, 'Short-term liabilities'),
  B(6310, 'Accounts payable', 'LIABILITY', 'ACCOUNTS_PAYABLE'),
  B(6320, 'Accrued expenses', 'LIABILITY'),
  B(6330, 'Corporation tax payable', 'LIABILITY'),
  B(6340, 'Payroll liabilities', 'LIABILITY'),
  H(6400, 'VAT'),
  B(6410, 'Output VAT (sales)', 'LIABILITY'),
  B(6420, 'Input VAT (purchases)', 'LIABILITY'),
  B(6430, 'VAT on EU purchases of goods', 'LIABILITY'),
  B(6440, 'VAT on EU purchases of services', 'LIABILITY'),
  B(6450, 'VAT settlement', 'LIABILITY'),
  T(6490, 'Total short-term liabilities', 6300),
  T(6900, 'TOTAL EQUITY AND LIABILITIES', 6000, 'TOTAL_INTERVALS'),
];

export type VatType = 'SALES' | 'PURCHASE' | 'EU_PURCHASE_REVERSE_CHARGE' | 'EXEMPT';
export type VatPrinciple = 'Gross' | 'Net';

export interface VatCodeSeed {
  code: string;
  name: string;
  rateBp: number;
  type: VatType;
  principle: VatPrinciple;
  account: number | null;
  contra: number | null;
}

/** Denmark's VAT: 25 % standard rate; EU purchases self-assessed (reverse charge); exempt sales. */
export const STANDARD_VAT_CODES: readonly VatCodeSeed[] = [
  { code: 'S25', name: 'Output VAT 25 %, amount excl. VAT', rateBp: 2500, type: 'SALES', principle: 'Net', account: 6410, contra: null },
  { code: 'S25G', name: 'Output VAT 25 %, amount incl. VAT', rateBp: 2500, type: 'SALES', principle: 'Gross', account: 6410, contra: null },
  { code: 'K25', name: 'Input VAT 25 %, amount excl. VAT', rateBp: 2500, type: 'PURCHASE', principle: 'Net', account: 6420, contra: null },
  { code: 'K25G', name: 'Input VAT 25 %, amount incl. VAT', rateBp: 2500, type: 'PURCHASE', principle: 'Gross', account: 6420, contra: null },
  { code: 'EUV', name: 'EU purchase of goods, reverse charge 25 %', rateBp: 2500, type: 'EU_PURCHASE_REVERSE_CHARGE', principle: 'Net', account: 6420, contra: 6430 },
  { code: 'EUY', name: 'EU purchase of services, reverse charge 25 %', rateBp: 2500, type: 'EU_PURCHASE_REVERSE_CHARGE', principle: 'Net', account: 6420, contra: 6440 },
  { code: 'S0', name: 'Sales exempt from VAT', rateBp: 0, type: 'EXEMPT', principle: 'Net', account: null, contra: null },
  { code: 'S0EU', name: 'EU sales, reverse charge (buyer accounts for VAT)', rateBp: 0, type: 'EXEMPT', principle: 'Net', account: null, contra: null },
  { code: 'K0', name: 'Purchases without VAT', rateBp: 0, type: 'EXEMPT', principle: 'Net', account: null, contra: null },
];

export const JOURNAL_TYPES = ['JOURNAL_ENTRY', 'SUPPLIER_INVOICE', 'SUPPLIER_PAYMENT', 'CUSTOMER_INVOICE', 'CUSTOMER_PAYMENT'] as const;
export type JournalType = (typeof JOURNAL_TYPES)[number];

/** The default category comes first. */
export const STANDARD_JOURNAL_CATEGORIES: readonly { name: string; isDefault: boolean; allowed: readonly JournalType[] }[] = [
  { name: 'Daily journal', isDefault: true, allowed: JOURNAL_TYPES },
  { name: 'Sales', isDefault: false, allowed: ['CUSTOMER_INVOICE', 'CUSTOMER_PAYMENT'] },
  { name: 'Purchases', isDefault: false, allowed: ['SUPPLIER_INVOICE', 'SUPPLIER_PAYMENT'] },
  { name: 'Payments', isDefault: false, allowed: ['CUSTOMER_PAYMENT', 'SUPPLIER_PAYMENT'] },
  { name: 'Corrections', isDefault: false, allowed: ['JOURNAL_ENTRY'] },
];
