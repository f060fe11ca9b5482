import { describe, expect, it } from 'vitest';
import { CsvFormatError, formatCsvLine, parseCsv, parseCsvAll } from './csv';

const utf8 = (text: string) => new TextEncoder().encode(text);
const rowsOf = async (text: string | Uint8Array, chunkSize?: number) =>
  parseCsvAll(typeof text === 'string' ? utf8(text) : text, chunkSize);
const fieldsOf = async (text: string | Uint8Array, chunkSize?: number) =>
  (await rowsOf(text, chunkSize)).map((row) => row.fields);

async function formatErrorOf(bytes: Uint8Array, chunkSize?: number): Promise<CsvFormatError> {
  try {
    await parseCsvAll(bytes, chunkSize);
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('the file was read without complaint');
}

describe('reading CSV', () => {
  it('reads plain rows with their line numbers', async () => {
    expect(await rowsOf('name,country\nAcme,DE\nGlobex,FR\n')).toEqual([
      { line: 1, fields: ['name', 'country'] },
      { line: 2, fields: ['Acme', 'DE'] },
      { line: 3, fields: ['Globex', 'FR'] },
    ]);
  });

  it('reads the last row whether or not a line break follows it', async () => {
    expect(await fieldsOf('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(await fieldsOf('a,b\n1,2\n')).toEqual(await fieldsOf('a,b\n1,2'));
    expect(await fieldsOf('a,b\r\n1,2\r\n')).toEqual(await fieldsOf('a,b\n1,2'));
  });

  it('drops a UTF-8 byte order mark, so that the first header is not “\\uFEFFname”', async () => {
    expect(await fieldsOf('\uFEFFname,country\nAcme,DE')).toEqual([
      ['name', 'country'],
      ['Acme', 'DE'],
    ]);
    // Also when the mark arrives a byte at a time.
    expect(await fieldsOf('\uFEFFname\nAcme', 1)).toEqual([['name'], ['Acme']]);
  });

  it('keeps commas, doubled quotes and empty fields inside quotes', async () => {
    expect(await fieldsOf('"Smith, Jones & Co","He said ""yes""",,""\n')).toEqual([
      ['Smith, Jones & Co', 'He said "yes"', '', ''],
    ]);
  });

  it('keeps line breaks inside quoted fields and counts them in later line numbers', async () => {
    const rows = await rowsOf(
      'name,address\n"Acme","Main St 1\nBerlin"\r\n"Globex","Rue 2\r\nParis"\nInitech,"x"\n',
    );
    expect(rows).toEqual([
      { line: 1, fields: ['name', 'address'] },
      { line: 2, fields: ['Acme', 'Main St 1\nBerlin'] },
      { line: 4, fields: ['Globex', 'Rue 2\r\nParis'] },
      { line: 6, fields: ['Initech', 'x'] },
    ]);
  });

  it('accepts CR, LF and CRLF line ends, even mixed', async () => {
    expect(await rowsOf('a\rb\nc\r\nd')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
      { line: 3, fields: ['c'] },
      { line: 4, fields: ['d'] },
    ]);
  });

  it('skips blank lines but keeps counting them', async () => {
    expect(await rowsOf('a\n\n\r\nb\n\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ]);
  });

  it('reads Persian and Chinese text', async () => {
    expect(await fieldsOf('name\nشرکت پارس فولاد\n北京数据有限公司\n')).toEqual([
      ['name'],
      ['شرکت پارس فولاد'],
      ['北京数据有限公司'],
    ]);
  });
});

describe('reading CSV in chunks', () => {
  const text =
    '\uFEFFname,"note"\r\n"北京数据有限公司","line one\r\nline two, with ""quotes"""\r\nشرکت پارس فولاد,€ 12\r\n"",x\r\nlast,row';
  const expected = [
    { line: 1, fields: ['name', 'note'] },
    { line: 2, fields: ['北京数据有限公司', 'line one\r\nline two, with "quotes"'] },
    { line: 4, fields: ['شرکت پارس فولاد', '€ 12'] },
    { line: 5, fields: ['', 'x'] },
    { line: 6, fields: ['last', 'row'] },
  ];

  it('gives the same rows whatever the chunk size, even when a chunk splits a character, a quoted field or a CRLF', async () => {
    for (let size = 1; size <= 17; size++) {
      expect(await rowsOf(text, size), `chunks of ${size} bytes`).toEqual(expected);
    }
  });

  it('yields rows as chunks arrive, before the input ends', async () => {
    let sent = 0;
    async function* slowly() {
      sent++;
      yield utf8('a,b\n1,2\n3,');
      sent++;
      yield utf8('4\n');
    }
    const seen: number[] = [];
    for await (const row of parseCsv(slowly())) seen.push(sent, row.line);
    // The first two rows came out while only the first chunk had been sent.
    expect(seen).toEqual([1, 1, 1, 2, 2, 3]);
  });
});

describe('refusing files that are not UTF-8 CSV', () => {
  // "Müller" as Latin-1: ü is the single byte 0xFC, which UTF-8 never allows on its own.
  const latin1 = Uint8Array.from([
    ...utf8('name,city\nAcme,Berlin\n"Multi\nline",x\nM'),
    0xfc,
    ...utf8('ller GmbH,Köln\n'),
  ]);

  it('names the line of the first byte that is not UTF-8', async () => {
    const error = await formatErrorOf(latin1);
    expect(error.line).toBe(5);
    expect(error.reason).toMatch(/not valid UTF-8 \(byte 0xFC\).*Latin-1/);
  });

  it('names the same line whatever the chunk size', async () => {
    for (const size of [1, 2, 3, 5, 8, 13, 64]) {
      expect((await formatErrorOf(latin1, size)).line, `chunks of ${size} bytes`).toBe(5);
    }
  });

  it('refuses a file that ends in the middle of a character', async () => {
    const cut = utf8('name\n北京').slice(0, -1);
    const error = await formatErrorOf(cut);
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/middle of a character/);
  });

  it('refuses a quoted field that is never closed, naming the line it opened on', async () => {
    const error = await formatErrorOf(utf8('name\nAcme\n"Globex,FR\nInitech,DE\n'));
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/never closed/);
  });

  it('refuses text after a closing quote', async () => {
    const error = await formatErrorOf(utf8('name\n"Acme" Inc,DE\n'));
    expect(error.line).toBe(2);
  });
});

describe('writing CSV', () => {
  it('quotes only what needs quoting, and reads back as written', async () => {
    const fields = ['plain', 'with, comma', 'say "hi"', 'two\nlines', '北京'];
    const line = formatCsvLine(fields);
    expect(line).toBe('plain,"with, comma","say ""hi""","two\nlines",北京');
    expect(await fieldsOf(line)).toEqual([fields]);
  });
});
