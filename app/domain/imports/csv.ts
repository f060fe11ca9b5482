/**
 * A streaming CSV reader (RFC 4180): bytes in, rows out, never the whole file in memory.
 * Quoted fields may hold commas, doubled quotes and line breaks; records end in CR, LF or CRLF;
 * the last one may or may not end in a line break. The bytes must be UTF-8 (a BOM is dropped);
 * anything else is refused with the line it was found on, because a silently mis-decoded name
 * is worse than a clear refusal.
 */

export interface CsvRow {
  /** The physical line the record starts on, counting from 1 (the header is line 1). */
  line: number;
  fields: string[];
}

/** The file cannot be read as CSV at all: bad bytes or a quote never closed. */
export class CsvFormatError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`Line ${line}: ${reason}`);
    this.name = 'CsvFormatError';
  }
}

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: the field's end, or the first half of "". */
  QuoteInQuoted,
}

/**
 * The text half: takes decoded text in pieces of any size and hands back the complete records
 * seen so far. A record split across pieces is kept until its end arrives.
 */
export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private quotedFieldLine = 1;
  private afterCr = false;
  /** Whether the current record has any content, so that blank lines are skipped. */
  private recordStarted = false;

  /** Line breaks seen so far plus one: the line the next character is on. */
  get currentLine(): number {
    return this.line;
  }

  push(text: string): CsvRow[] {
    const rows: CsvRow[] = [];
    const length = text.length;
    let start = 0; // first character of the unquoted or quoted run not yet copied into `field`
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (this.afterCr) {
        this.afterCr = false;
        // The LF of a CRLF: the break was already counted at the CR. Inside quotes it stays
        // part of the field's text.
        if (code === LF) {
          if (this.state !== State.Quoted) start = i + 1;
          continue;
        }
      }
      switch (this.state) {
        case State.FieldStart:
          if (code === QUOTE) {
            this.state = State.Quoted;
            this.quotedFieldLine = this.line;
            this.recordStarted = true;
            start = i + 1;
          } else if (code === COMMA) {
            this.recordStarted = true;
            this.fields.push('');
            start = i + 1;
          } else if (code === CR || code === LF) {
            this.endRecord(rows, '');
            this.lineBreak(code);
            start = i + 1;
          } else {
            this.state = State.Unquoted;
            this.recordStarted = true;
            start = i;
          }
          break;
        case State.Unquoted:
          if (code === COMMA) {
            this.fields.push(this.field + text.slice(start, i));
            this.field = '';
            this.state = State.FieldStart;
            start = i + 1;
          } else if (code === CR || code === LF) {
            this.endRecord(rows, this.field + text.slice(start, i));
            this.field = '';
            this.state = State.FieldStart;
            this.lineBreak(code);
            start = i + 1;
          }
          // A quote in the middle of an unquoted field is taken literally, as spreadsheets do.
          break;
        case State.Quoted:
          if (code === QUOTE) {
            this.field += text.slice(start, i);
            this.state = State.QuoteInQuoted;
            start = i + 1;
          } else if (code === CR || code === LF) {
            // A line break inside quotes belongs to the field, as written (CRLF stays CRLF).
            this.line++;
            this.afterCr = code === CR;
          }
          break;
        case State.QuoteInQuoted:
          if (code === QUOTE) {
            this.state = State.Quoted;
            start = i; // the second quote of "" is the character kept
          } else if (code === COMMA) {
            this.fields.push(this.field);
            this.field = '';
            this.state = State.FieldStart;
            start = i + 1;
          } else if (code === CR || code === LF) {
            this.endRecord(rows, this.field);
            this.field = '';
            this.state = State.FieldStart;
            this.lineBreak(code);
            start = i + 1;
          } else {
            throw new CsvFormatError(
              this.line,
              `a quoted field must be followed by a comma or the end of the line, not “${text[i]}”. Double any quote inside a quoted field ("").`,
            );
          }
          break;
      }
    }
    if (this.state === State.Unquoted || this.state === State.Quoted) this.field += text.slice(start);
    return rows;
  }

  /** The end of the input: the last record, if it had no line break after it. */
  end(): CsvRow[] {
    if (this.state === State.Quoted) {
      throw new CsvFormatError(
        this.quotedFieldLine,
        'a quoted field is never closed: the file ends inside it. Check for a missing closing quote.',
      );
    }
    const rows: CsvRow[] = [];
    if (this.state !== State.FieldStart || this.recordStarted) this.endRecord(rows, this.field);
    this.field = '';
    this.state = State.FieldStart;
    return rows;
  }

  private lineBreak(code: number) {
    this.line++;
    this.afterCr = code === CR;
    this.recordLine = this.line;
  }

  private endRecord(rows: CsvRow[], lastField: string) {
    if (this.recordStarted) {
      this.fields.push(lastField);
      rows.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.recordStarted = false;
  }
}

/**
 * The byte half: UTF-8 bytes in pieces of any size (a character may be split between two) to
 * text, the BOM dropped. Invalid bytes throw a CsvFormatError naming their line.
 */
export class Utf8ChunkDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  /** The bytes of an unfinished character the decoder holds back from the previous chunk. */
  private heldBack: Uint8Array = new Uint8Array(0);
  private lineBreaks = 0;
  private lastWasCr = false;

  decode(bytes: Uint8Array): string {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      throw this.invalidAt(concat(this.heldBack, bytes));
    }
    // A character held back before must end within this chunk's first three bytes.
    this.heldBack = unfinishedTail(bytes.length >= 4 ? bytes : concat(this.heldBack, bytes));
    this.countLines(text);
    return text;
  }

  end(): string {
    try {
      const text = this.decoder.decode();
      this.countLines(text);
      return text;
    } catch {
      throw new CsvFormatError(
        this.lineBreaks + 1,
        'the file ends in the middle of a character: it is not valid UTF-8. Save it as “CSV UTF-8” and upload it again.',
      );
    }
  }

  private countLines(text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === LF) {
        if (!this.lastWasCr) this.lineBreaks++;
        this.lastWasCr = false;
      } else if (code === CR) {
        this.lineBreaks++;
        this.lastWasCr = true;
      } else this.lastWasCr = false;
    }
  }

  private invalidAt(bytes: Uint8Array): CsvFormatError {
    const offset = firstInvalidUtf8Offset(bytes);
    // Everything before the bad byte was valid: decode it to count the line breaks it holds.
    this.countLines(new TextDecoder('utf-8').decode(bytes.subarray(0, offset), { stream: true }));
    const bad = bytes[offset];
    const byte = bad === undefined ? '' : ` (byte 0x${bad.toString(16).toUpperCase().padStart(2, '0')})`;
    return new CsvFormatError(
      this.lineBreaks + 1,
      `the file is not valid UTF-8${byte}; it was probably saved as Latin-1 or Windows-1252. Save it as “CSV UTF-8” and upload it again.`,
    );
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** How many bytes a sequence starting with `lead` has; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The last bytes of `bytes` that start a character not yet complete. */
function unfinishedTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const needed = sequenceLength(byte);
    return needed > back ? bytes.slice(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** The offset of the first byte that breaks UTF-8 (bytes.length if the end is only unfinished). */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = sequenceLength(lead);
    if (length === 0) return i;
    if (length === 1) {
      i++;
      continue;
    }
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return bytes.length;
      const next = bytes[i + k]!;
      let low = 0x80;
      let high = 0xbf;
      if (k === 1) {
        // Overlong forms and surrogates are refused on the second byte, as the standard says.
        if (lead === 0xe0) low = 0xa0;
        else if (lead === 0xed) high = 0x9f;
        else if (lead === 0xf0) low = 0x90;
        else if (lead === 0xf4) high = 0x8f;
      }
      if (next < low || next > high) return i;
    }
    i += length;
  }
  return bytes.length;
}

/**
 * Rows of a CSV file read from byte chunks, as they come: memory holds one chunk and one
 * unfinished record, whatever the file's size.
 */
export async function* parseCsv(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<CsvRow> {
  const decoder = new Utf8ChunkDecoder();
  const parser = new CsvParser();
  for await (const chunk of chunks) {
    const rows = parser.push(decoder.decode(chunk));
    for (const row of rows) yield row;
  }
  const rest = parser.push(decoder.end());
  for (const row of rest) yield row;
  for (const row of parser.end()) yield row;
}

/** Everything at once, for small inputs (previews, tests). */
export async function parseCsvAll(bytes: Uint8Array, chunkSize = 64 * 1024): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of parseCsv(chunksOf(bytes, chunkSize))) rows.push(row);
  return rows;
}

export function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** One CSV line: fields quoted where needed, so that any text survives a round trip. */
export function formatCsvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
}
