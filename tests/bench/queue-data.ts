import type { Sql } from 'postgres';
import { COUNTRIES, INDUSTRIES, PRODUCT_LINES } from './routing-data';

export interface QueueDataSizes {
  partners: number;
  customers: number;
  opportunities: number;
  campaigns: number;
}

/** The channel managers' view at the scale of the design document: 10,000 partners, 1M leads. */
export const QUEUE_DATA_DEFAULTS: QueueDataSizes = {
  partners: 10_000,
  customers: 200_000,
  opportunities: 1_000_000,
  campaigns: 40,
};

/** Sizes for `opportunities` leads, keeping the design document's ratios. */
export function queueDataSizes(opportunities: number): QueueDataSizes {
  return {
    partners: Math.max(50, Math.min(QUEUE_DATA_DEFAULTS.partners, Math.ceil(opportunities / 100))),
    customers: Math.max(10, Math.ceil(opportunities / 5)),
    opportunities,
    campaigns: QUEUE_DATA_DEFAULTS.campaigns,
  };
}

/** Words the searches of the bench look for; each is in the generated text at a known rate. */
export const QUEUE_SEARCH_WORDS = {
  /** In about one need of forty (a thing of the product line "security"). */
  commonNeedWord: 'firewall',
  /** In about one need of two thousand. */
  rareNeedWord: 'quantum',
  /** The first word of about one customer name of sixty. */
  customerFragment: 'kestrel',
  /** Two words of about one customer name of 1,800. */
  customerName: 'Osprey Logistik',
};

const CUSTOMER_FIRST_WORDS = [
  'Kestrel', 'Osprey', 'Heron', 'Falcon', 'Lynx', 'Otter', 'Badger', 'Cedar', 'Birch', 'Aspen',
  'Granite', 'Harbor', 'Summit', 'Meridian', 'Northwind', 'Bluewater', 'Silverline', 'Ironbridge',
  'Redwood', 'Oakridge', 'Pinecrest', 'Stonegate', 'Clearview', 'Brightpath', 'Evergreen',
  'Lakeside', 'Riverbend', 'Highland', 'Crescent', 'Beacon', 'Atlas', 'Orion', 'Vega', 'Nova',
  'Polaris', 'Zenith', 'Apex', 'Vertex', 'Horizon', 'Pioneer', 'Sterling', 'Sapphire', 'Emerald',
  'Cobalt', 'Amber', 'Coral', 'Willow', 'Maple', 'Juniper', 'Hawthorn', 'Alder', 'Rowan', 'Linden',
  'Sequoia', 'Cypress', 'Magnolia', 'Tamarack', 'Sparrow', 'Wren', 'Finch',
]; // prettier-ignore
const CUSTOMER_SECOND_WORDS = [
  'Logistik', 'Fine Foods', 'Systems', 'Manufacturing', 'Retail', 'Bank', 'Health', 'Energy',
  'Telecom', 'Media', 'Hotels', 'Construction', 'Insurance', 'Pharma', 'Motors', 'Textiles',
  'Foods', 'Analytics', 'Freight', 'Labs', 'Engineering', 'Capital', 'Holdings', 'Clinics',
  'Utilities', 'Airlines', 'Shipping', 'Robotics', 'Software', 'Trading',
]; // prettier-ignore
const LEGAL_FORMS = ['GmbH', 'AG', 'Ltd', 'SA', 'BV', 'SpA', 'AB', 'Inc', 'plc', 'Oy'];
/** Four things per product line, in PRODUCT_LINES order. */
const NEED_THINGS = [
  'tape library', 'SAN storage', 'backup appliances', 'object storage',
  'core switches', 'Wi-Fi network', 'SD-WAN links', 'campus cabling',
  'firewall cluster', 'endpoint protection', 'SIEM service', 'identity management',
  'private cloud', 'cloud migration', 'hybrid cloud landing zone', 'cloud cost controls',
  'data warehouse', 'BI dashboards', 'forecasting models', 'data lake',
  'video conferencing', 'contact centre', 'team chat rollout', 'meeting rooms',
  'blade servers', 'HPC cluster', 'edge servers', 'virtualisation hosts',
  'ERP licences', 'CRM platform', 'office suite licences', 'database licences',
  'managed services', 'support contract', 'onsite engineers', 'staff training',
  'sensor network', 'fleet telematics', 'smart meters', 'asset tracking',
]; // prettier-ignore
const NEED_VERBS = [
  'Replace ageing', 'Expand', 'Migrate', 'Upgrade', 'Consolidate', 'Secure', 'Roll out',
  'Modernise', 'Refresh', 'Outsource',
]; // prettier-ignore
const NEED_SITES = [
  'head office', 'two plants', 'the Lisbon branch', 'regional warehouses', 'all stores',
  'the data centre', 'field staff', 'the new campus', 'three hospitals', 'the call centre',
  'twelve branches', 'the research lab', 'the logistics hub', 'remote offices', 'the factory floor',
]; // prettier-ignore
const LOST_REASONS = [
  'Chose a competitor',
  'Budget cut',
  'No decision',
  'Price too high',
  'Project cancelled',
];
const DECLINE_REASONS = [
  'no_capacity',
  'outside_expertise',
  'outside_territory',
  'customer_known_bad_fit',
  'deal_too_small',
  'conflict_of_interest',
  'other',
];

const sqlArray = (values: readonly string[]) =>
  `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`;
/** `values[1 + floor(n * u)]` for a uniform `u` in [0, 1). */
const pick = (values: readonly string[], uniform: string) =>
  `(${sqlArray(values)})[1 + floor(${values.length} * (${uniform}))::int]`;

/**
 * A realistic routing queue at scale, every state of the loop, consistent with every invariant of
 * db/check-invariants.ts as of `now`: partners, customers, campaigns, opportunities (new, offered,
 * accepted … lost, unroutable, withdrawn), their offers round by round (each to a different
 * partner, one pending per offered lead, the last one accepted for a lead), the timeline events of
 * every offer and answer, and each partner's counters.
 *
 * Set-based (INSERT … SELECT over generate_series and a hash of the row number, so the same sizes
 * always give the same data): 1M opportunities build in a few minutes on two cores. Every id is
 * the row number (partners, customers, opportunities), so statements join on arithmetic instead
 * of lookups; offers and events take their ids in time order, as the running product gives them.
 * Expects empty tables (a fresh, migrated database).
 */
export async function generateQueueData(
  sql: Sql,
  sizes: QueueDataSizes = QUEUE_DATA_DEFAULTS,
  now: Date = new Date(),
): Promise<void> {
  const { partners: P, customers: C, opportunities: N, campaigns: K } = sizes;
  if (P < 50) throw new Error('At least 50 partners: the rounds of a lead go to different partners.');
  // Leads waiting for the router: 'new' only lasts a moment, so only a handful, touched last.
  const newLeads = Math.max(1, Math.round(N * 0.00005));
  const at = now.toISOString();
  const connection = await sql.reserve();
  const run = (text: string) => connection.unsafe(text);
  try {
    await run(`SET synchronous_commit = off`);
    await run(`SET work_mem = '256MB'`);
    await run(`SET maintenance_work_mem = '512MB'`);
    // A uniform number in [0, 1) from a row number and a stream number: deterministic and
    // independent per stream, unlike random(), and inlined by the planner.
    await run(`
      CREATE OR REPLACE FUNCTION pg_temp.u(g bigint, stream int) RETURNS float8
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (hashint8(g * 1000 + stream) & 2147483647)::float8 / 2147483648.0 $$`);
    const u = (g: string, stream: number) => `pg_temp.u(${g}, ${stream})`;

    await run(`
      INSERT INTO partners (id, slug, name, tier, countries, industries, size_segments, product_lines, max_open, timezone)
      OVERRIDING SYSTEM VALUE
      SELECT g, 'partner-' || g, ${pick(CUSTOMER_FIRST_WORDS, u('g', 1))} || ' ' || ${pick(['IT', 'Solutions', 'Networks', 'Consulting', 'Systems', 'Digital'], u('g', 2))} || ' ' || g,
        ${pick(['platinum', 'gold', 'gold', 'silver', 'silver', 'silver', 'registered', 'registered', 'registered', 'registered'], u('g', 3))},
        ARRAY[${pick(COUNTRIES, u('g', 4))}, ${pick(COUNTRIES, u('g', 5))}],
        ARRAY[${pick(INDUSTRIES, u('g', 6))}, ${pick(INDUSTRIES, u('g', 7))}],
        ARRAY[${pick(['enterprise', 'mid_market', 'small_business'], u('g', 8))}],
        ARRAY[${pick(PRODUCT_LINES, u('g', 9))}, ${pick(PRODUCT_LINES, u('g', 10))}],
        20 + floor(80 * ${u('g', 11)})::int, 'Europe/Berlin'
      FROM generate_series(1, ${P}) g`);

    await run(`
      INSERT INTO campaigns (id, name, goal, starts_on, ends_on, status, budget_minor, target_countries, target_product_lines, joined_partners_first)
      OVERRIDING SYSTEM VALUE
      SELECT g, ${pick(['Spring', 'Summer', 'Autumn', 'Winter', 'Q1', 'Q2', 'Q3', 'Q4'], u('g', 1))} || ' ' || ${pick(PRODUCT_LINES, u('g', 2))} || ' push ' || g,
        'Pipeline for the quarter', (date '${at.slice(0, 10)}' - (g * 20)), (date '${at.slice(0, 10)}' - (g * 20) + 90),
        CASE WHEN g <= 5 THEN 'active' WHEN g <= ${K - 3} THEN 'completed' ELSE 'draft' END,
        (10000 + floor(90000 * ${u('g', 3)}))::bigint * 100, ARRAY[${pick(COUNTRIES, u('g', 4))}], ARRAY[${pick(PRODUCT_LINES, u('g', 2))}],
        g % 3 = 0
      FROM generate_series(1, ${K}) g`);
    await run(`
      INSERT INTO campaign_partners (campaign_id, partner_id, status, responded_at)
      SELECT DISTINCT c, 1 + floor(${P} * ${u('c * 100 + k', 5)} ^ 2)::int, 'joined', timestamptz '${at}' - interval '30 days'
      FROM generate_series(1, ${K}) c, generate_series(1, 30) k`);

    // Countries skewed like a real customer base (a few big markets, a long tail).
    await run(`
      INSERT INTO customers (id, name, domain, country, industry, size_segment, revenue_potential, owner_partner_id)
      OVERRIDING SYSTEM VALUE
      SELECT g, name, lower(replace(name, ' ', '-')) || '-' || g || '.example', ${pick(COUNTRIES, `${u('g', 3)} ^ 2`)},
        ${pick(INDUSTRIES, u('g', 4))}, ${pick(['enterprise', 'mid_market', 'mid_market', 'small_business', 'small_business', 'small_business'], u('g', 5))},
        ${pick(['A', 'B', 'B', 'C', 'C', 'C', 'D', 'D'], u('g', 6))},
        CASE WHEN ${u('g', 7)} < 0.15 THEN 1 + floor(${P} * ${u('g', 8)})::int END
      FROM generate_series(1, ${C}) g,
        LATERAL (SELECT ${pick(CUSTOMER_FIRST_WORDS, u('g', 1))} || ' ' || ${pick(CUSTOMER_SECOND_WORDS, u('g', 2))} || ' '
                        || ${pick(LEGAL_FORMS, u('g', 9))} AS name) n`);

    // One plan row per opportunity: its status, how many offers it had (rounds), the partner of
    // its last offer (skewed: a few partners get hundreds of offers, most a handful) and the
    // moment of its last offer (anchor). Offer j < rounds ended (declined or expired) just
    // before offer j + 1 was made.
    await run(`
      CREATE TEMP TABLE bench_plan AS
      SELECT g AS id, status,
        CASE status
          WHEN 'new' THEN 0
          WHEN 'offered' THEN 1 + (u2 < 0.45)::int + (u2 < 0.18)::int + (u2 < 0.06)::int
          WHEN 'unroutable' THEN (u2 < 0.8)::int + (u2 < 0.5)::int + (u2 < 0.25)::int + (u2 < 0.1)::int
          WHEN 'withdrawn' THEN (u2 < 0.6)::int
          ELSE 1 + (u2 < 0.35)::int + (u2 < 0.1)::int
        END AS rounds,
        1 + floor(${P} * ${u('g', 7)} ^ 2)::int AS last_partner_id,
        timestamptz '${at}' - CASE status
          WHEN 'new' THEN interval '0'
          WHEN 'offered' THEN interval '47 hours 45 minutes' * u3
          WHEN 'accepted' THEN interval '2 days' + interval '12 days' * u3
          WHEN 'contacted' THEN interval '2 days' + interval '40 days' * u3
          WHEN 'proposal' THEN interval '2 days' + interval '120 days' * u3
          WHEN 'unroutable' THEN interval '48 hours' + interval '120 days' * u3 ^ 2
          WHEN 'withdrawn' THEN interval '2 days' + interval '365 days' * u3
          ELSE interval '2 days' + interval '720 days' * u3
        END AS anchor
      FROM (
        SELECT g, ${u('g', 2)} AS u2, ${u('g', 3)} AS u3,
          CASE
            WHEN g > ${N - newLeads} THEN 'new'
            WHEN u1 < 0.20 THEN 'offered'
            WHEN u1 < 0.25 THEN 'accepted'
            WHEN u1 < 0.30 THEN 'contacted'
            WHEN u1 < 0.35 THEN 'proposal'
            WHEN u1 < 0.70 THEN 'won'
            WHEN u1 < 0.94 THEN 'lost'
            WHEN u1 < 0.975 THEN 'unroutable'
            ELSE 'withdrawn'
          END AS status
        FROM (SELECT g, ${u('g', 1)} AS u1 FROM generate_series(1, ${N}) g) s
      ) s`);

    // Offers, round by round, every round's partner from the same skew as the last one's. The
    // rounds' uniforms are golden-ratio steps apart (at least 0.146 for 5 rounds), so with 50
    // partners or more their squares never fall on one partner: unique (opportunity, partner).
    await run(`
      CREATE TEMP TABLE bench_offer_plan AS
      SELECT o.*, anchor - sum(CASE WHEN round < rounds THEN duration ELSE interval '0' END)
                    OVER (PARTITION BY opportunity_id ORDER BY round DESC) AS offered_at
      FROM (
        SELECT p.id AS opportunity_id, j AS round, p.rounds, p.anchor, p.status AS opportunity_status,
          1 + floor(${P} * (step.v - floor(step.v)) ^ 2)::int AS partner_id, kind,
          CASE kind
            WHEN 'expired' THEN interval '48 hours'
            WHEN 'declined' THEN interval '15 minutes' + interval '47 hours' * ${u('p.id * 8 + j', 30)} ^ 1.5
            WHEN 'accepted' THEN interval '15 minutes' + interval '40 hours' * ${u('p.id', 32)}
            WHEN 'withdrawn' THEN interval '1 hour' + interval '20 hours' * ${u('p.id', 33)}
            ELSE NULL
          END AS duration
        FROM bench_plan p, generate_series(1, p.rounds) j,
          LATERAL (SELECT ${u('p.id', 7)} + (p.rounds - j) * 0.6180339887 AS v) step,
          LATERAL (SELECT CASE
            WHEN j < p.rounds OR p.status = 'unroutable'
              THEN CASE WHEN ${u('p.id * 8 + j', 20)} < 0.4 THEN 'expired' ELSE 'declined' END
            WHEN p.status = 'offered' THEN 'pending'
            WHEN p.status = 'withdrawn' THEN 'withdrawn'
            ELSE 'accepted'
          END AS kind) k
      ) o`);

    await run(`
      INSERT INTO opportunities (id, customer_id, need, product_line, value_minor, currency, country, industry, size_segment,
                                 source, campaign_id, status, rounds, accepted_partner_id, unroutable_reason,
                                 won_value_minor, lost_reason, created_at, updated_at)
      OVERRIDING SYSTEM VALUE
      SELECT p.id, c.id,
        CASE WHEN ${u('p.id', 40)} < 0.0005 THEN 'Quantum-safe encryption for ' ELSE '' END
          || ${pick(NEED_VERBS, u('p.id', 41))} || ' ' || (${sqlArray(NEED_THINGS)})[1 + line.i * 4 + floor(4 * ${u('p.id', 42)})::int]
          || ' at ' || ${pick(NEED_SITES, u('p.id', 43))},
        (${sqlArray(PRODUCT_LINES)})[1 + line.i],
        (500 + floor(200000 * ${u('p.id', 44)} ^ 3))::bigint * 100,
        CASE c.country WHEN 'GB' THEN 'GBP' WHEN 'US' THEN 'USD' WHEN 'CA' THEN 'CAD' WHEN 'CH' THEN 'CHF'
          WHEN 'JP' THEN 'JPY' WHEN 'SE' THEN 'SEK' WHEN 'PL' THEN 'PLN' ELSE 'EUR' END,
        c.country, c.industry, c.size_segment,
        CASE WHEN campaign.id IS NOT NULL THEN 'campaign' ELSE ${pick(['form', 'form', 'import', 'api', 'partner_registration'], u('p.id', 45))} END,
        campaign.id, p.status, p.rounds,
        CASE WHEN p.status IN ('accepted', 'contacted', 'proposal', 'won', 'lost') THEN p.last_partner_id END,
        CASE WHEN p.status = 'unroutable' THEN CASE WHEN p.rounds = 0 OR ${u('p.id', 46)} < 0.7 THEN 'no_eligible_partner' ELSE 'round_limit_reached' END END,
        CASE WHEN p.status = 'won' THEN (500 + floor(200000 * ${u('p.id', 44)} ^ 3))::bigint * 100 END,
        CASE WHEN p.status = 'lost' THEN ${pick(LOST_REASONS, u('p.id', 47))} END,
        coalesce(first.offered_at, p.anchor) - interval '5 minutes',
        CASE
          WHEN p.status = 'new' THEN clock_timestamp()
          WHEN p.status IN ('offered') THEN p.anchor
          WHEN p.status IN ('contacted', 'proposal', 'won', 'lost')
            THEN least(last.offered_at + last.duration + interval '10 days' * ${u('p.id', 48)}, timestamptz '${at}')
          ELSE coalesce(last.offered_at + last.duration, p.anchor)
        END
      FROM bench_plan p
      JOIN customers c ON c.id = 1 + floor(${C} * ${u('p.id', 5)} ^ 1.3)::int
      CROSS JOIN LATERAL (SELECT floor(${PRODUCT_LINES.length} * ${u('p.id', 6)})::int AS i) line
      LEFT JOIN campaigns campaign ON ${u('p.id', 8)} < 0.1 AND campaign.id = 1 + floor(${K} * ${u('p.id', 9)} ^ 2)::int
      LEFT JOIN bench_offer_plan first ON first.opportunity_id = p.id AND first.round = 1
      LEFT JOIN bench_offer_plan last ON last.opportunity_id = p.id AND last.round = p.rounds
      ORDER BY p.id`);

    // Offer ids in the order the offers were made, as in the running product.
    await run(`
      INSERT INTO offers (opportunity_id, partner_id, round, status, offered_at, expires_at, responded_at,
                          decline_reason, reminder_offsets_hours, score, score_breakdown)
      SELECT opportunity_id, partner_id, round, kind, offered_at, offered_at + interval '48 hours',
        CASE WHEN kind IN ('declined', 'accepted', 'withdrawn') THEN offered_at + duration END,
        CASE WHEN kind = 'declined' THEN ${pick(DECLINE_REASONS, u('opportunity_id * 8 + round', 21))} END,
        '{24,4}', round(0.3 + 0.6 * ${u('opportunity_id * 8 + round', 22)})::numeric(4, 3)::real,
        jsonb_build_object('territory', 0.3, 'industry', 0.2, 'tier', 0.1)
      FROM bench_offer_plan
      ORDER BY offered_at, opportunity_id`);

    // The timeline: an 'offered' event per offer, an answer event per ended offer, and an
    // 'unroutable' event that comes after every other routing event of its lead (same moment
    // as the last ending, later id).
    await run(`
      INSERT INTO opportunity_events (opportunity_id, offer_id, partner_id, kind, detail, at)
      SELECT opportunity_id, offer_id, partner_id, kind, detail, at FROM (
        SELECT opportunity_id, id AS offer_id, partner_id, 'offered' AS kind,
          jsonb_build_object('round', round) AS detail, offered_at AS at, 0 AS tie
        FROM offers
        UNION ALL
        SELECT opportunity_id, id, partner_id, status,
          CASE WHEN status = 'declined' THEN jsonb_build_object('reason', decline_reason, 'note', null) ELSE '{}' END,
          coalesce(responded_at, expires_at), 1
        FROM offers WHERE status <> 'pending'
        UNION ALL
        SELECT id, NULL, NULL, 'unroutable', jsonb_build_object('reason', unroutable_reason, 'rounds', rounds), updated_at, 2
        FROM opportunities WHERE status = 'unroutable'
      ) e
      ORDER BY at, tie, opportunity_id`);

    await run(`
      UPDATE partners p SET open_load = s.open_load, max_open = greatest(p.max_open, s.open_load + 5),
        offers_answered = s.answered, offers_accepted = s.accepted, offers_expired = s.expired,
        response_ms_total = s.response_ms, last_offered_at = s.last_offered_at,
        leads_won = s.won, leads_closed = s.closed
      FROM (
        SELECT p.id,
          coalesce(f.pending, 0) + coalesce(l.open, 0) AS open_load,
          coalesce(f.answered, 0) AS answered, coalesce(f.accepted, 0) AS accepted, coalesce(f.expired, 0) AS expired,
          coalesce(f.response_ms, 0) AS response_ms, f.last_offered_at,
          coalesce(l.won, 0) AS won, coalesce(l.closed, 0) AS closed
        FROM partners p
        LEFT JOIN (
          SELECT partner_id, count(*) FILTER (WHERE status = 'pending') AS pending,
            count(*) FILTER (WHERE status IN ('accepted', 'declined')) AS answered,
            count(*) FILTER (WHERE status = 'accepted') AS accepted,
            count(*) FILTER (WHERE status = 'expired') AS expired,
            coalesce(sum(extract(epoch FROM responded_at - offered_at) * 1000)
              FILTER (WHERE status IN ('accepted', 'declined')), 0)::bigint AS response_ms,
            max(offered_at) AS last_offered_at
          FROM offers GROUP BY partner_id
        ) f ON f.partner_id = p.id
        LEFT JOIN (
          SELECT accepted_partner_id AS partner_id,
            count(*) FILTER (WHERE status IN ('accepted', 'contacted', 'proposal')) AS open,
            count(*) FILTER (WHERE status = 'won') AS won,
            count(*) FILTER (WHERE status IN ('won', 'lost')) AS closed
          FROM opportunities WHERE accepted_partner_id IS NOT NULL GROUP BY accepted_partner_id
        ) l ON l.partner_id = p.id
      ) s
      WHERE s.id = p.id`);

    // Identity sequences past the explicit ids, so that the product's own inserts go on from here.
    for (const table of ['partners', 'campaigns', 'customers', 'opportunities']) {
      await run(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await run(`DROP TABLE bench_offer_plan, bench_plan`);
    // The leads waiting for the router are stamped last: 'new' is a moment, not a state.
    await run(`UPDATE opportunities SET updated_at = clock_timestamp() WHERE status = 'new'`);
  } finally {
    await run(`RESET ALL`).catch(() => {});
    connection.release();
  }
}
