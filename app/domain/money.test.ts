import { describe, expect, it } from 'vitest';
import {
  CURRENCIES,
  formatMoney,
  isCurrency,
  minorUnitExponent,
  parseAmountToMinor,
  plainAmount,
  valueBand,
} from './money';

describe('the currency list', () => {
  it('holds every active ISO 4217 currency the demo uses, and not the units that are not money', () => {
    for (const code of ['EUR', 'USD', 'INR', 'BRL', 'CNY', 'AED', 'JPY', 'BHD', 'KWD', 'XOF', 'XCG']) {
      expect(isCurrency(code), code).toBe(true);
    }
    for (const code of ['XAU', 'XXX', 'XTS', 'XDR', 'DEM', 'eur', 'EU'])
      expect(isCurrency(code), code).toBe(false);
    expect(CURRENCIES.length).toBeGreaterThan(150);
  });

  it('takes the exponent from ISO 4217, where Intl (CLDR) says otherwise', () => {
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('BHD')).toBe(3);
    expect(minorUnitExponent('KWD')).toBe(3);
    expect(minorUnitExponent('INR')).toBe(2);
    expect(minorUnitExponent('CLF')).toBe(4);
    // CLDR shows HUF and IQD without decimals; ISO keeps 2 and 3 minor digits.
    expect(minorUnitExponent('HUF')).toBe(2);
    expect(minorUnitExponent('IQD')).toBe(3);
  });
});

describe('parsing a typed amount', () => {
  it('shifts the point by the currency’s exponent', () => {
    expect(parseAmountToMinor('12.345', 'BHD')).toEqual({ ok: true, minor: 12345 });
    expect(parseAmountToMinor('1,000.5', 'KWD')).toEqual({ ok: true, minor: 1000500 });
    expect(parseAmountToMinor('125,000.50', 'EUR')).toEqual({ ok: true, minor: 12500050 });
    expect(parseAmountToMinor('0.29', 'INR')).toEqual({ ok: true, minor: 29 });
    expect(parseAmountToMinor('5000', 'JPY')).toEqual({ ok: true, minor: 5000 });
  });

  it('refuses more decimals than the currency has, and says why', () => {
    expect(parseAmountToMinor('1.5', 'JPY')).toEqual({ ok: false, reason: 'JPY amounts have no decimals.' });
    expect(parseAmountToMinor('12.3456', 'BHD')).toEqual({
      ok: false,
      reason: 'BHD amounts have at most 3 decimal places.',
    });
    expect(parseAmountToMinor('12.345', 'EUR')).toEqual({
      ok: false,
      reason: 'EUR amounts have at most 2 decimal places.',
    });
  });

  it('refuses what is not an amount or not a currency', () => {
    expect(parseAmountToMinor('12,5', 'EUR').ok).toBe(false);
    expect(parseAmountToMinor('', 'EUR')).toEqual({ ok: false, reason: 'Enter an amount in EUR.' });
    expect(parseAmountToMinor('-5', 'EUR').ok).toBe(false);
    expect(parseAmountToMinor('99999999999999999999', 'EUR')).toEqual({
      ok: false,
      reason: 'That amount is too large.',
    });
    expect(parseAmountToMinor('10', 'XAU').ok).toBe(false);
  });
});

describe('showing an amount', () => {
  it('puts the point where the currency’s exponent says', () => {
    expect(formatMoney(12345, 'BHD')).toBe('BHD\u00a012.345');
    expect(formatMoney(1000500, 'KWD')).toBe('KWD\u00a01,000.500');
    expect(formatMoney(5000, 'JPY')).toBe('JP¥5,000');
    expect(formatMoney(12500050, 'EUR')).toBe('€125,000.50');
    expect(formatMoney(12500000, 'INR')).toBe('₹125,000.00');
    expect(formatMoney(150, 'HUF')).toBe('HUF\u00a01.50');
  });

  it('writes plain decimals for files', () => {
    expect(plainAmount(12345, 'BHD')).toBe('12.345');
    expect(plainAmount(5000, 'JPY')).toBe('5000');
    expect(plainAmount(5, 'EUR')).toBe('0.05');
    expect(plainAmount(-1250, 'EUR')).toBe('-12.50');
  });

  it('bands values in major units of their own currency', () => {
    expect(valueBand(12_000_000, 'JPY')).toBe('JP¥1M and more');
    expect(valueBand(12_000_000, 'BHD')).toBe('BHD10k–50k');
    expect(valueBand(12_000_000, 'EUR')).toBe('€50k–250k');
  });
});
