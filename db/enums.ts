/**
 * The database's enumerations (text columns with a CHECK constraint): one list each, used by
 * the schema, the domain's validation, the labels and the forms. No drizzle import here, so the
 * browser bundle can import it.
 */

export const PARTNER_TIERS = ['platinum', 'gold', 'silver', 'registered'] as const;

export const PARTNER_STATUSES = ['active', 'suspended', 'inactive'] as const;

export const USER_ROLES = [
  'partner_rep',
  'partner_admin',
  'channel_manager',
  'campaign_coordinator',
  'admin',
] as const;

export const SIZE_SEGMENTS = ['enterprise', 'mid_market', 'small_business'] as const;

export const REVENUE_POTENTIALS = ['A', 'B', 'C', 'D'] as const;

export const OPPORTUNITY_STATUSES = [
  'new',
  'offered',
  'accepted',
  'contacted',
  'proposal',
  'won',
  'lost',
  'unroutable',
  'withdrawn',
  /** A partner's own registration, waiting for a channel manager. */
  'registered',
  'registration_declined',
] as const;

export const OPPORTUNITY_SOURCES = ['form', 'import', 'campaign', 'api', 'partner_registration'] as const;

export const OFFER_STATUSES = ['pending', 'accepted', 'declined', 'expired', 'withdrawn'] as const;

/** The rules of routing a channel manager may offer a lead past, by hand and with a reason. */
export const OVERRIDABLE_RULES = [
  'paused',
  'at_capacity',
  'outside_territory',
  'product_line_not_sold',
  'round_limit_reached',
] as const;

export const DECLINE_REASONS = [
  'no_capacity',
  'outside_expertise',
  'outside_territory',
  'customer_known_bad_fit',
  'deal_too_small',
  'conflict_of_interest',
  'other',
] as const;

export const CAMPAIGN_STATUSES = ['draft', 'active', 'completed'] as const;

export const CAMPAIGN_PARTNER_STATUSES = ['invited', 'joined', 'declined'] as const;

/**
 * Event rows (audience partner, channel_managers, campaign_coordinators) become `fanned_out`
 * once one email row per recipient exists; email rows (audience user) go pending → sending →
 * sent, or `failed` when retries ran out, or `skipped` when the recipient may no longer read it.
 */
export const NOTIFICATION_STATUSES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'skipped',
  'fanned_out',
] as const;

export const OPPORTUNITY_EVENT_KINDS = [
  'created',
  'offered',
  'accepted',
  'declined',
  'expired',
  'withdrawn',
  'unroutable',
  'deadline_extended',
  'status_changed',
  /** The customer record was merged into another; detail names both. */
  'customer_merged',
  'registered',
  'registration_approved',
  'registration_declined',
  /** A channel manager took an accepted lead back from its partner. */
  'lead_taken_back',
] as const;

export const NOTIFICATION_KINDS = [
  'offer_new',
  'offer_reminder',
  'offer_expired',
  'offer_accepted',
  'offer_declined',
  'offer_withdrawn',
  'opportunity_unroutable',
  'lead_accepted',
  'daily_digest',
  'password_reset',
  'campaign_invitation',
  'registration_submitted',
  'registration_decided',
  'sign_in_link',
  /** A channel manager gave the partner more time on a pending offer. */
  'offer_extended',
  /** A channel manager took an accepted lead (and its customer record) back from the partner. */
  'lead_taken_back',
] as const;

export const NOTIFICATION_AUDIENCES = [
  'partner',
  'channel_managers',
  'campaign_coordinators',
  'user',
] as const;

export const EMAIL_ACTIONS = ['accept', 'decline'] as const;

export const IMPORT_KINDS = ['customers', 'contacts', 'opportunities', 'campaign_accounts'] as const;

export const IMPORT_MODES = ['all_or_nothing', 'valid_rows'] as const;

export const IMPORT_STATUSES = ['uploaded', 'queued', 'running', 'completed', 'rejected', 'failed'] as const;
