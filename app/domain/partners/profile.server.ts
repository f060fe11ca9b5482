import { and, eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { partners } from '../../../db/schema';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import type { PartnerScope } from '../partner-scope';
import { fieldErrorsOf, type FieldErrors } from './field-errors';
import {
  MAX_PAUSE_DAYS,
  partnerProfileSchema,
  pauseSchema,
  startOfDayIn,
  type PartnerProfileInput,
} from './profile';

/**
 * Who may touch which partner: a partner's user only its own company (null: vendor staff, any).
 * The scope goes into the WHERE, so another company's id is simply not found.
 */
export interface PartnerTarget {
  partnerId: number;
  scope: PartnerScope | null;
}

export type ProfileChange = { ok: true } | { ok: false; fieldErrors: FieldErrors };

function whereTarget({ partnerId, scope }: PartnerTarget): SQL {
  return and(eq(partners.id, partnerId), scope ? eq(partners.id, scope.partnerId) : undefined)!;
}

/** The company profile that routing reads, as its admin and the channel managers see it. */
export async function getPartnerProfile(db: Executor, target: PartnerTarget) {
  const [row] = await db
    .select({
      id: partners.id,
      name: partners.name,
      slug: partners.slug,
      tier: partners.tier,
      status: partners.status,
      countries: partners.countries,
      industries: partners.industries,
      sizeSegments: partners.sizeSegments,
      productLines: partners.productLines,
      maxOpen: partners.maxOpen,
      openLoad: partners.openLoad,
      pausedUntil: partners.pausedUntil,
      timezone: partners.timezone,
    })
    .from(partners)
    .where(whereTarget(target));
  if (!row) throw notFound('partner', target.partnerId);
  return row;
}
export type PartnerProfile = Awaited<ReturnType<typeof getPartnerProfile>>;

/**
 * Replaces the routing profile after validating all of it; a bad field saves nothing. The
 * partner_directory_version trigger tells every router to reload, so the next routing
 * decision sees the change.
 */
export async function updatePartnerProfile(
  db: Executor,
  target: PartnerTarget,
  input: unknown,
): Promise<ProfileChange> {
  const parsed = partnerProfileSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const profile: PartnerProfileInput = parsed.data;
  const updated = await db
    .update(partners)
    .set({
      countries: profile.countries,
      industries: profile.industries,
      sizeSegments: profile.sizeSegments,
      productLines: profile.productLines,
      maxOpen: profile.maxOpen,
      timezone: profile.timezone,
    })
    .where(whereTarget(target))
    .returning({ id: partners.id });
  if (updated.length === 0) throw notFound('partner', target.partnerId);
  return { ok: true };
}

/**
 * Out of office: routing offers the company nothing new until 00:00 on `backOn` in the
 * company's time zone. Offers already pending keep their deadlines.
 */
export async function pausePartner(
  db: Executor,
  target: PartnerTarget,
  input: unknown,
  clock: Clock,
): Promise<ProfileChange> {
  const parsed = pauseSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const { timezone } = await getPartnerProfile(db, target);
  const until = startOfDayIn(parsed.data.backOn, timezone);
  const now = clock.now().getTime();
  if (until.getTime() <= now) return { ok: false, fieldErrors: { backOn: 'Choose a day after today.' } };
  if (until.getTime() - now > MAX_PAUSE_DAYS * 24 * 3_600_000)
    return {
      ok: false,
      fieldErrors: {
        backOn: `A pause lasts at most ${MAX_PAUSE_DAYS} days; for longer, ask your channel manager to make the company inactive.`,
      },
    };
  const updated = await db
    .update(partners)
    .set({ pausedUntil: until })
    .where(whereTarget(target))
    .returning({ id: partners.id });
  if (updated.length === 0) throw notFound('partner', target.partnerId);
  return { ok: true };
}

/** Ends an out-of-office pause now: the company can be offered the very next lead. */
export async function resumePartner(db: Executor, target: PartnerTarget): Promise<void> {
  const updated = await db
    .update(partners)
    .set({ pausedUntil: null })
    .where(whereTarget(target))
    .returning({ id: partners.id });
  if (updated.length === 0) throw notFound('partner', target.partnerId);
}
