import { plainAmount } from '../money';

export { plainAmount };
import type { CampaignFigures, FigureRow } from './figures.server';

/** "3 h", "2 h 30 min", "45 min", "—" for none. */
export function formatAcceptTime(seconds: number | null): string {
  if (seconds === null) return '—';
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) return '< 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });

/** "18%", "2.5%"; "no budget" when there is none to compare with. */
export function formatShare(share: number | null): string {
  return share === null ? 'no budget' : percent.format(share);
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe:
 * a partner's name is typed by people outside our control.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (fields: (string | number)[]) => fields.map(csvField).join(',');

const hours = (seconds: number | null) =>
  seconds === null ? '' : String(Math.round((seconds / 3600) * 100) / 100);
const sharePercent = (share: number | null) => (share === null ? '' : String(Math.round(share * 1000) / 10));

function rowFields(row: FigureRow, currency: string): (string | number)[] {
  return [
    row.leads,
    row.offered,
    row.accepted,
    hours(row.medianAcceptSeconds),
    plainAmount(row.pipelineMinor, currency),
    plainAmount(row.wonMinor, currency),
    sharePercent(row.wonShareOfBudget),
  ];
}

/**
 * The figures per partner as CSV: a header, one line per partner, then the campaign's total.
 * CRLF line ends (RFC 4180) and a byte-order mark, so that spreadsheets read the UTF-8 names
 * (Persian, Chinese, umlauts) as such. Money in the campaign's currency only, as on the page.
 */
export function figuresCsv(figures: CampaignFigures): string {
  const { currency } = figures;
  const header = [
    'Partner',
    'Leads',
    'Offered',
    'Accepted',
    'Median time to accept (hours)',
    `Pipeline value (${currency})`,
    `Won value (${currency})`,
    'Won value against budget (%)',
  ];
  const lines = [
    csvLine(header),
    ...figures.partners.map((p) => csvLine([p.partnerName, ...rowFields(p, currency)])),
    csvLine(['All partners', ...rowFields(figures.overall, currency)]),
  ];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
