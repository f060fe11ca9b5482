import type { Database } from '../../../db/client';
import { rawSql } from '../sql.server';

export const IMPORT_QUEUE = 'imports';

export interface ImportJob {
  importId: number;
}

/** Tries per job; the last failure marks the import `failed` with its error. */
export const IMPORT_ATTEMPTS = 3;

/**
 * One job per import, its id derived from the import: adding it twice queues it once, and a
 * job removed when it ended can be added again by `restoreImportJobs`.
 */
export function importJobFor(importId: number) {
  return {
    name: 'run',
    data: { importId } satisfies ImportJob,
    opts: {
      jobId: `import-${importId}`,
      attempts: IMPORT_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  };
}

/**
 * Imports waiting for a worker or whose worker died: those Redis must hold a job for. Postgres
 * is the truth; a job lost with Redis is simply added again under the same id.
 */
export async function importsAwaitingWork(db: Database): Promise<number[]> {
  const rows = await rawSql(
    db,
  )`SELECT id FROM imports WHERE status IN ('queued', 'running') ORDER BY id LIMIT 1000`;
  return rows.map((r) => r.id as number);
}

/** The last try failed: the import says so instead of staying `running` for ever. */
export async function markImportFailed(
  db: Database,
  importId: number,
  error: string,
  now: Date,
): Promise<void> {
  await rawSql(db)`
    UPDATE imports SET status = 'failed', error = ${error.slice(0, 2000)}, finished_at = ${now.toISOString()}::timestamptz
    WHERE id = ${importId} AND status IN ('queued', 'running')`;
}
