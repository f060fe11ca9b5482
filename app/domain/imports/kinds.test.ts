import { describe, expect, it } from 'vitest';
import { autoMapping, checkMapping, columnMappingFor, storedMappingOf, validateRow } from './kinds';

describe('mapping columns by their header names', () => {
  it('maps synonyms whatever their case, spaces, underscores or hyphens', () => {
    expect(
      autoMapping('customers', [
        'Customer name',
        'WEBSITE',
        'country_code',
        'Sector',
        'Company-Size',
        'Notes',
      ]),
    ).toEqual(['name', 'domain', 'country', 'industry', 'sizeSegment', null]);
    expect(
      autoMapping('opportunities', ['Website', 'Need', 'Product Line', 'Deal value', 'Currency']),
    ).toEqual(['customerDomain', 'need', 'productLine', 'amount', 'currency']);
  });

  it('maps a field once: a second matching column is left out', () => {
    expect(autoMapping('customers', ['Company', 'Customer name'])).toEqual(['name', null]);
  });

  it('names every required field left unmapped, and a field chosen twice', () => {
    expect(checkMapping('customers', ['name', 'name', null]).map((p) => [p.column, p.field])).toEqual([
      [1, 'name'],
      [null, 'country'],
      [null, 'industry'],
      [null, 'sizeSegment'],
    ]);
    expect(checkMapping('contacts', ['name']).map((p) => p.reason)).toEqual([
      'Choose the column that names the customer: its Baton id or its domain.',
    ]);
  });

  it('stores the mapping by header and reads it back by position', () => {
    const headers = ['Company', ' Country ', 'Notes'];
    const stored = storedMappingOf(headers, ['name', 'country', null]);
    expect(stored).toEqual({ Company: 'name', Country: 'country' });
    expect(columnMappingFor(stored, ['Notes', 'Company', 'Country'])).toEqual([null, 'name', 'country']);
  });
});

describe('checking a row', () => {
  const opportunityColumns = ['customerDomain', 'need', 'productLine', 'amount', 'currency', 'sizeSegment'];

  it('turns an amount into minor units of its currency', () => {
    const checked = validateRow('opportunities', opportunityColumns, [
      'acme.example',
      'New storage',
      'storage',
      '1,250.5',
      'eur',
      'SMB',
    ]);
    expect(checked).toEqual({
      ok: true,
      row: {
        kind: 'opportunities',
        value: {
          customerDomain: 'acme.example',
          need: 'New storage',
          productLine: 'storage',
          valueMinor: 125_050,
          currency: 'EUR',
          sizeSegment: 'small_business',
        },
      },
    });
  });

  it('gives one reason per bad field', () => {
    const checked = validateRow('opportunities', opportunityColumns, ['', 'x', '', '10', 'JPY', 'huge']);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.problems).toEqual([
      { field: 'need', reason: 'Describe the need in a few words.' },
      { field: 'productLine', reason: 'The product line is missing.' },
      {
        field: 'sizeSegment',
        reason: 'Size segment “huge” is not one of enterprise, mid market, small business.',
      },
      { field: 'customerDomain', reason: 'The customer is missing: give its Baton id or its domain.' },
    ]);
  });

  it('reads consent as yes/no, true/false or 1/0, and blank as no', () => {
    const consent = (text: string) => {
      const checked = validateRow('contacts', ['customerId', 'name', 'consent'], ['7', 'Jana', text]);
      return checked.ok ? (checked.row.value as { consent: boolean }).consent : checked.problems[0]!.reason;
    };
    expect(['yes', 'TRUE', '1', 'no', 'false', '0', ''].map(consent)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
    expect(consent('maybe')).toBe('Consent “maybe” is not yes/no, true/false or 1/0.');
  });
});
