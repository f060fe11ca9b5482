import postgres from 'postgres';

export interface Violation {
  invariant: string;
  detail: string;
}

export interface CheckOptions {
  /** How late the reconciler may be: deadlines and waiting leads get this much grace. */
  reconcilerPeriodMs: number;
}

type Sql = postgres.Sql | postgres.TransactionSql;

interface Check {
  name: string;
  /** Rows of `detail`, one per violation, worded for the person reading the report. */
  query: (sql: Sql, graceMs: number) => postgres.PendingQuery<postgres.Row[]>;
}

/** Shown per invariant at most; a broken invariant rarely needs more examples than this. */
const SHOWN = 100;

// Statuses spelled once, so that the SQL below reads like the design document.
const LEAD_STATUSES = ['accepted', 'contacted', 'proposal', 'won', 'lost'];
const OPEN_LEAD_STATUSES = ['accepted', 'contacted', 'proposal'];
const ANSWER_KINDS = ['accepted', 'declined', 'expired', 'withdrawn'];
const ROUTING_KINDS = ['offered', ...ANSWER_KINDS, 'unroutable'];

export const CHECKS: readonly Check[] = [
  {
    name: 'one_pending_offer_per_opportunity',
    query: (sql) => sql`
      SELECT format('opportunity %s has %s pending offers (%s)', opportunity_id, count(*),
                    string_agg(id::text, ', ' ORDER BY id)) AS detail
      FROM offers WHERE status = 'pending'
      GROUP BY opportunity_id HAVING count(*) > 1
      ORDER BY opportunity_id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'pending_offer_deadline_not_overdue',
    query: (sql, graceMs) => sql`
      SELECT format('offer %s of opportunity %s is still pending, its deadline %s passed %s ago',
                    id, opportunity_id, to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    date_trunc('second', now() - expires_at)) AS detail
      FROM offers
      WHERE status = 'pending' AND expires_at < now() - ${graceMs}::float8 * interval '1 millisecond'
      ORDER BY expires_at, id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'offered_opportunity_has_one_pending_offer',
    query: (sql) => sql`
      SELECT format('opportunity %s is offered but has %s pending offers', o.id, count(f.id)) AS detail
      FROM opportunities o
      LEFT JOIN offers f ON f.opportunity_id = o.id AND f.status = 'pending'
      WHERE o.status = 'offered'
      GROUP BY o.id HAVING count(f.id) <> 1
      ORDER BY o.id LIMIT ${SHOWN + 1}`,
  },
  {
    // 'new' is only the moment between an offer ending and the next being made.
    name: 'new_opportunity_is_routed_promptly',
    query: (sql, graceMs) => sql`
      SELECT format('opportunity %s has waited for routing since %s',
                    id, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS detail
      FROM opportunities
      WHERE status = 'new' AND updated_at < now() - ${graceMs}::float8 * interval '1 millisecond'
      ORDER BY id LIMIT ${SHOWN + 1}`,
  },
  {
    // An acceptance a channel manager ended (the lead taken back) is history, not a holder.
    name: 'lead_has_one_accepted_offer_of_its_partner',
    query: (sql) => sql`
      SELECT format('opportunity %s is %s for partner %s but its accepted offers are from: %s',
                    o.id, o.status, coalesce(o.accepted_partner_id::text, 'nobody'),
                    coalesce(string_agg('partner ' || f.partner_id, ', ' ORDER BY f.id), 'none')) AS detail
      FROM opportunities o
      LEFT JOIN offers f ON f.opportunity_id = o.id AND f.status = 'accepted'
        AND NOT EXISTS (SELECT 1 FROM opportunity_events t WHERE t.offer_id = f.id AND t.kind = 'lead_taken_back')
      WHERE o.status IN ${sql(LEAD_STATUSES)}
      GROUP BY o.id
      HAVING count(f.id) <> 1 OR bool_or(f.partner_id IS DISTINCT FROM o.accepted_partner_id)
      ORDER BY o.id LIMIT ${SHOWN + 1}`,
  },
  {
    // Stricter than "not on a terminal opportunity": a pending offer means the lead is 'offered'.
    name: 'no_pending_offer_on_settled_opportunity',
    query: (sql) => sql`
      SELECT format('offer %s is pending but opportunity %s is %s', f.id, o.id, o.status) AS detail
      FROM offers f JOIN opportunities o ON o.id = f.opportunity_id
      WHERE f.status = 'pending' AND o.status <> 'offered'
      ORDER BY f.id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'offer_has_one_offered_event',
    query: (sql) => sql`
      SELECT format('offer %s of opportunity %s has %s offered events', f.id, f.opportunity_id, count(e.id)) AS detail
      FROM offers f
      LEFT JOIN opportunity_events e
        ON e.offer_id = f.id AND e.opportunity_id = f.opportunity_id AND e.kind = 'offered'
      GROUP BY f.id HAVING count(e.id) <> 1
      ORDER BY f.id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'answered_offer_has_one_matching_event',
    query: (sql) => sql`
      SELECT format('offer %s is %s but its timeline records %s', f.id, f.status,
                    coalesce(string_agg(e.kind, ', ' ORDER BY e.id), 'no answer')) AS detail
      FROM offers f
      LEFT JOIN opportunity_events e
        ON e.offer_id = f.id AND e.opportunity_id = f.opportunity_id AND e.kind IN ${sql(ANSWER_KINDS)}
      WHERE f.status <> 'pending'
      GROUP BY f.id
      HAVING count(e.id) FILTER (WHERE e.kind = f.status) <> 1
          OR count(e.id) FILTER (WHERE e.kind <> f.status) > 0
      ORDER BY f.id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'pending_offer_has_no_answer_event',
    query: (sql) => sql`
      SELECT format('offer %s is pending but its timeline records %s', f.id,
                    string_agg(e.kind, ', ' ORDER BY e.id)) AS detail
      FROM offers f
      JOIN opportunity_events e ON e.offer_id = f.id AND e.kind IN ${sql(ANSWER_KINDS)}
      WHERE f.status = 'pending'
      GROUP BY f.id
      ORDER BY f.id LIMIT ${SHOWN + 1}`,
  },
  {
    // Event ids, not times: one clock reading can stamp an expiry and the next routing alike.
    name: 'unroutable_opportunity_ends_with_unroutable_event',
    query: (sql) => sql`
      SELECT format('opportunity %s is unroutable but its latest routing event is %s',
                    o.id, coalesce(latest.kind, 'missing')) AS detail
      FROM opportunities o
      LEFT JOIN LATERAL (
        SELECT e.kind FROM opportunity_events e
        WHERE e.opportunity_id = o.id AND e.kind IN ${sql(ROUTING_KINDS)}
        ORDER BY e.id DESC LIMIT 1
      ) latest ON true
      WHERE o.status = 'unroutable' AND latest.kind IS DISTINCT FROM 'unroutable'
      ORDER BY o.id LIMIT ${SHOWN + 1}`,
  },
  {
    name: 'partner_open_load_counts_pending_offers_and_open_leads',
    query: (sql) => sql`
      WITH pending AS (
        SELECT partner_id, count(*) AS n FROM offers WHERE status = 'pending' GROUP BY partner_id
      ), leads AS (
        SELECT accepted_partner_id AS partner_id, count(*) AS n FROM opportunities
        WHERE status IN ${sql(OPEN_LEAD_STATUSES)} GROUP BY accepted_partner_id
      )
      SELECT format('partner %s (%s) has open_load %s but %s pending offers and %s open leads',
                    p.id, p.slug, p.open_load, coalesce(pending.n, 0), coalesce(leads.n, 0)) AS detail
      FROM partners p
      LEFT JOIN pending ON pending.partner_id = p.id
      LEFT JOIN leads ON leads.partner_id = p.id
      WHERE p.open_load <> coalesce(pending.n, 0) + coalesce(leads.n, 0)
      ORDER BY p.id LIMIT ${SHOWN + 1}`,
  },
  {
    // The notification log must say why an email did not go: a manager acts on that text.
    name: 'unsent_email_says_why',
    query: (sql) => sql`
      SELECT format('email %s (%s to %s) is %s without a reason', id, kind, coalesce(recipient_email, 'nobody'),
                    status) AS detail
      FROM notifications
      WHERE audience = 'user' AND status IN ('failed', 'skipped') AND coalesce(last_error, '') = ''
      ORDER BY id LIMIT ${SHOWN + 1}`,
  },
  {
    // A sender that died leaves its lease behind; the reconciler must have handed the row on.
    name: 'email_lease_not_abandoned',
    query: (sql, graceMs) => sql`
      SELECT format('email %s (%s) has been sending since its lease ran out at %s', id, kind,
                    to_char(lease_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS detail
      FROM notifications
      WHERE status = 'sending' AND lease_until < now() - ${graceMs}::float8 * interval '1 millisecond'
      ORDER BY id LIMIT ${SHOWN + 1}`,
  },
];

/**
 * Every invariant the routing loop promises, checked in SQL against one snapshot: a worker
 * answering offers meanwhile cannot make two checks see different moments.
 */
export async function checkInvariants(
  sqlClientOrUrl: postgres.Sql | string,
  options: CheckOptions,
): Promise<Violation[]> {
  const owned = typeof sqlClientOrUrl === 'string';
  const client = owned ? postgres(sqlClientOrUrl, { max: 1, onnotice: () => {} }) : sqlClientOrUrl;
  try {
    return await client.begin('isolation level repeatable read read only', async (tx) => {
      const violations: Violation[] = [];
      for (const check of CHECKS) {
        const rows = await check.query(tx, options.reconcilerPeriodMs);
        for (const row of rows.slice(0, SHOWN)) {
          violations.push({ invariant: check.name, detail: String(row.detail) });
        }
        if (rows.length > SHOWN) {
          violations.push({
            invariant: check.name,
            detail: `more violations not shown (first ${SHOWN} listed)`,
          });
        }
      }
      return violations;
    });
  } finally {
    if (owned) await client.end({ timeout: 5 });
  }
}
