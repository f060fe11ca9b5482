import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { customers } from '../../../db/schema';
import type { PartnerScope } from '../partner-scope';

/**
 * The statuses of an opportunity while a partner holds it as its lead. Visibility follows
 * `accepted_partner_id`: a lead taken back or withdrawn takes the customer record with it.
 */
export const HELD_LEAD_STATUSES = ['accepted', 'contacted', 'proposal', 'won', 'lost'] as const;

const heldStatuses = sql.raw(HELD_LEAD_STATUSES.map((s) => `'${s}'`).join(', '));

/**
 * The one definition of which customer records a partner sees: those it contributed, those
 * behind leads it holds now, and the target accounts of campaigns it joined. Nothing else: an
 * offer not (yet) accepted, a campaign it was only invited to or declined, another partner's
 * record. Each branch reads its own index (owner, accepted partner, campaign partner), so the
 * set costs what the partner's own records cost, not what the whole table costs.
 */
export function visibleCustomerIds(scope: PartnerScope): SQL {
  const partnerId = scope.partnerId;
  return sql`(
    SELECT owned.id FROM customers owned WHERE owned.owner_partner_id = ${partnerId}
    UNION
    SELECT held.customer_id FROM opportunities held
      WHERE held.accepted_partner_id = ${partnerId} AND held.status IN (${heldStatuses})
    UNION
    SELECT target.customer_id FROM campaign_partners joined
      JOIN campaign_accounts target ON target.campaign_id = joined.campaign_id
      WHERE joined.partner_id = ${partnerId} AND joined.status = 'joined'
  )`;
}

/**
 * A `where` condition: the customer id in `customerId` (a column or expression) is visible to
 * the viewer. Vendor staff (scope null) see every record.
 */
export function customerVisibleWhere(
  scope: PartnerScope | null,
  customerId: AnyColumn | SQL = customers.id,
): SQL {
  if (!scope) return sql`true`;
  return sql`${customerId} IN ${visibleCustomerIds(scope)}`;
}

/** Whether the viewer may see this customer record at all (merged or not). */
export async function customerVisibleTo(
  db: Executor,
  scope: PartnerScope | null,
  customerId: number,
): Promise<boolean> {
  const rows = await db
    .select({ id: customers.id })
    .from(customers)
    .where(sql`${customers.id} = ${customerId} AND ${customerVisibleWhere(scope)}`);
  return rows.length > 0;
}

/**
 * The record a merged one now lives on: follows `merged_into_id` to the end. Null when the
 * record does not exist or was never merged. A merge repoints earlier merges, so this is
 * normally one hop; the limit only guards against a hand-edited loop.
 */
export async function survivorOf(db: Executor, customerId: number): Promise<number | null> {
  let current = customerId;
  for (let hop = 0; hop < 10; hop++) {
    const [row] = await db
      .select({ mergedIntoId: customers.mergedIntoId })
      .from(customers)
      .where(sql`${customers.id} = ${current}`);
    if (!row) return null;
    if (row.mergedIntoId === null) return current === customerId ? null : current;
    current = row.mergedIntoId;
  }
  return null;
}
