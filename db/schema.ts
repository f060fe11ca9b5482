import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  customType,
  check,
  char,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  unique,
} from 'drizzle-orm/pg-core';
import {
  PARTNER_TIERS,
  PARTNER_STATUSES,
  USER_ROLES,
  SIZE_SEGMENTS,
  REVENUE_POTENTIALS,
  OPPORTUNITY_STATUSES,
  OPPORTUNITY_SOURCES,
  OFFER_STATUSES,
  OVERRIDABLE_RULES,
  DECLINE_REASONS,
  CAMPAIGN_STATUSES,
  CAMPAIGN_PARTNER_STATUSES,
  NOTIFICATION_STATUSES,
  OPPORTUNITY_EVENT_KINDS,
  NOTIFICATION_KINDS,
  NOTIFICATION_AUDIENCES,
  EMAIL_ACTIONS,
  IMPORT_KINDS,
  IMPORT_MODES,
  IMPORT_STATUSES,
} from './enums';

export * from './enums';

const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => at('created_at').notNull().defaultNow();
// Nullable foreign keys get partial indexes (WHERE col IS NOT NULL): they still serve the
// foreign-key checks, and the hot inserts, where these columns are mostly null, skip them.

/** `col IN ('a','b')` for a check constraint; values are our own constants, never input. */
const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} IN (${values.map((v) => `'${v}'`).join(', ')})`);

export const partners = pgTable(
  'partners',
  {
    id: id(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    tier: text('tier', { enum: PARTNER_TIERS }).notNull(),
    status: text('status', { enum: PARTNER_STATUSES }).notNull().default('active'),
    countries: text('countries')
      .array()
      .notNull()
      .default(sql`'{}'`),
    industries: text('industries')
      .array()
      .notNull()
      .default(sql`'{}'`),
    sizeSegments: text('size_segments')
      .array()
      .notNull()
      .default(sql`'{}'`),
    productLines: text('product_lines')
      .array()
      .notNull()
      .default(sql`'{}'`),
    /** Capacity: open offers plus accepted leads still being worked. */
    maxOpen: integer('max_open').notNull().default(10),
    /** Maintained by every offer/lead transition in the same transaction; checked by check:invariants. */
    openLoad: integer('open_load').notNull().default(0),
    pausedUntil: at('paused_until'),
    timezone: text('timezone').notNull().default('UTC'),
    lastOfferedAt: at('last_offered_at'),
    // Running behaviour figures, kept on the row so that scoring reads one row per candidate.
    offersAnswered: integer('offers_answered').notNull().default(0),
    offersAccepted: integer('offers_accepted').notNull().default(0),
    offersExpired: integer('offers_expired').notNull().default(0),
    responseMsTotal: bigint('response_ms_total', { mode: 'number' }).notNull().default(0),
    leadsWon: integer('leads_won').notNull().default(0),
    leadsClosed: integer('leads_closed').notNull().default(0),
    createdAt: createdAt(),
  },
  () => [
    check('partners_tier_check', oneOf('tier', PARTNER_TIERS)),
    check('partners_status_check', oneOf('status', PARTNER_STATUSES)),
    check('partners_capacity_check', sql`max_open >= 0 AND open_load >= 0`),
  ],
);

/**
 * Bumped by a statement trigger whenever a partner's routing profile changes (not its
 * counters). Routers keep the partner directory in memory and reload it when this moves.
 */
export const partnerDirectoryVersion = pgTable(
  'partner_directory_version',
  {
    id: smallint('id').primaryKey().default(1),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  () => [check('partner_directory_version_singleton_check', sql`id = 1`)],
);

export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: USER_ROLES }).notNull(),
    partnerId: integer('partner_id').references(() => partners.id),
    passwordHash: text('password_hash').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    /** Channel managers: only the daily digest, no email per event. */
    emailDigestOnly: boolean('email_digest_only').notNull().default(false),
    /** Partner users: the last portal notice they marked as read (notifications.id). */
    noticesReadThrough: bigint('notices_read_through', { mode: 'number' }).notNull().default(0),
    disabledAt: at('disabled_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(sql`lower(${t.email})`),
    index('users_partner_id_idx')
      .on(t.partnerId)
      .where(sql`partner_id IS NOT NULL`),
    check('users_role_check', oneOf('role', USER_ROLES)),
    check(
      'users_partner_role_check',
      sql`(role IN ('partner_rep', 'partner_admin')) = (partner_id IS NOT NULL)`,
    ),
  ],
);

export const customers = pgTable(
  'customers',
  {
    id: id(),
    name: text('name').notNull(),
    /** As typed (the host, lower case): Unicode stays Unicode, "zürich-versicherung.ch". */
    domain: text('domain'),
    /**
     * The domain's ASCII (punycode) form, "xn--zrich-versicherung-m6b.ch", computed by the app
     * (WHATWG/UTS #46, which Postgres cannot do). Required when the domain is not ASCII (a check
     * in migration 0012's hand-written part, added after its backfill); an ASCII domain may
     * leave it null, since it is its own ASCII form.
     */
    domainAscii: text('domain_ascii'),
    country: char('country', { length: 2 }).notNull(),
    industry: text('industry').notNull(),
    sizeSegment: text('size_segment', { enum: SIZE_SEGMENTS }).notNull(),
    revenuePotential: char('revenue_potential', { length: 1 }).notNull().default('C'),
    address: text('address'),
    /** null: the vendor's own record. */
    ownerPartnerId: integer('owner_partner_id').references(() => partners.id),
    /**
     * The name as duplicates are compared: lower case, legal forms (GmbH, Ltd, SA…) and
     * punctuation gone. Non-Latin letters are kept as they are.
     */
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(
        sql`btrim(regexp_replace(regexp_replace(lower(name), '(^|[[:space:][:punct:]])(gmbh|ag|kg|ohg|se|inc|ltd|llc|llp|plc|sa|sas|sarl|srl|spa|bv|nv|oy|oyj|ab|as|aps|co|corp|corporation|company|limited|pty|kk)(?=$|[[:space:][:punct:]])', ' ', 'g'), '[[:space:][:punct:]]+', ' ', 'g'))`,
      ),
    /** The domain as duplicates are compared: ASCII form, no scheme, no www., no path, lower case. */
    domainKey: text('domain_key').generatedAlwaysAs(
      sql`nullif(regexp_replace(split_part(split_part(split_part(split_part(regexp_replace(lower(btrim(coalesce(domain_ascii, domain))), '^[a-z]+://', ''), '/', 1), '?', 1), '#', 1), ':', 1), '^www[.]', ''), '')`,
    ),
    /** Set when a channel manager merged this record into another; its rows moved there. */
    mergedIntoId: integer('merged_into_id').references((): AnyPgColumn => customers.id),
    mergedAt: at('merged_at'),
    createdByUserId: integer('created_by_user_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    // Duplicate detection: the same domain, or a name alike (pg_trgm similarity on the key).
    index('customers_domain_key_idx')
      .on(t.domainKey)
      .where(sql`domain_key IS NOT NULL AND merged_into_id IS NULL`),
    index('customers_name_key_trgm_idx').using('gin', t.nameKey.op('gin_trgm_ops')),
    index('customers_merged_into_id_idx')
      .on(t.mergedIntoId)
      .where(sql`merged_into_id IS NOT NULL`),
    index('customers_created_by_user_id_idx')
      .on(t.createdByUserId)
      .where(sql`created_by_user_id IS NOT NULL`),
    index('customers_owner_partner_id_idx')
      .on(t.ownerPartnerId)
      .where(sql`owner_partner_id IS NOT NULL`),
    index('customers_domain_idx').on(sql`lower(${t.domain})`),
    // The routing queue's search by a fragment of the customer's name (ILIKE '%…%'); needs pg_trgm.
    index('customers_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    check('customers_size_segment_check', oneOf('size_segment', SIZE_SEGMENTS)),
    check('customers_revenue_potential_check', oneOf('revenue_potential', REVENUE_POTENTIALS)),
  ],
);

export const contacts = pgTable(
  'contacts',
  {
    id: id(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    name: text('name').notNull(),
    title: text('title'),
    email: text('email'),
    phone: text('phone'),
    consentToContact: boolean('consent_to_contact').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_customer_id_idx').on(t.customerId)],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: id(),
    name: text('name').notNull(),
    goal: text('goal').notNull().default(''),
    startsOn: date('starts_on'),
    endsOn: date('ends_on'),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    budgetMinor: bigint('budget_minor', { mode: 'number' }).notNull().default(0),
    currency: char('currency', { length: 3 }).notNull().default('EUR'),
    targetCountries: text('target_countries')
      .array()
      .notNull()
      .default(sql`'{}'`),
    targetIndustries: text('target_industries')
      .array()
      .notNull()
      .default(sql`'{}'`),
    targetSizeSegments: text('target_size_segments')
      .array()
      .notNull()
      .default(sql`'{}'`),
    targetProductLines: text('target_product_lines')
      .array()
      .notNull()
      .default(sql`'{}'`),
    /** Offer campaign leads to joined partners before anyone else. */
    joinedPartnersFirst: boolean('joined_partners_first').notNull().default(false),
    coordinatorUserId: integer('coordinator_user_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('campaigns_coordinator_user_id_idx').on(t.coordinatorUserId),
    check('campaigns_status_check', oneOf('status', CAMPAIGN_STATUSES)),
    check('campaigns_budget_check', sql`budget_minor >= 0`),
    check('campaigns_currency_check', sql`currency ~ '^[A-Z]{3}$'`),
  ],
);

export const campaignPartners = pgTable(
  'campaign_partners',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id),
    status: text('status', { enum: CAMPAIGN_PARTNER_STATUSES }).notNull().default('invited'),
    invitedAt: createdAt(),
    respondedAt: at('responded_at'),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.partnerId] }),
    index('campaign_partners_partner_id_idx').on(t.partnerId),
    check('campaign_partners_status_check', oneOf('status', CAMPAIGN_PARTNER_STATUSES)),
  ],
);

export const campaignAccounts = pgTable(
  'campaign_accounts',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    addedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.customerId] }),
    index('campaign_accounts_customer_id_idx').on(t.customerId),
  ],
);

export const opportunities = pgTable(
  'opportunities',
  {
    id: id(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    need: text('need').notNull(),
    productLine: text('product_line').notNull(),
    valueMinor: bigint('value_minor', { mode: 'number' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    country: char('country', { length: 2 }).notNull(),
    industry: text('industry').notNull(),
    sizeSegment: text('size_segment', { enum: SIZE_SEGMENTS }).notNull(),
    source: text('source', { enum: OPPORTUNITY_SOURCES }).notNull().default('form'),
    campaignId: integer('campaign_id').references(() => campaigns.id),
    status: text('status', { enum: OPPORTUNITY_STATUSES }).notNull().default('new'),
    /** Offers made so far; compared with the round limit. */
    rounds: integer('rounds').notNull().default(0),
    acceptedPartnerId: integer('accepted_partner_id').references(() => partners.id),
    unroutableReason: text('unroutable_reason'),
    wonValueMinor: bigint('won_value_minor', { mode: 'number' }),
    lostReason: text('lost_reason'),
    /** The partner that registered this opportunity for its own customer (deal registration). */
    registeredByPartnerId: integer('registered_by_partner_id').references(() => partners.id),
    /** At registration, another partner already worked this customer: the manager decides. */
    registrationConflict: boolean('registration_conflict').notNull().default(false),
    createdByUserId: integer('created_by_user_id').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // Also answers "does this partner already work with this customer?" for every candidate.
    index('opportunities_customer_id_idx').on(t.customerId, t.acceptedPartnerId),
    index('opportunities_campaign_id_idx')
      .on(t.campaignId)
      .where(sql`campaign_id IS NOT NULL`),
    index('opportunities_accepted_partner_id_idx').on(t.acceptedPartnerId),
    index('opportunities_created_by_user_id_idx')
      .on(t.createdByUserId)
      .where(sql`created_by_user_id IS NOT NULL`),
    index('opportunities_status_id_idx').on(t.status, t.id),
    index('opportunities_registered_by_partner_id_idx')
      .on(t.registeredByPartnerId)
      .where(sql`registered_by_partner_id IS NOT NULL`),
    // The routing queue's search by a word of the need (ILIKE '%…%'); needs pg_trgm.
    index('opportunities_need_trgm_idx').using('gin', t.need.op('gin_trgm_ops')),
    // The routing queue's filters on unroutable leads, newest first; only unroutable rows, so cheap.
    index('opportunities_unroutable_country_idx')
      .on(t.country, t.id)
      .where(sql`status = 'unroutable'`),
    index('opportunities_unroutable_product_line_idx')
      .on(t.productLine, t.id)
      .where(sql`status = 'unroutable'`),
    index('opportunities_unroutable_campaign_idx')
      .on(t.campaignId, t.id)
      .where(sql`status = 'unroutable' AND campaign_id IS NOT NULL`),
    // Phase 2 of the queue's filtered pending pages: the offered leads of a rare filter value,
    // whose one pending offer each is then read; only offered rows (a fifth), so cheap.
    index('opportunities_offered_country_idx')
      .on(t.country)
      .where(sql`status = 'offered'`),
    index('opportunities_offered_product_line_idx')
      .on(t.productLine)
      .where(sql`status = 'offered'`),
    index('opportunities_offered_campaign_idx')
      .on(t.campaignId)
      .where(sql`status = 'offered' AND campaign_id IS NOT NULL`),
    check('opportunities_status_check', oneOf('status', OPPORTUNITY_STATUSES)),
    check('opportunities_source_check', oneOf('source', OPPORTUNITY_SOURCES)),
    check('opportunities_size_segment_check', oneOf('size_segment', SIZE_SEGMENTS)),
    check('opportunities_value_check', sql`value_minor >= 0`),
    check('opportunities_currency_check', sql`currency ~ '^[A-Z]{3}$'`),
    check(
      'opportunities_accepted_partner_check',
      sql`(status IN ('accepted', 'contacted', 'proposal', 'won', 'lost')) = (accepted_partner_id IS NOT NULL)`,
    ),
  ],
);

export const offers = pgTable(
  'offers',
  {
    id: id(),
    opportunityId: integer('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id),
    round: integer('round').notNull(),
    status: text('status', { enum: OFFER_STATUSES }).notNull().default('pending'),
    offeredAt: at('offered_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    respondedAt: at('responded_at'),
    respondedByUserId: integer('responded_by_user_id').references(() => users.id),
    declineReason: text('decline_reason', { enum: DECLINE_REASONS }),
    declineNote: text('decline_note'),
    /** The reminder offsets in force when the offer was made: new settings apply to new offers. */
    reminderOffsetsHours: integer('reminder_offsets_hours').array().notNull(),
    score: real('score').notNull(),
    scoreBreakdown: jsonb('score_breakdown').notNull(),
    /** Set when a channel manager chose the partner instead of the routing engine. */
    offeredByUserId: integer('offered_by_user_id').references(() => users.id),
    /** The rules routing skipped this partner for, which the channel manager offered past. */
    overriddenRules: text('overridden_rules', { enum: OVERRIDABLE_RULES })
      .array()
      .notNull()
      .default(sql`'{}'`),
    /** Why the channel manager chose this partner by hand, in their words; required for an override. */
    overrideReason: text('override_reason'),
  },
  (t) => [
    unique('offers_opportunity_partner_unique').on(t.opportunityId, t.partnerId),
    uniqueIndex('offers_one_pending_per_opportunity')
      .on(t.opportunityId)
      .where(sql`status = 'pending'`),
    index('offers_partner_id_status_idx').on(t.partnerId, t.status),
    index('offers_pending_expires_at_idx')
      .on(t.expiresAt, t.id)
      .where(sql`status = 'pending'`),
    // Counts the pending offers on every queue page. One key value, so deduplication keeps 200,000
    // entries in a few hundred pages, and the index-only count reads those alone.
    index('offers_pending_count_idx')
      .on(t.status)
      .where(sql`status = 'pending'`),
    // The routing queue filtered by partner: that partner's pending offers by deadline.
    index('offers_pending_partner_expires_at_idx')
      .on(t.partnerId, t.expiresAt, t.id)
      .where(sql`status = 'pending'`),
    index('offers_responded_by_user_id_idx')
      .on(t.respondedByUserId)
      .where(sql`responded_by_user_id IS NOT NULL`),
    index('offers_offered_by_user_id_idx')
      .on(t.offeredByUserId)
      .where(sql`offered_by_user_id IS NOT NULL`),
    check('offers_status_check', oneOf('status', OFFER_STATUSES)),
    check('offers_decline_reason_check', oneOf('decline_reason', DECLINE_REASONS)),
    check('offers_declined_has_reason_check', sql`(status = 'declined') = (decline_reason IS NOT NULL)`),
    check('offers_window_check', sql`expires_at > offered_at`),
    check(
      'offers_overridden_rules_check',
      sql.raw(`overridden_rules <@ ARRAY[${OVERRIDABLE_RULES.map((r) => `'${r}'`).join(', ')}]::text[]`),
    ),
    check(
      'offers_override_by_hand_check',
      sql`(override_reason IS NULL OR offered_by_user_id IS NOT NULL)
        AND (cardinality(overridden_rules) = 0 OR override_reason IS NOT NULL)`,
    ),
  ],
);

export const opportunityEvents = pgTable(
  'opportunity_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    opportunityId: integer('opportunity_id')
      .notNull()
      .references(() => opportunities.id),
    offerId: integer('offer_id').references(() => offers.id),
    partnerId: integer('partner_id').references(() => partners.id),
    actorUserId: integer('actor_user_id').references(() => users.id),
    kind: text('kind', { enum: OPPORTUNITY_EVENT_KINDS }).notNull(),
    detail: jsonb('detail')
      .notNull()
      .default(sql`'{}'::jsonb`),
    at: at('at').notNull(),
  },
  (t) => [
    index('opportunity_events_opportunity_id_idx').on(t.opportunityId, t.id),
    // The routing queue's recent declines and expiries, latest first, keyset on (at, id).
    index('opportunity_events_endings_at_idx')
      .on(t.at, t.id)
      .where(sql`kind IN ('declined', 'expired')`),
    // The queue's recent declines and expiries of one partner, latest first.
    index('opportunity_events_partner_endings_idx')
      .on(t.partnerId, t.at, t.id)
      .where(sql`kind IN ('declined', 'expired')`),
    index('opportunity_events_offer_id_idx')
      .on(t.offerId)
      .where(sql`offer_id IS NOT NULL`),
    index('opportunity_events_partner_id_idx')
      .on(t.partnerId)
      .where(sql`partner_id IS NOT NULL`),
    index('opportunity_events_actor_user_id_idx')
      .on(t.actorUserId)
      .where(sql`actor_user_id IS NOT NULL`),
    check('opportunity_events_kind_check', oneOf('kind', OPPORTUNITY_EVENT_KINDS)),
  ],
);

export const routingSettings = pgTable(
  'routing_settings',
  {
    id: smallint('id').primaryKey().default(1),
    windowHours: integer('window_hours').notNull().default(48),
    reminderOffsetsHours: integer('reminder_offsets_hours')
      .array()
      .notNull()
      .default(sql`'{24,4}'`),
    roundLimit: integer('round_limit').notNull().default(10),
    weights: jsonb('weights').notNull(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    updatedByUserId: integer('updated_by_user_id').references(() => users.id),
  },
  (t) => [
    check('routing_settings_singleton_check', sql`id = 1`),
    check('routing_settings_window_check', sql`window_hours BETWEEN 1 AND 720`),
    check('routing_settings_round_limit_check', sql`round_limit BETWEEN 1 AND 100`),
    index('routing_settings_updated_by_user_id_idx').on(t.updatedByUserId),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
    audience: text('audience', { enum: NOTIFICATION_AUDIENCES }).notNull(),
    partnerId: integer('partner_id').references(() => partners.id),
    userId: integer('user_id').references(() => users.id),
    opportunityId: integer('opportunity_id').references(() => opportunities.id),
    offerId: integer('offer_id').references(() => offers.id),
    /** One row per real-world event: a redelivered job inserts nothing new. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    payload: jsonb('payload')
      .notNull()
      .default(sql`'{}'::jsonb`),
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull().default('pending'),
    /** The event row this email was fanned out from. */
    parentId: bigint('parent_id', { mode: 'number' }).references((): AnyPgColumn => notifications.id),
    /** The address it went to, as it was when the email row was made. */
    recipientEmail: text('recipient_email'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** While `sending`: when another worker may take the row over (its sender died). */
    leaseUntil: at('lease_until'),
    createdAt: at('created_at').notNull(),
    sentAt: at('sent_at'),
  },
  (t) => [
    index('notifications_parent_id_idx')
      .on(t.parentId)
      .where(sql`parent_id IS NOT NULL`),
    // The notification log, newest first, keyset on id.
    index('notifications_log_idx')
      .on(t.id)
      .where(sql`audience = 'user'`),
    check('notifications_sent_check', sql`(status = 'sent') = (sent_at IS NOT NULL)`),
    index('notifications_partner_id_idx')
      .on(t.partnerId)
      .where(sql`partner_id IS NOT NULL`),
    index('notifications_user_id_idx')
      .on(t.userId)
      .where(sql`user_id IS NOT NULL`),
    index('notifications_opportunity_id_idx')
      .on(t.opportunityId)
      .where(sql`opportunity_id IS NOT NULL`),
    index('notifications_offer_id_idx')
      .on(t.offerId)
      .where(sql`offer_id IS NOT NULL`),
    index('notifications_pending_idx')
      .on(t.id)
      .where(sql`status = 'pending'`),
    check('notifications_kind_check', oneOf('kind', NOTIFICATION_KINDS)),
    check('notifications_audience_check', oneOf('audience', NOTIFICATION_AUDIENCES)),
    check('notifications_status_check', oneOf('status', NOTIFICATION_STATUSES)),
  ],
);

/**
 * Server-side sessions. The cookie carries a random token; the row is keyed by its SHA-256, so a
 * leaked copy of this table cannot be replayed as cookies. Deleting a row ends that session at once.
 */
export const sessions = pgTable(
  'sessions',
  {
    /** sha256(token) in hex. */
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Per-session secret echoed by every form (CSRF). */
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    /** The absolute limit; inactivity is measured from last_seen_at. */
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId), index('sessions_expires_at_idx').on(t.expiresAt)],
);

/**
 * Failed sign-in counters, one row per key ('email:<lowercased>' or 'ip:<address>'), so guessing
 * is slowed per account and per client address alike.
 */
export const signInAttempts = pgTable(
  'sign_in_attempts',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull().default(0),
    windowStartedAt: at('window_started_at').notNull(),
    lockedUntil: at('locked_until'),
    /** How many lockouts in a row: each one lasts longer. */
    lockouts: integer('lockouts').notNull().default(0),
  },
  () => [check('sign_in_attempts_failures_check', sql`failures >= 0 AND lockouts >= 0`)],
);

/**
 * Password reset links. The emailed token is `<id>.<hmac>` and is never stored; a row is
 * good once (`used_at`) and until `expires_at`.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
  },
  (t) => [index('password_resets_user_id_idx').on(t.userId, t.createdAt)],
);

/**
 * Emailed one-time sign-in links, made like password reset links: the token `<id>.<hmac>` is
 * never stored; a row is good once (`used_at`) and until `expires_at`, and carries the page to
 * open after signing in.
 */
export const signInLinks = pgTable(
  'sign_in_links',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
    /** A path on this site (safeRedirect), or null for the user's home page. */
    redirectTo: text('redirect_to'),
  },
  (t) => [index('sign_in_links_user_id_idx').on(t.userId, t.createdAt)],
);

/**
 * Accept / Decline links from email are signed and stateless; this table makes each one good
 * once. Keyed by sha256(token): the table never holds a usable link.
 */
export const emailActionUses = pgTable(
  'email_action_uses',
  {
    tokenDigest: text('token_digest').primaryKey(),
    offerId: integer('offer_id')
      .notNull()
      .references(() => offers.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    action: text('action', { enum: EMAIL_ACTIONS }).notNull(),
    usedAt: at('used_at').notNull(),
  },
  (t) => [
    index('email_action_uses_offer_id_idx').on(t.offerId),
    index('email_action_uses_user_id_idx').on(t.userId),
    check('email_action_uses_action_check', oneOf('action', EMAIL_ACTIONS)),
  ],
);

/** Mail caught by the development SMTP capture (`npm run demo`); never used in production. */
export const capturedMail = pgTable('captured_mail', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  mailFrom: text('mail_from').notNull(),
  rcptTo: text('rcpt_to').array().notNull(),
  subject: text('subject').notNull(),
  textBody: text('text_body').notNull(),
  htmlBody: text('html_body').notNull(),
  messageId: text('message_id'),
  receivedAt: at('received_at').notNull().defaultNow(),
});

/**
 * Every time a partner's user opened a customer's contacts: who, which record, when. Partners
 * hold customer data under confidentiality; the vendor can show who looked.
 */
export const contactViews = pgTable(
  'contact_views',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    customerId: integer('customer_id')
      .notNull()
      .references(() => customers.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => partners.id),
    viewedAt: at('viewed_at').notNull(),
  },
  (t) => [
    index('contact_views_customer_id_idx').on(t.customerId, t.viewedAt),
    index('contact_views_user_id_idx').on(t.userId),
    index('contact_views_partner_id_idx').on(t.partnerId),
  ],
);

/**
 * A CSV import: the file as uploaded, the column mapping the user confirmed, progress while the
 * job runs, and the report. The file lives here, not on one machine's disk, so any worker can
 * run the job and the user can leave and come back.
 */
export const imports = pgTable(
  'imports',
  {
    id: id(),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    mode: text('mode', { enum: IMPORT_MODES }).notNull().default('all_or_nothing'),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('uploaded'),
    fileName: text('file_name').notNull(),
    /** The uploaded bytes, as sent (UTF-8, with or without BOM). */
    file: bytea('file').notNull(),
    /** CSV header → field. */
    mapping: jsonb('mapping')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** For campaign accounts and campaign leads. */
    campaignId: integer('campaign_id').references(() => campaigns.id),
    totalRows: integer('total_rows'),
    processedRows: integer('processed_rows').notNull().default(0),
    importedRows: integer('imported_rows').notNull().default(0),
    rejectedRows: integer('rejected_rows').notNull().default(0),
    /** The first problems, by line number and reason; the full list is in rejected_csv. */
    report: jsonb('report')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** The rejected rows with a reason column, for download. */
    rejectedCsv: text('rejected_csv'),
    error: text('error'),
    createdByUserId: integer('created_by_user_id')
      .notNull()
      .references(() => users.id),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('imports_created_by_user_id_idx').on(t.createdByUserId, t.id),
    index('imports_campaign_id_idx')
      .on(t.campaignId)
      .where(sql`campaign_id IS NOT NULL`),
    check('imports_kind_check', oneOf('kind', IMPORT_KINDS)),
    check('imports_mode_check', oneOf('mode', IMPORT_MODES)),
    check('imports_status_check', oneOf('status', IMPORT_STATUSES)),
  ],
);
