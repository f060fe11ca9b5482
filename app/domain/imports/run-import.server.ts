import type { TransactionSql } from 'postgres';
import type { Database } from '../../../db/client';
import { domainKeyExpressionText } from '../customers/keys.server';
import { asciiFormOf } from '../customers/web-domain';
import { routeBatchAndSchedule, type LoopDeps } from '../routing/loop.server';
import { iso, rawSql } from '../sql.server';
import { CsvFormatError, formatCsvLine, parseCsv, type CsvRow } from './csv';
import {
  checkHeaders,
  checkMapping,
  fieldLabel,
  validateRow,
  type ColumnMapping,
  type ImportKind,
  type ImportMode,
  type RowProblem,
  type ValidRow,
  columnMappingFor,
  parseStoredMapping,
} from './kinds';

/** Rows per multi-row INSERT; also how often progress is written. */
export const IMPORT_BATCH_ROWS = 1000;
/** Imported opportunities are routed this many at a time, after the import has committed. */
export const ROUTE_BATCH_SIZE = 50;
/** The report keeps this many problems; the rejected CSV has every rejected row. */
export const REPORT_LIMIT = 1000;
const FILE_CHUNK_BYTES = 1024 * 1024;
const DOMAIN_KEY = domainKeyExpressionText();
// The advisory lock's class: one run of an import at a time, whichever worker holds the job.
const IMPORT_LOCK_CLASS = 0x1b0a;

export interface ReportEntry {
  line: number;
  field: string | null;
  reason: string;
}

export type ImportOutcome =
  | { kind: 'not_runnable' }
  | { kind: 'busy' }
  | { kind: 'completed'; imported: number; rejected: number; routed: number }
  | { kind: 'rejected'; rejected: number; error: string | null };

interface ImportToRun {
  id: number;
  kind: ImportKind;
  mode: ImportMode;
  mapping: Record<string, string>;
  campaignId: number | null;
  userId: number;
  size: number;
}

/** The whole file is refused: a format error, a header or mapping that cannot be imported. */
class FileRefused extends Error {
  constructor(readonly entries: ReportEntry[]) {
    super(entries[0]?.reason ?? 'refused');
  }
}
/** All or nothing, and something was bad: the savepoint is rolled back, nothing written. */
class NothingImported extends Error {}

/**
 * Runs an import from the file stored with it: reads it as a stream, checks every row, resolves
 * the customers the rows name (one query per batch), and inserts a thousand rows per statement.
 *
 * Everything, in both modes, happens in ONE transaction, which also writes the final status and
 * report. So a worker that dies half-way has written nothing, and the import, still `running`,
 * is simply run again from the start; and a finished import is never run twice. All-or-nothing
 * rolls its rows back (to a savepoint) when any row is bad and records the report alone.
 * Progress goes through another connection, so the page can show it while the transaction runs.
 * Opportunities are routed once the import has committed, outside its transaction.
 */
export async function runImport(deps: LoopDeps, importId: number): Promise<ImportOutcome> {
  const sql = rawSql(deps.db);
  const { outcome, opportunityIds } = await sql.begin(async (tx) => {
    const [lock] = await tx`SELECT pg_try_advisory_xact_lock(${IMPORT_LOCK_CLASS}, ${importId}) AS locked`;
    if (!lock?.locked) return { outcome: { kind: 'busy' } as const, opportunityIds: [] };
    const target = await claim(deps.db, importId, deps.clock.now());
    if (!target) return { outcome: { kind: 'not_runnable' } as const, opportunityIds: [] };
    return new ImportRun(deps, tx, target).execute();
  });
  if (outcome.kind === 'completed' && opportunityIds.length > 0) {
    outcome.routed = await routeImported(deps, importId, opportunityIds);
  }
  return outcome;
}

/** Marks the import running, from queued or from a run that died; null when there is nothing to run. */
async function claim(db: Database, importId: number, now: Date): Promise<ImportToRun | null> {
  // Through the pool, not the transaction: the page must see `running` at once.
  const [row] = await rawSql(db)`
    UPDATE imports SET status = 'running', started_at = ${iso(now)}::timestamptz, finished_at = NULL,
                       processed_rows = 0, imported_rows = 0, rejected_rows = 0, error = NULL
    WHERE id = ${importId} AND status IN ('queued', 'running')
    RETURNING id, kind, mode, mapping::text AS mapping, campaign_id, created_by_user_id, octet_length(file) AS size`;
  if (!row) return null;
  return {
    id: row.id,
    kind: row.kind,
    mode: row.mode,
    mapping: parseStoredMapping(row.mapping),
    campaignId: row.campaign_id,
    userId: row.created_by_user_id,
    size: Number(row.size),
  };
}

async function routeImported(deps: LoopDeps, importId: number, ids: number[]): Promise<number> {
  let routed = 0;
  for (let i = 0; i < ids.length; i += ROUTE_BATCH_SIZE) {
    const batch = ids.slice(i, i + ROUTE_BATCH_SIZE);
    try {
      await routeBatchAndSchedule(deps, batch);
      routed += batch.length;
    } catch (error) {
      // Left `new`: the reconciler's sweep routes whatever this could not.
      (deps.log ?? console.error)(`import ${importId}: routing a batch failed; the reconciler will`, error);
    }
  }
  return routed;
}

interface Resolved {
  id: number;
  country: string;
  industry: string;
  sizeSegment: string;
}

interface Entry {
  row: CsvRow;
  value: ValidRow;
  /** The customer the row names, once resolved (every kind but customers). */
  customer?: Resolved;
}

class ImportRun {
  private headers: string[] = [];
  private columns: ColumnMapping = [];
  private processed = 0;
  private imported = 0;
  private rejected = 0;
  private readonly report: ReportEntry[] = [];
  private readonly rejectedLines: string[] = [];
  private readonly opportunityIds: number[] = [];
  private readonly now: Date;

  constructor(
    private readonly deps: LoopDeps,
    private readonly tx: TransactionSql,
    private readonly target: ImportToRun,
  ) {
    this.now = deps.clock.now();
  }

  async execute(): Promise<{ outcome: ImportOutcome; opportunityIds: number[] }> {
    const { tx, target } = this;
    try {
      if (target.kind === 'campaign_accounts') await this.requireCampaign();
      await tx.savepoint(async (sp) => {
        await this.readFile(sp);
        if (target.mode === 'all_or_nothing' && this.rejected > 0) throw new NothingImported();
      });
    } catch (error) {
      if (error instanceof FileRefused) {
        return { outcome: await this.finishRefused(error.entries), opportunityIds: [] };
      }
      if (!(error instanceof NothingImported)) throw error;
      this.imported = 0;
      this.opportunityIds.length = 0;
    }
    const status = target.mode === 'all_or_nothing' && this.rejected > 0 ? 'rejected' : 'completed';
    await this.finish(status, null);
    if (status === 'rejected') {
      return { outcome: { kind: 'rejected', rejected: this.rejected, error: null }, opportunityIds: [] };
    }
    return {
      outcome: { kind: 'completed', imported: this.imported, rejected: this.rejected, routed: 0 },
      opportunityIds: this.opportunityIds,
    };
  }

  private async requireCampaign() {
    const { campaignId } = this.target;
    const [campaign] =
      campaignId === null ? [] : await this.tx`SELECT id FROM campaigns WHERE id = ${campaignId}`;
    if (!campaign) {
      throw new FileRefused([
        { line: 1, field: null, reason: 'Choose the campaign whose target accounts these are.' },
      ]);
    }
  }

  private async readFile(sp: TransactionSql) {
    let batch: CsvRow[] = [];
    let header: CsvRow | null = null;
    try {
      for await (const row of parseCsv(this.chunks())) {
        if (!header) {
          header = row;
          this.useHeader(row);
          continue;
        }
        batch.push(row);
        if (batch.length >= IMPORT_BATCH_ROWS) {
          await this.importBatch(sp, batch);
          batch = [];
        }
      }
    } catch (error) {
      if (error instanceof CsvFormatError) {
        throw new FileRefused([{ line: error.line, field: null, reason: error.reason }]);
      }
      throw error;
    }
    if (!header) throw new FileRefused([{ line: 1, field: null, reason: 'The file is empty.' }]);
    if (batch.length > 0) await this.importBatch(sp, batch);
  }

  private useHeader(row: CsvRow) {
    this.headers = row.fields;
    const headerProblem = checkHeaders(row.fields);
    if (headerProblem) throw new FileRefused([{ line: row.line, field: null, reason: headerProblem }]);
    this.columns = columnMappingFor(this.target.mapping, row.fields);
    const problems = checkMapping(this.target.kind, this.columns);
    if (problems.length > 0) {
      throw new FileRefused(
        problems.map((p) => ({
          line: row.line,
          field: p.field ? fieldLabel(this.target.kind, p.field) : null,
          reason:
            p.column === null
              ? `${p.reason} No column of the file is mapped to it.`
              : `Column ${p.column + 1} (“${row.fields[p.column]}”): ${p.reason}`,
        })),
      );
    }
  }

  private async *chunks(): AsyncGenerator<Uint8Array> {
    const sql = rawSql(this.deps.db);
    for (let offset = 0; offset < this.target.size; offset += FILE_CHUNK_BYTES) {
      // bytea substrings count from 1. Through the pool: the file is read, never locked.
      const [row] = await sql`
        SELECT substring(file FROM ${offset + 1}::int FOR ${FILE_CHUNK_BYTES}::int) AS chunk
        FROM imports WHERE id = ${this.target.id}`;
      const chunk = row?.chunk as Buffer | undefined;
      if (!chunk || chunk.length === 0) return;
      yield chunk;
    }
  }

  private reject(row: CsvRow, problems: RowProblem[]) {
    this.rejected++;
    for (const problem of problems) {
      if (this.report.length >= REPORT_LIMIT) break;
      this.report.push({
        line: row.line,
        field: problem.field ? fieldLabel(this.target.kind, problem.field) : null,
        reason: problem.reason,
      });
    }
    const cells = this.headers.map((_, i) => row.fields[i] ?? '');
    this.rejectedLines.push(
      formatCsvLine([...cells, String(row.line), problems.map((p) => p.reason).join(' ')]),
    );
  }

  private async importBatch(sp: TransactionSql, rows: CsvRow[]) {
    const { kind } = this.target;
    const valid: Entry[] = [];
    for (const row of rows) {
      const checked = validateRow(kind, this.columns, row.fields);
      if (checked.ok) valid.push({ row, value: checked.row });
      else this.reject(row, checked.problems);
    }

    let accepted = valid;
    if (kind !== 'customers') {
      const customers = await resolveCustomers(
        sp,
        valid.map((v) => v.value.value as { customerId?: number; customerDomain?: string }),
      );
      const campaigns =
        kind === 'opportunities'
          ? await existingCampaigns(
              sp,
              valid.flatMap((v) => {
                const id = (v.value.value as { campaignId?: number }).campaignId;
                return id === undefined ? [] : [id];
              }),
            )
          : new Set<number>();
      accepted = [];
      valid.forEach((entry, index) => {
        const found = customers[index]!;
        if ('problem' in found) {
          this.reject(entry.row, [found.problem]);
          return;
        }
        const campaignId = (entry.value.value as { campaignId?: number }).campaignId;
        if (campaignId !== undefined && !campaigns.has(campaignId)) {
          this.reject(entry.row, [
            { field: 'campaignId', reason: `There is no campaign with id ${campaignId}.` },
          ]);
          return;
        }
        accepted.push({ ...entry, customer: found.customer });
      });
    }

    // All or nothing: after the first bad row nothing more is written; the rest is only checked.
    const writing = !(this.target.mode === 'all_or_nothing' && this.rejected > 0);
    if (writing && accepted.length > 0) {
      this.imported += await this.insert(sp, accepted);
    }
    this.processed += rows.length;
    await rawSql(this.deps.db)`
      UPDATE imports SET processed_rows = ${this.processed}, rejected_rows = ${this.rejected}
      WHERE id = ${this.target.id} AND status = 'running'`;
  }

  private async insert(sp: TransactionSql, entries: Entry[]): Promise<number> {
    const { target } = this;
    const at = iso(this.now);
    const values = entries.map((e) => e.value);
    switch (target.kind) {
      case 'customers': {
        const rows = values.map((v) => v.value as Extract<ValidRow, { kind: 'customers' }>['value']);
        await sp`
          INSERT INTO customers (name, domain, domain_ascii, country, industry, size_segment, revenue_potential,
                                 address, owner_partner_id, created_by_user_id, created_at)
          SELECT name, domain, domain_ascii, country, industry, size_segment, revenue_potential, address,
                 NULL, ${target.userId}, ${at}::timestamptz
          FROM unnest(${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.domain ?? null)}::text[],
                      ${rows.map((r) => asciiFormOf(r.domain))}::text[],
                      ${rows.map((r) => r.country)}::text[], ${rows.map((r) => r.industry)}::text[],
                      ${rows.map((r) => r.sizeSegment)}::text[], ${rows.map((r) => r.revenuePotential)}::text[],
                      ${rows.map((r) => r.address ?? null)}::text[])
            AS t(name, domain, domain_ascii, country, industry, size_segment, revenue_potential, address)`;
        return rows.length;
      }
      case 'contacts': {
        const rows = values.map((v) => v.value as Extract<ValidRow, { kind: 'contacts' }>['value']);
        const customerIds = entries.map((e) => e.customer!.id);
        await sp`
          INSERT INTO contacts (customer_id, name, title, email, phone, consent_to_contact, created_at)
          SELECT customer_id, name, title, email, phone, consent::boolean, ${at}::timestamptz
          FROM unnest(${customerIds}::int[], ${rows.map((r) => r.name)}::text[],
                      ${rows.map((r) => r.title ?? null)}::text[], ${rows.map((r) => r.email ?? null)}::text[],
                      ${rows.map((r) => r.phone ?? null)}::text[], ${rows.map((r) => (r.consent ? 'true' : 'false'))}::text[])
            AS t(customer_id, name, title, email, phone, consent)`;
        return rows.length;
      }
      case 'opportunities': {
        const rows = values.map((v) => v.value as Extract<ValidRow, { kind: 'opportunities' }>['value']);
        const customers = entries.map((e) => e.customer!);
        const inserted = await sp`
          WITH created AS (
            INSERT INTO opportunities (customer_id, need, product_line, value_minor, currency, country, industry,
                                       size_segment, source, campaign_id, status, created_by_user_id,
                                       created_at, updated_at)
            SELECT customer_id, need, product_line, value_minor, currency, country, industry, size_segment,
                   'import', campaign_id, 'new', ${target.userId}, ${at}::timestamptz, ${at}::timestamptz
            FROM unnest(${customers.map((c) => c.id)}::int[], ${rows.map((r) => r.need)}::text[],
                        ${rows.map((r) => r.productLine)}::text[], ${rows.map((r) => r.valueMinor)}::int8[],
                        ${rows.map((r) => r.currency)}::text[],
                        ${rows.map((r, i) => r.country ?? customers[i]!.country)}::text[],
                        ${rows.map((r, i) => r.industry ?? customers[i]!.industry)}::text[],
                        ${rows.map((r, i) => r.sizeSegment ?? customers[i]!.sizeSegment)}::text[],
                        ${rows.map((r) => r.campaignId ?? null)}::int[])
              AS t(customer_id, need, product_line, value_minor, currency, country, industry, size_segment,
                   campaign_id)
            RETURNING id
          ), event AS (
            INSERT INTO opportunity_events (opportunity_id, kind, at, actor_user_id, detail)
            SELECT id, 'created', ${at}::timestamptz, ${target.userId},
                   jsonb_build_object('source', 'import', 'importId', ${target.id}::int)
            FROM created
          )
          SELECT id FROM created ORDER BY id`;
        this.opportunityIds.push(...inserted.map((r) => r.id as number));
        return rows.length;
      }
      case 'campaign_accounts': {
        const customerIds = entries.map((e) => e.customer!.id);
        // A customer already among the campaign's accounts is already imported: nothing to add.
        await sp`
          INSERT INTO campaign_accounts (campaign_id, customer_id, created_at)
          SELECT ${target.campaignId}, customer_id, ${at}::timestamptz
          FROM unnest(${customerIds}::int[]) AS t(customer_id)
          ON CONFLICT DO NOTHING`;
        return customerIds.length;
      }
    }
  }

  private async finish(status: 'completed' | 'rejected', error: string | null) {
    const rejectedCsv =
      this.rejectedLines.length > 0
        ? [formatCsvLine([...this.headers, 'line', 'reason']), ...this.rejectedLines].join('\r\n') + '\r\n'
        : null;
    await this.tx`
      UPDATE imports SET status = ${status}, finished_at = ${iso(this.deps.clock.now())}::timestamptz,
        total_rows = ${this.processed}, processed_rows = ${this.processed}, imported_rows = ${this.imported},
        rejected_rows = ${this.rejected}, report = ${JSON.stringify(this.report)}::jsonb,
        rejected_csv = ${rejectedCsv}, error = ${error}
      WHERE id = ${this.target.id}`;
  }

  private async finishRefused(entries: ReportEntry[]): Promise<ImportOutcome> {
    this.imported = 0;
    this.rejectedLines.length = 0;
    this.report.length = 0;
    this.report.push(...entries.slice(0, REPORT_LIMIT));
    const error =
      entries.length === 1
        ? `Line ${entries[0]!.line}: ${entries[0]!.reason}`
        : 'The columns cannot be imported as mapped.';
    await this.finish('rejected', error);
    return { kind: 'rejected', rejected: this.rejected, error };
  }
}

/**
 * The customers rows name, by Baton id or by domain, in two queries for the whole batch. A
 * merged record stands for its survivor. A domain that two live records share is ambiguous.
 */
async function resolveCustomers(
  sql: TransactionSql,
  refs: { customerId?: number; customerDomain?: string }[],
): Promise<({ customer: Resolved } | { problem: RowProblem })[]> {
  const ids = [...new Set(refs.flatMap((r) => (r.customerId !== undefined ? [r.customerId] : [])))];
  const domains = [
    ...new Set(
      refs.flatMap((r) => (r.customerId === undefined && r.customerDomain ? [r.customerDomain] : [])),
    ),
  ];
  const byId = new Map<number, Resolved>();
  const byDomain = new Map<string, Resolved[]>();
  if (ids.length > 0) {
    const rows = await sql`
      SELECT asked.id AS asked, c.id, c.country::text AS country, c.industry, c.size_segment
      FROM customers asked JOIN customers c ON c.id = coalesce(asked.merged_into_id, asked.id)
      WHERE asked.id = ANY(${ids}::int[])`;
    for (const r of rows)
      byId.set(r.asked, { id: r.id, country: r.country, industry: r.industry, sizeSegment: r.size_segment });
  }
  if (domains.length > 0) {
    // The same normalisation as customers.domain_key, applied to what the file says.
    // Keyed by customers.domain_key's own expression, over the typed domain and its ASCII form.
    const rows = await sql`
      WITH asked AS (
        SELECT typed.domain, ${sql.unsafe(DOMAIN_KEY)} AS key
        FROM unnest(${domains}::text[], ${domains.map(asciiFormOf)}::text[]) AS typed(domain, domain_ascii)
      )
      SELECT a.domain, c.id, c.country::text AS country, c.industry, c.size_segment
      FROM asked a JOIN customers c ON c.domain_key = a.key AND c.merged_into_id IS NULL
      ORDER BY c.id`;
    for (const r of rows) {
      const list = byDomain.get(r.domain) ?? [];
      list.push({ id: r.id, country: r.country, industry: r.industry, sizeSegment: r.size_segment });
      byDomain.set(r.domain, list);
    }
  }
  return refs.map((ref) => {
    if (ref.customerId !== undefined) {
      const customer = byId.get(ref.customerId);
      return customer
        ? { customer }
        : { problem: { field: 'customerId', reason: `There is no customer with id ${ref.customerId}.` } };
    }
    const found = byDomain.get(ref.customerDomain!) ?? [];
    if (found.length === 1) return { customer: found[0]! };
    if (found.length === 0) {
      return {
        problem: {
          field: 'customerDomain',
          reason: `There is no customer with domain ${ref.customerDomain}.`,
        },
      };
    }
    return {
      problem: {
        field: 'customerDomain',
        reason: `${found.length} customers have the domain ${ref.customerDomain} (ids ${found.map((c) => c.id).join(', ')}); give the customer id instead.`,
      },
    };
  });
}

async function existingCampaigns(sql: TransactionSql, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await sql`SELECT id FROM campaigns WHERE id = ANY(${[...new Set(ids)]}::int[])`;
  return new Set(rows.map((r) => r.id as number));
}
