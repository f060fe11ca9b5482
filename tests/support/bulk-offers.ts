import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { DEFAULT_ROUTING_SETTINGS } from '../../app/domain/routing/settings';

/**
 * Many opportunities, each with one pending offer, written in a few set-based statements with
 * the same rows the routing engine would write (events, notification, capacity). Used where a
 * test needs thousands of offers and routing them one by one would only slow it down.
 */
export async function insertPendingOffers(
  db: Database,
  args: { customerId: number; partnerIds: number[]; count: number; offeredAt: Date; expiresAt: Date },
): Promise<number[]> {
  const { customerId, partnerIds, count, offeredAt, expiresAt } = args;
  const reminders = `{${DEFAULT_ROUTING_SETTINGS.reminderOffsetsHours.join(',')}}`;
  // Raw SQL parameters go as ISO text: the driver only serialises Dates for typed columns.
  const offered = sql`${offeredAt.toISOString()}::timestamptz`;
  const expires = sql`${expiresAt.toISOString()}::timestamptz`;
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: number }>(sql`
      WITH opp AS (
        INSERT INTO opportunities (customer_id, need, product_line, value_minor, currency, country, industry, size_segment, status, rounds, created_at, updated_at)
        SELECT ${customerId}, 'Bulk lead ' || g, 'storage', 100000, 'EUR', 'DE', 'manufacturing', 'mid_market', 'offered', 1, ${offered}, ${offered}
        FROM generate_series(1, ${count}) g
        RETURNING id
      ), numbered AS (
        SELECT id, row_number() OVER (ORDER BY id) AS n FROM opp
      ), ins AS (
        INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at, reminder_offsets_hours, score, score_breakdown)
        SELECT id, (${sql.raw(`ARRAY[${partnerIds.join(',')}]`)})[1 + (n % ${partnerIds.length})], 1, 'pending', ${offered}, ${expires}, ${reminders}::int[], 1, '{}'::jsonb
        FROM numbered
        RETURNING id, opportunity_id, partner_id
      ), ev AS (
        INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, at)
        SELECT opportunity_id, id, partner_id, 'offered', ${offered} FROM ins
        UNION ALL
        SELECT opportunity_id, NULL, NULL, 'created', ${offered} FROM ins
      ), load AS (
        UPDATE partners p SET open_load = open_load + c.n
        FROM (SELECT partner_id, count(*)::int AS n FROM ins GROUP BY partner_id) c
        WHERE p.id = c.partner_id
      )
      SELECT id FROM ins ORDER BY id`);
    return [...rows].map((r) => Number(r.id));
  });
}
