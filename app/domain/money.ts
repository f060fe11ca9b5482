/** Amounts as users type them and as Baton stores them: integer minor units of a currency. */

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'JPY'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Decimal places of the currency's minor unit: 2 for EUR, 0 for JPY. */
export function minorUnitExponent(currency: string): number {
  return (
    new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2
  );
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
