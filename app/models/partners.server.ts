import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Clock } from '../domain/clock';
import type { FieldErrors } from '../domain/partners/field-errors';
import { dayIn, profileFromForm } from '../domain/partners/profile';
import {
  pausePartner,
  resumePartner,
  updatePartnerProfile,
  type PartnerProfile,
  type PartnerTarget,
} from '../domain/partners/profile.server';

export const PARTNERS_PER_PAGE = 50;

export interface PartnerFigures {
  /** Offers waiting for this partner's answer now. */
  openOffers: number;
  /** Offers the partner answered (accepted or declined); expired and withdrawn ones are not answers. */
  answered: number;
  accepted: number;
  expired: number;
  /** accepted / answered, or null before the first answer. */
  acceptanceRate: number | null;
  /** Median of responded_at − offered_at over answered offers, in milliseconds. */
  medianResponseMs: number | null;
  won: number;
  closed: number;
  /** won / (won + lost), or null before the first closed lead. */
  winRate: number | null;
}

export interface PartnerWithFigures extends PartnerFigures {
  id: number;
  name: string;
  tier: string;
  status: string;
  countries: string[];
  productLines: string[];
  maxOpen: number;
  openLoad: number;
  pausedUntil: Date | null;
}

type Row = {
  id: number;
  name: string;
  tier: string;
  status: string;
  countries: string[];
  product_lines: string[];
  max_open: number;
  open_load: number;
  paused_until: Date | string | null;
  open_offers: number;
  answered: number;
  accepted: number;
  expired: number;
  median_response_ms: number | null;
  won: number;
  closed: number;
};

/**
 * Live figures straight from the offers and leads, not the running counters that routing
 * keeps on the partner row: this is what a manager checks those counters against. Each
 * partner's figures come from its own index range (offers by partner, leads by accepted
 * partner), so a page costs the same with a million opportunities as with a thousand.
 */
function figuresQuery(where: ReturnType<typeof sql>, limit: number, offset: number) {
  return sql`
    SELECT p.id, p.name, p.tier, p.status, p.countries, p.product_lines, p.max_open, p.open_load,
      p.paused_until,
      coalesce(o.open_offers, 0)::int AS open_offers,
      coalesce(o.answered, 0)::int AS answered,
      coalesce(o.accepted, 0)::int AS accepted,
      coalesce(o.expired, 0)::int AS expired,
      o.median_response_ms::float8 AS median_response_ms,
      coalesce(l.won, 0)::int AS won,
      coalesce(l.closed, 0)::int AS closed
    FROM partners p
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE status = 'pending') AS open_offers,
        count(*) FILTER (WHERE status IN ('accepted', 'declined')) AS answered,
        count(*) FILTER (WHERE status = 'accepted') AS accepted,
        count(*) FILTER (WHERE status = 'expired') AS expired,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - offered_at) * 1000)
          FILTER (WHERE status IN ('accepted', 'declined') AND responded_at IS NOT NULL) AS median_response_ms
      FROM offers WHERE offers.partner_id = p.id
    ) o ON true
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE status = 'won') AS won,
        count(*) FILTER (WHERE status IN ('won', 'lost')) AS closed
      FROM opportunities WHERE opportunities.accepted_partner_id = p.id
    ) l ON true
    WHERE ${where}
    ORDER BY p.name, p.id
    LIMIT ${limit} OFFSET ${offset}`;
}

function toPartner(row: Row): PartnerWithFigures {
  return {
    id: row.id,
    name: row.name,
    tier: row.tier,
    status: row.status,
    countries: row.countries,
    productLines: row.product_lines,
    maxOpen: row.max_open,
    openLoad: row.open_load,
    pausedUntil: row.paused_until === null ? null : new Date(row.paused_until),
    openOffers: row.open_offers,
    answered: row.answered,
    accepted: row.accepted,
    expired: row.expired,
    acceptanceRate: row.answered > 0 ? row.accepted / row.answered : null,
    medianResponseMs: row.median_response_ms === null ? null : Number(row.median_response_ms),
    won: row.won,
    closed: row.closed,
    winRate: row.closed > 0 ? row.won / row.closed : null,
  };
}

/** One page of partners, by name, with their live figures. */
export async function listPartnersWithFigures(db: Database, { page }: { page: number }) {
  const [rows, [total]] = await Promise.all([
    db.execute<Row>(figuresQuery(sql`true`, PARTNERS_PER_PAGE, (page - 1) * PARTNERS_PER_PAGE)),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM partners`),
  ]);
  return { partners: [...rows].map(toPartner), total: total?.n ?? 0, perPage: PARTNERS_PER_PAGE };
}

/** One partner's live figures (vendor staff only: the caller has checked the permission). */
export async function getPartnerWithFigures(db: Database, partnerId: number) {
  const rows = await db.execute<Row>(figuresQuery(sql`p.id = ${partnerId}`, 1, 0));
  const [row] = [...rows];
  return row ? toPartner(row) : null;
}

export type ProfileIntent = 'profile' | 'pause' | 'resume';

/** What a profile page's action answers: which form, what was wrong with it, what was typed. */
export interface ProfileAnswer {
  intent: ProfileIntent;
  ok: boolean;
  message: string | null;
  fieldErrors: FieldErrors;
  /** The submitted text, so a refused form comes back as the person typed it. */
  values: Record<string, string | string[]>;
}

const PROFILE_INTENTS: readonly ProfileIntent[] = ['profile', 'pause', 'resume'];

/**
 * The profile forms shared by /company (a partner admin, scoped to its company) and
 * /partners/:id (a channel manager, any company): edit the routing profile, pause, resume.
 */
export async function runProfileAction(
  db: Database,
  clock: Clock,
  target: PartnerTarget,
  form: FormData,
): Promise<{ status: number; answer: ProfileAnswer }> {
  const intent = PROFILE_INTENTS.find((candidate) => candidate === form.get('intent'));
  const values: ProfileAnswer['values'] = {};
  for (const key of ['countries', 'industries', 'productLines', 'maxOpen', 'timezone', 'backOn']) {
    const value = form.get(key);
    if (typeof value === 'string') values[key] = value;
  }
  values.sizeSegments = form.getAll('sizeSegments').map(String);
  const refused = (
    fieldErrors: FieldErrors,
    message = 'Nothing was saved: correct the fields marked below.',
  ) => ({
    status: 400,
    answer: { intent: intent ?? 'profile', ok: false, message, fieldErrors, values },
  });
  const done = (message: string) => ({
    status: 200,
    answer: { intent: intent!, ok: true, message, fieldErrors: {}, values: {} },
  });

  if (intent === 'profile') {
    const change = await updatePartnerProfile(db, target, profileFromForm(form));
    return change.ok
      ? done('Profile saved. Routing uses it from the next lead on.')
      : refused(change.fieldErrors);
  }
  if (intent === 'pause') {
    const change = await pausePartner(db, target, { backOn: values.backOn }, clock);
    return change.ok ? done('Paused: no new leads until the day chosen.') : refused(change.fieldErrors);
  }
  if (intent === 'resume') {
    await resumePartner(db, target);
    return done('Pause ended: new leads can be offered again now.');
  }
  return refused(
    {},
    'That form is not one this page knows. Reload the page and try again; nothing was changed.',
  );
}

/** The profile as the pages show it; a pause that has already run out is shown as none. */
export function profileView(profile: PartnerProfile, now: Date) {
  const paused = profile.pausedUntil !== null && profile.pausedUntil.getTime() > now.getTime();
  return {
    countries: profile.countries,
    industries: profile.industries,
    sizeSegments: profile.sizeSegments,
    productLines: profile.productLines,
    maxOpen: profile.maxOpen,
    openLoad: profile.openLoad,
    timezone: profile.timezone,
    pausedUntil: paused ? profile.pausedUntil!.toISOString() : null,
    backOn: paused ? dayIn(profile.pausedUntil!, profile.timezone) : null,
  };
}

/** Today in the company's time zone, for the pause form's date picker. */
export const todayIn = (timezone: string, now: Date) => dayIn(now, timezone);
