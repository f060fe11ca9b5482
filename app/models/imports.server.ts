import { and, desc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { DUPLICATE_REASON_LABELS, findLikelyDuplicates } from '../domain/customers/duplicates.server';
import type { ColumnMapping } from '../domain/imports/kinds';
import { campaigns, imports, users } from '../../db/schema';
import type { ReportEntry } from '../domain/imports/run-import.server';

// Imports are vendor staff's (read:import:any): every staff member sees every import, so these
// take no partner scope. A partner user never reaches them (the permission check comes first).

export const RECENT_IMPORTS = 25;

const summary = {
  id: imports.id,
  kind: imports.kind,
  mode: imports.mode,
  status: imports.status,
  fileName: imports.fileName,
  campaignId: imports.campaignId,
  totalRows: imports.totalRows,
  processedRows: imports.processedRows,
  importedRows: imports.importedRows,
  rejectedRows: imports.rejectedRows,
  error: imports.error,
  createdAt: imports.createdAt,
  startedAt: imports.startedAt,
  finishedAt: imports.finishedAt,
  createdByName: users.name,
};

/** The latest imports, newest first, with who uploaded them. */
export async function recentImports(db: Database) {
  return db
    .select(summary)
    .from(imports)
    .leftJoin(users, eq(users.id, imports.createdByUserId))
    .orderBy(desc(imports.id))
    .limit(RECENT_IMPORTS);
}

/** One import without its file: state, progress and report. Null when there is none. */
export async function getImport(db: Database, importId: number) {
  const [row] = await db
    .select({ ...summary, report: imports.report, campaignName: campaigns.name })
    .from(imports)
    .leftJoin(users, eq(users.id, imports.createdByUserId))
    .leftJoin(campaigns, eq(campaigns.id, imports.campaignId))
    .where(eq(imports.id, importId));
  if (!row) return null;
  const [withCsv] = await db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.id, importId), isNotNull(imports.rejectedCsv)));
  const report = (typeof row.report === 'string' ? JSON.parse(row.report) : row.report) as ReportEntry[];
  return { ...row, report, hasRejectedCsv: withCsv !== undefined };
}

/** The rejected rows as CSV, for download; null when the import rejected none. */
export async function rejectedCsvOf(db: Database, importId: number) {
  const [row] = await db
    .select({ fileName: imports.fileName, rejectedCsv: imports.rejectedCsv })
    .from(imports)
    .where(eq(imports.id, importId));
  return row?.rejectedCsv ? { fileName: row.fileName, csv: row.rejectedCsv } : null;
}

/** Campaigns whose target accounts can still be imported. */
export async function campaignsOpenForImport(db: Database) {
  return db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaigns)
    .where(inArray(campaigns.status, ['draft', 'active']))
    .orderBy(campaigns.name)
    .limit(500);
}

/**
 * For a customers file: the preview rows that look like records Baton already holds (same
 * domain, same or a similar name), so the user sees likely duplicates before importing.
 */
export async function likelyDuplicatesInPreview(
  db: Database,
  columns: ColumnMapping,
  rows: readonly { line: number; fields: readonly string[] }[],
) {
  const nameAt = columns.indexOf('name');
  const domainAt = columns.indexOf('domain');
  if (nameAt < 0) return [];
  const found = await Promise.all(
    rows.map(async (row) => {
      const name = row.fields[nameAt]?.trim() ?? '';
      if (!name) return null;
      const domain = domainAt >= 0 ? (row.fields[domainAt]?.trim() ?? '') : '';
      const check = await findLikelyDuplicates(db, { name, domain: domain || null, scope: null });
      return check.duplicates.length > 0
        ? {
            line: row.line,
            name,
            matches: check.duplicates.slice(0, 3).map((d) => ({
              id: d.id,
              name: d.name,
              reason: DUPLICATE_REASON_LABELS[d.reason],
            })),
          }
        : null;
    }),
  );
  return found.filter((row) => row !== null);
}
