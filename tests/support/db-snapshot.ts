import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

const TABLES = [
  'partners',
  'customers',
  'opportunities',
  'offers',
  'opportunity_events',
  'notifications',
  'routing_settings',
];

/** A digest of every row of the routing tables: equal digests mean nothing changed. */
export async function snapshot(db: Database): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of TABLES) {
    const [row] = await db.execute<{ digest: string | null }>(
      sql.raw(
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${table} t`,
      ),
    );
    result[table] = row?.digest ?? '';
  }
  return result;
}
