import type { Database } from '../../db/client';
import { withDeadlockRetry } from './sql.server';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type { Tx };

/** Runs `work` in one drizzle transaction, replayed on a serialization failure or deadlock. */
export async function inTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withDeadlockRetry(() => db.transaction(work));
}
