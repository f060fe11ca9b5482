const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-GB', { style: 'currency', currency });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/**
 * An amount held in integer minor units, as money: 12_500_000 EUR → "€125,000.00",
 * 5000 JPY → "¥5,000". The currency's own exponent decides where the point goes.
 */
export function formatMoney(valueMinor: number, currency: string): string {
  const formatter = formatterFor(currency);
  const exponent = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(valueMinor / 10 ** exponent);
}
