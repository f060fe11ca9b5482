import { lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { offers, opportunities } from '../../db/schema';
import { expiringSoonBy } from '../domain/offers/deadline';

// Until every page imports it from the domain.
export { EXPIRING_SOON_HOURS } from '../domain/offers/deadline';

/** How old the queue's headline counts may be: see `getQueueCounts`. */
export const QUEUE_COUNTS_MAX_AGE_MS = 5_000;

export type QueueCounts = { pending: number; expiringSoon: number; unroutable: number; accepted: number };

async function countQueue(db: Database, now: Date): Promise<QueueCounts> {
  const expiringBy = expiringSoonBy(now);
  return db.transaction(
    async (tx) => {
      // A parallel plan spends more starting its workers than it saves on these index-only scans.
      await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
      const [row] = await tx
        .select({
          pending: sql<number>`(select count(*)::int from ${offers} where ${offers.status} = 'pending')`,
          // Includes offers already past their deadline that the timer has not yet expired.
          expiringSoon: sql<number>`(select count(*)::int from ${offers} where ${offers.status} = 'pending' and ${lte(offers.expiresAt, expiringBy)})`,
          unroutable: sql<number>`(select count(*)::int from ${opportunities} where ${opportunities.status} = 'unroutable')`,
          accepted: sql<number>`(select count(*)::int from ${opportunities} where ${opportunities.status} = 'accepted')`,
        })
        .from(sql`(select 1) as one`);
      return row!;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

type CountsEntry = { at: number; counts: Promise<QueueCounts> };
const countsByDatabase = new WeakMap<Database, CountsEntry>();

/**
 * The headline counts (pending, expiring soon, unroutable, accepted), exact as of at most
 * `maxAgeMs` ago. Counting 200,000 pending offers takes 10–20 ms whatever the index, and every
 * manager's page and every refresh shows the same four numbers, so one count per process is
 * shared by every request within `maxAgeMs` (also while it is still running). The lists beside
 * them are always read fresh; a count can lag a list by those few seconds.
 */
export function getQueueCounts(
  db: Database,
  now: Date,
  maxAgeMs: number = QUEUE_COUNTS_MAX_AGE_MS,
): Promise<QueueCounts> {
  const cached = countsByDatabase.get(db);
  if (cached && maxAgeMs > 0 && Math.abs(now.getTime() - cached.at) < maxAgeMs) return cached.counts;
  const entry: CountsEntry = { at: now.getTime(), counts: countQueue(db, now) };
  countsByDatabase.set(db, entry);
  // A failed count is not kept: the next request counts again.
  entry.counts.catch(() => {
    if (countsByDatabase.get(db) === entry) countsByDatabase.delete(db);
  });
  return entry.counts;
}
