/** Amounts as users type them and as Baton stores them: integer minor units of a currency. */
import { data as iso4217, publishDate as iso4217PublishDate } from 'currency-codes';

export interface CurrencyInfo {
  code: string;
  /** ISO 4217's name, "Bahraini Dinar". */
  name: string;
  /** Decimal places of the minor unit: 2 for EUR, 0 for JPY, 3 for BHD and KWD. */
  exponent: number;
}

// ISO 4217 list one also holds codes that are not money a deal is priced in: precious metals,
// bond-market units, the IMF's and ADB's units of account, the testing code and "no currency".
// Their minor unit is "N.A." in ISO's list (the package records it as 0).
const NOT_MONEY = new Set([
  'XAG',
  'XAU',
  'XPD',
  'XPT',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XSU',
  'XUA',
  'XTS',
  'XXX',
]);

// Amendments published after the list the package holds (see ISO4217_LIST_DATE): the
// Caribbean guilder replaced the Netherlands Antillean guilder in 2025 (amendment 176).
const AMENDMENTS: CurrencyInfo[] = [{ code: 'XCG', name: 'Caribbean Guilder', exponent: 2 }];

/** The date of ISO's list the currency data comes from (then the amendments above). */
export const ISO4217_LIST_DATE = iso4217PublishDate;

/** Every active ISO 4217 currency, by code. */
export const CURRENCY_INFO: ReadonlyMap<string, CurrencyInfo> = new Map(
  [
    ...iso4217
      .filter((c) => !NOT_MONEY.has(c.code))
      .map((c) => ({ code: c.code, name: c.currency, exponent: c.digits })),
    ...AMENDMENTS,
  ]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((c) => [c.code, c]),
);

/** The codes, sorted, as a tuple for z.enum. */
export const CURRENCIES = [...CURRENCY_INFO.keys()] as [string, ...string[]];
export type Currency = string;

export function isCurrency(code: string): boolean {
  return CURRENCY_INFO.has(code);
}

/** Choices for a currency select: the code and ISO's name, "BHD – Bahraini Dinar". */
export const CURRENCY_OPTIONS: readonly { value: string; label: string }[] = CURRENCIES.map((code) => ({
  value: code,
  label: `${code} – ${CURRENCY_INFO.get(code)!.name}`,
}));

/**
 * Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY, 3 for BHD. A code outside
 * the list (a stored row older than a withdrawal) falls back to what Intl knows of it.
 */
export function minorUnitExponent(currency: string): number {
  return CURRENCY_INFO.get(currency)?.exponent ?? intlExponent(currency);
}

function intlExponent(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/**
 * A typed amount, "12,500.50" or "12500.5", in the currency's minor units; the reason when it is
 * not one. Decimal strings are shifted digit by digit, never through a float, so "0.29" is 29
 * and "12.345" BHD is 12345.
 */
export function parseAmountToMinor(
  typed: string,
  currency: string,
): { ok: true; minor: number } | { ok: false; reason: string } {
  if (!isCurrency(currency)) {
    return { ok: false, reason: `${currency} is not an ISO 4217 currency code.` };
  }
  const exponent = minorUnitExponent(currency);
  const text = typed.trim().replace(/[\s\u00a0]/g, '');
  if (text === '') return { ok: false, reason: `Enter an amount in ${currency}.` };
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) {
    return {
      ok: false,
      reason: `Enter an amount such as 12500${exponent > 0 ? `.${'0'.repeat(exponent)}` : ''} (digits, a point for decimals).`,
    };
  }
  const whole = match[1]!.replace(/,/g, '');
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) {
    return {
      ok: false,
      reason:
        exponent === 0
          ? `${currency} amounts have no decimals.`
          : `${currency} amounts have at most ${exponent} decimal places.`,
    };
  }
  const minor = Number(`${whole}${fraction.padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(minor)) return { ok: false, reason: 'That amount is too large.' };
  return { ok: true, minor };
}

/** The same, for callers that only need the number: null when the text is not an amount. */
export function toMinorUnits(amount: string, currency: string): number | null {
  const parsed = parseAmountToMinor(amount, currency);
  return parsed.ok ? parsed.minor : null;
}

// Upper bounds in major units; the last band is open.
const BAND_EDGES = [10_000, 50_000, 250_000, 1_000_000];

const compact = (amount: number) =>
  amount >= 1_000_000 ? `${amount / 1_000_000}M` : amount >= 1000 ? `${amount / 1000}k` : String(amount);

function currencySymbol(currency: string): string {
  return currencyFacts(currency).symbol;
}

/**
 * The value as a band, "€10k–50k": enough to judge the lead by, without the exact figure that
 * could identify the deal.
 */
export function valueBand(valueMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const major = valueMinor / 10 ** exponent;
  const symbol = currencySymbol(currency);
  let lower = 0;
  for (const upper of BAND_EDGES) {
    if (major < upper)
      return lower === 0
        ? `under ${symbol}${compact(upper)}`
        : `${symbol}${compact(lower)}–${compact(upper)}`;
    lower = upper;
  }
  return `${symbol}${compact(lower)} and more`;
}

// Building a formatter costs ~50 µs, and a page of 150 amounts or value bands asked for 150–300
// of them. Only well-formed currency codes get here (Intl throws on anything else), so the map
// stays small.
interface CurrencyFacts {
  format: Intl.NumberFormat;
  exponent: number;
  symbol: string;
}
const currencies = new Map<string, CurrencyFacts>();

function currencyFacts(currency: string): CurrencyFacts {
  let facts = currencies.get(currency);
  if (!facts) {
    const exponent = minorUnitExponent(currency);
    // Intl's digits follow CLDR, which differs from ISO 4217 for some currencies (HUF, IQD,
    // IDR…): the stored minor units are ISO's, so ISO's exponent decides the decimals shown.
    const format = new Intl.NumberFormat('en-GB', {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    facts = {
      format,
      exponent,
      symbol: format.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency,
    };
    currencies.set(currency, facts);
  }
  return facts;
}

/**
 * An amount held in integer minor units, as money: 12_500_000 EUR → "€125,000.00",
 * 5000 JPY → "¥5,000", 12345 BHD → "BHD 12.345". The currency's own exponent decides where
 * the point goes.
 */
export function formatMoney(valueMinor: number, currency: string): string {
  const { format, exponent } = currencyFacts(currency);
  return format.format(valueMinor / 10 ** exponent);
}

/**
 * The amount as a plain decimal in major units, "125000.00", "5000", "12.345": for CSV exports
 * and form fields, where a symbol or grouping would get in the way.
 */
export function plainAmount(valueMinor: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const sign = valueMinor < 0 ? '-' : '';
  const digits = String(Math.abs(valueMinor)).padStart(exponent + 1, '0');
  return exponent === 0
    ? `${sign}${digits}`
    : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
