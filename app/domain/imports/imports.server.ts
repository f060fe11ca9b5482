import type { Database } from '../../../db/client';
import { DomainError, invalidInput, notFound } from '../errors';
import { rawSql } from '../sql.server';
import { MAX_IMPORT_BYTES } from './import-limits';
import { chunksOf, CsvFormatError, parseCsv, type CsvRow } from './csv';
import {
  autoMapping,
  checkHeaders,
  checkMapping,
  columnMappingFor,
  IMPORT_KINDS,
  IMPORT_MODES,
  parseStoredMapping,
  storedMappingOf,
  type ColumnMapping,
  type ImportKind,
  type ImportMode,
  type MappingProblem,
} from './kinds';

export const PREVIEW_ROWS = 10;
const HEAD_CHUNK_BYTES = 64 * 1024;

/**
 * Stores an uploaded file as a new import, after reading it through once: it must be UTF-8 CSV
 * with a header row naming each column once. The columns are mapped by their names to begin with.
 */
export async function createImport(
  db: Database,
  input: { kind: string; fileName: string; bytes: Uint8Array; userId: number },
): Promise<{ importId: number }> {
  if (!(IMPORT_KINDS as readonly string[]).includes(input.kind)) {
    throw invalidInput('kind', 'Choose what the file holds.');
  }
  const kind = input.kind as ImportKind;
  if (input.bytes.length === 0) throw invalidInput('file', 'The file is empty.');
  if (input.bytes.length > MAX_IMPORT_BYTES) {
    throw invalidInput(
      'file',
      `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB; split it in parts.`,
    );
  }
  let headers: string[] | null = null;
  let rows = 0;
  try {
    for await (const row of parseCsv(chunksOf(input.bytes, 1024 * 1024))) {
      if (headers === null) headers = row.fields;
      else rows++;
    }
  } catch (error) {
    if (error instanceof CsvFormatError) throw invalidInput('file', `Line ${error.line}: ${error.reason}`);
    throw error;
  }
  const headerProblem = headers === null ? 'The file holds no lines.' : checkHeaders(headers);
  if (headerProblem) throw invalidInput('file', headerProblem);
  if (rows === 0) throw invalidInput('file', 'The file has a header row but no rows to import.');
  const mapping = storedMappingOf(headers!, autoMapping(kind, headers!));
  const [row] = await rawSql(db)`
    INSERT INTO imports (kind, file_name, file, mapping, total_rows, created_by_user_id)
    VALUES (${kind}, ${input.fileName.slice(0, 255)}, ${Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.length)},
            ${JSON.stringify(mapping)}::jsonb, ${rows}, ${input.userId})
    RETURNING id`;
  return { importId: row!.id as number };
}

/** The header and the first rows of a stored file, read from its start only. */
export async function readImportHead(
  db: Database,
  importId: number,
  rowCount = PREVIEW_ROWS,
): Promise<{ headers: string[]; rows: CsvRow[] }> {
  const sql = rawSql(db);
  const [meta] = await sql`SELECT octet_length(file) AS size FROM imports WHERE id = ${importId}`;
  if (!meta) throw notFound('Import', importId);
  const size = Number(meta.size);
  const found: CsvRow[] = [];
  async function* chunks() {
    for (let offset = 0; offset < size && found.length <= rowCount; offset += HEAD_CHUNK_BYTES) {
      const [row] = await sql`
        SELECT substring(file FROM ${offset + 1}::int FOR ${HEAD_CHUNK_BYTES}::int) AS chunk
        FROM imports WHERE id = ${importId}`;
      yield row!.chunk as Buffer;
    }
  }
  try {
    for await (const row of parseCsv(chunks())) {
      found.push(row);
      if (found.length > rowCount) break;
    }
  } catch (error) {
    // Checked at upload; a file that fails here anyway shows what was read before the fault.
    if (!(error instanceof CsvFormatError)) throw error;
  }
  const [header, ...rows] = found;
  return { headers: header?.fields ?? [], rows: rows.slice(0, rowCount) };
}

export interface StartImportInput {
  importId: number;
  columns: ColumnMapping;
  mode: string;
  campaignId: number | null;
}

export type StartImportResult =
  { ok: true } | { ok: false; mappingProblems: MappingProblem[]; fieldErrors: Record<string, string> };

/**
 * The user confirmed the mapping and chose a mode: the import is queued (the caller hands it
 * to the workers). Nothing changes when something is wrong; every problem comes back at once.
 */
export async function startImport(db: Database, input: StartImportInput): Promise<StartImportResult> {
  const sql = rawSql(db);
  const [current] = await sql`SELECT id, kind, status FROM imports WHERE id = ${input.importId}`;
  if (!current) throw notFound('Import', input.importId);
  if (current.status !== 'uploaded') {
    throw new DomainError('invalid_input', 'This import has already been started.');
  }
  const kind = current.kind as ImportKind;
  const { headers } = await readImportHead(db, input.importId, 0);
  const columns = headers.map((_, i) => input.columns[i] ?? null);
  const mappingProblems = checkMapping(kind, columns);
  const fieldErrors: Record<string, string> = {};
  if (!(IMPORT_MODES as readonly string[]).includes(input.mode)) {
    fieldErrors.mode = 'Choose whether to import nothing unless every row is valid, or the valid rows.';
  }
  let campaignId: number | null = null;
  if (kind === 'campaign_accounts') {
    const [campaign] =
      input.campaignId === null
        ? []
        : await sql`SELECT id, status FROM campaigns WHERE id = ${input.campaignId}`;
    if (!campaign) fieldErrors.campaignId = 'Choose the campaign these accounts are targets of.';
    else if (campaign.status === 'completed') {
      fieldErrors.campaignId = 'That campaign is completed; choose a draft or active one.';
    } else campaignId = campaign.id as number;
  }
  if (mappingProblems.length > 0 || Object.keys(fieldErrors).length > 0) {
    return { ok: false, mappingProblems, fieldErrors };
  }
  const updated = await sql`
    UPDATE imports SET status = 'queued', mode = ${input.mode as ImportMode},
      mapping = ${JSON.stringify(storedMappingOf(headers, columns))}::jsonb, campaign_id = ${campaignId}
    WHERE id = ${input.importId} AND status = 'uploaded'
    RETURNING id`;
  if (updated.length === 0) throw new DomainError('invalid_input', 'This import has already been started.');
  return { ok: true };
}

/** The column mapping in force for a stored import: its saved choice, by the file's headers. */
export async function importColumns(
  db: Database,
  importId: number,
): Promise<{ headers: string[]; columns: ColumnMapping; rows: CsvRow[] }> {
  const [row] = await rawSql(db)`SELECT mapping::text AS mapping FROM imports WHERE id = ${importId}`;
  if (!row) throw notFound('Import', importId);
  const head = await readImportHead(db, importId);
  return { ...head, columns: columnMappingFor(parseStoredMapping(row.mapping), head.headers) };
}
