/** Amounts as users type them and as Baton stores them: integer minor units of a currency. */

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY. */
export function minorUnitExponent(currency: string): number {
  return currencyFacts(currency).exponent;
}

/**
 * A typed amount, "12,500.50" or "12500.5", in the currency's minor units; the reason when it is
 * not one. Decimal strings are shifted digit by digit, never through a float, so "0.29" is 29.
 */
export function parseAmountToMinor(
  typed: string,
  currency: string,
): { ok: true; minor: number } | { ok: false; reason: string } {
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
    const format = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    facts = {
      format,
      exponent: format.resolvedOptions().maximumFractionDigits ?? 2,
      symbol: format.formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency,
    };
    currencies.set(currency, facts);
  }
  return facts;
}

/**
 * An amount held in integer minor units, as money: 12_500_000 EUR → "€125,000.00",
 * 5000 JPY → "¥5,000". The currency's own exponent decides where the point goes.
 */
export function formatMoney(valueMinor: number, currency: string): string {
  const { format, exponent } = currencyFacts(currency);
  return format.format(valueMinor / 10 ** exponent);
}
