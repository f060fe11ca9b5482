import type { Job } from 'bullmq';
import { IMPORT_ATTEMPTS, markImportFailed, type ImportJob } from '../app/domain/imports/import-queue.server';
import { runImport, type ImportOutcome } from '../app/domain/imports/run-import.server';
import type { LoopDeps } from '../app/domain/routing/loop.server';

/** Another worker runs this import right now: try again later rather than run it twice. */
export class ImportBusyError extends Error {
  constructor(importId: number) {
    super(`import ${importId} is being run by another worker`);
  }
}

/**
 * Runs one import. Safe to deliver twice: a finished import is left alone, and one whose worker
 * died (still `running`) starts again from the top, because its transaction never committed.
 */
export function importProcessor(deps: LoopDeps) {
  return async (job: Job<ImportJob>): Promise<ImportOutcome['kind']> => {
    const { importId } = job.data;
    try {
      const outcome = await runImport(deps, importId);
      if (outcome.kind === 'busy') throw new ImportBusyError(importId);
      return outcome.kind;
    } catch (error) {
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? IMPORT_ATTEMPTS);
      if (lastTry && !(error instanceof ImportBusyError)) {
        const message = error instanceof Error ? error.message : String(error);
        await markImportFailed(deps.db, importId, `The import stopped: ${message}`, deps.clock.now());
      }
      throw error;
    }
  };
}
