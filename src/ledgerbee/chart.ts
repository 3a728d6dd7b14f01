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

/*
 * The chart as a table, one account a line: number | name | kind. The kind is `heading`,
 * `heading break`, `total from N` (adds up N to the total's own number), `intervals from N`
 * (a total over the intervals from N), a profit-and-loss class (`revenue`, `expense`) or a
 * balance-sheet class (`asset`, `liability`, `equity`, with `, receivable control` or
 * `, payable control` on a control account).
 */
const CHART_TABLE = `
  1000 | INCOME STATEMENT                      | heading break
  1010 | Revenue                               | heading
  1100 | Sales of goods and services, domestic | revenue
  1110 | Sales of goods, EU                    | revenue
  1120 | Sales of services, EU                 | revenue
  1130 | Sales outside the EU                  | revenue
  1140 | Sales exempt from VAT                 | revenue
  1150 | Discounts granted                     | revenue
  1190 | Total revenue                         | total from 1010
  1200 | Cost of sales                         | heading
  1210 | Purchases of goods, domestic          | expense
  1220 | Purchases of goods, EU                | expense
  1230 | Purchases of services, EU             | expense
  1240 | Purchases outside the EU              | expense
  1250 | Freight and duties                    | expense
  1290 | Total cost of sales                   | total from 1200
  1300 | GROSS PROFIT                          | intervals from 1000
  1400 | Staff costs                           | heading
  1410 | Wages and salaries                    | expense
  1420 | Pensions                              | expense
  1430 | Social security (ATP)                 | expense
  1440 | Other staff costs                     | expense
  1490 | Total staff costs                     | total from 1400
  1500 | Sales and marketing                   | heading
  1510 | Advertising                           | expense
  1520 | Travel                                | expense
  1530 | Entertainment                         | expense
  1590 | Total sales and marketing             | total from 1500
  1600 | Premises                              | heading
  1610 | Rent                                  | expense
  1620 | Electricity and heating               | expense
  1630 | Cleaning and maintenance              | expense
  1690 | Total premises                        | total from 1600
  1700 | Administration                        | heading
  1710 | Office supplies                       | expense
  1720 | Software and IT                       | expense
  1730 | Telephone and internet                | expense
  1740 | Accounting and audit                  | expense
  1750 | Insurance                             | expense
  1760 | Bank fees                             | expense
  1770 | Bad debts                             | expense
  1790 | Total administration                  | total from 1700
  1800 | PROFIT BEFORE DEPRECIATION            | intervals from 1000
  1810 | Depreciation                          | heading
  1820 | Depreciation of equipment             | expense
  1890 | Total depreciation                    | total from 1810
  1900 | Financial items                       | heading
  1910 | Interest income                       | revenue
  1920 | Interest expenses                     | expense
  1930 | Exchange rate differences             | expense
  1990 | Total financial items                 | total from 1900
  2000 | PROFIT BEFORE TAX                     | intervals from 1000
  2010 | Corporation tax                       | expense
  2090 | NET PROFIT FOR THE YEAR               | intervals from 1000

  5000 | BALANCE SHEET                         | heading break
  5010 | ASSETS                                | heading
  5100 | Fixed assets                          | heading
  5110 | Equipment and fixtures                | asset
  5120 | Accumulated depreciation, equipment   | asset
  5130 | Deposits                              | asset
  5190 | Total fixed assets                    | total from 5100
  5200 | Current assets                        | heading
  5210 | Inventory                             | asset
  5300 | Accounts receivable                   | asset, receivable control
  5310 | Other receivables                     | asset
  5320 | Prepaid expenses                      | asset
  5400 | Bank                                  | asset
  5410 | Cash                                  | asset
  5490 | Total current assets                  | total from 5200
  5500 | TOTAL ASSETS                          | intervals from 5010
  6000 | EQUITY AND LIABILITIES                | heading
  6100 | Equity                                | heading
  6110 | Share capital                         | equity
  6120 | Retained earnings                     | equity
  6130 | Profit for the year                   | equity
  6190 | Total equity                          | total from 6100
  6200 | Long-term liabilities                 | heading
  6210 | Bank loans                            | liability
  6290 | Total long-term liabilities           | total from 6200
  6300 | Short-term liabilities                | heading
  6310 | Accounts payable                      | liability, payable control
  6320 | Accrued expenses                      | liability
  6330 | Corporation tax payable               | liability
  6340 | Payroll liabilities                   | liability
  6400 | VAT                                   | heading
  6410 | Output VAT (sales)                    | liability
  6420 | Input VAT (purchases)                 | liability
  6430 | VAT on EU purchases of goods          | liability
  6440 | VAT on EU purchases of services       | liability
  6450 | VAT settlement                        | liability
  6490 | Total short-term liabilities          | total from 6300
  6900 | TOTAL EQUITY AND LIABILITIES          | intervals from 6000
`;

const CLASSES = new Map<string, { ledgerType: LedgerType; classification: Classification }>([
  ['revenue', { ledgerType: 'PROFIT_AND_LOSS', classification: 'REVENUE' }],
  ['expense', { ledgerType: 'PROFIT_AND_LOSS', classification: 'EXPENSE' }],
  ['asset', { ledgerType: 'BALANCE_SHEET', classification: 'ASSET' }],
  ['liability', { ledgerType: 'BALANCE_SHEET', classification: 'LIABILITY' }],
  ['equity', { ledgerType: 'BALANCE_SHEET', classification: 'EQUITY' }],
]);
const CONTROLS = new Map<string, ControlType>([
  ['receivable', 'ACCOUNTS_RECEIVABLE'],
  ['payable', 'ACCOUNTS_PAYABLE'],
]);

/** One line of the table as a row; a kind it does not know fails at load, so every test sees it. */
function chartRow(line: string): ChartRow {
  const [numberText, name, kind] = line.split('|').map((cell) => cell.trim());
  const row: ChartRow = { number: Number(numberText), name, ledgerType: 'HEADING', classification: null, control: null, totalFrom: null };
  if (kind === 'heading') return row;
  if (kind === 'heading break') return { ...row, ledgerType: 'HEADING_BREAK' };
  const total = /^(total|intervals) from (\d+)$/.exec(kind);
  if (total) return { ...row, ledgerType: total[1] === 'total' ? 'TOTAL_FROM' : 'TOTAL_INTERVALS', totalFrom: Number(total[2]) };
  const account = /^(\w+)(?:, (\w+) control)?$/.exec(kind);
  const cls = account ? CLASSES.get(account[1]) : undefined;
  const control = account?.[2] === undefined ? null : CONTROLS.get(account[2]);
  if (!cls || control === undefined || (control !== null && cls.ledgerType !== 'BALANCE_SHEET')) throw new Error(`chart.ts: account ${numberText} has an unknown kind "${kind}"`);
  return { ...row, ...cls, control };
}

export const STANDARD_CHART: readonly ChartRow[] = CHART_TABLE.split('\n')
  .filter((line) => line.trim() !== '')
  .map(chartRow);

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
