import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { customers, offers, opportunities, partners } from '../../db/schema';
import { isDomainError } from '../domain/errors';
import { TAKE_BACK_STATUSES, takeBackReasonSchema } from '../domain/offers/take-back.server';
import { takeBackAndReroute, withdraw, type LoopDeps } from '../domain/routing/loop.server';
import { nextInRouting, type NextInRouting } from '../domain/routing/next-partner.server';
import { domainErrorStatus } from '../utils/route-kit.server';

/**
 * The channel manager's actions that take something away from a partner (withdraw an offer,
 * withdraw and re-route, take an accepted lead back), each confirmed on a page of its own: what
 * the page says will happen, and the act itself, which changes nothing when the page was stale.
 */

export type WithdrawalKind = 'withdraw' | 'reroute';

interface LeadHead {
  id: number;
  need: string;
  status: string;
}

export interface WithdrawalPreview {
  opportunity: LeadHead;
  /** The offer the page would withdraw; null when there is none pending (a stale link). */
  pendingOffer: { id: number; partnerName: string; expiresAt: string } | null;
  /** Why there is nothing to withdraw, in words; null when there is. */
  stale: string | null;
  /** Only for re-route: where the lead would go. */
  next: NextInRouting | null;
}

export interface TakeBackPreview {
  opportunity: LeadHead;
  customerName: string;
  holder: { partnerId: number; partnerName: string } | null;
  stale: string | null;
  next: NextInRouting | null;
}

/** What the opportunity's last offer became, said of a page that still showed it pending. */
const OFFER_ENDED: Record<string, string> = {
  accepted: 'The partner accepted the offer meanwhile',
  declined: 'The partner declined the offer meanwhile',
  expired: 'The offer expired meanwhile',
  withdrawn: 'The offer was already withdrawn',
};

async function leadHead(db: Database, opportunityId: number) {
  const [row] = await db
    .select({
      id: opportunities.id,
      need: opportunities.need,
      status: opportunities.status,
      acceptedPartnerId: opportunities.acceptedPartnerId,
      customerName: customers.name,
    })
    .from(opportunities)
    .innerJoin(customers, eq(customers.id, opportunities.customerId))
    .where(eq(opportunities.id, opportunityId));
  return row ?? null;
}

/** Null when there is no such opportunity. */
export async function withdrawalPreview(
  db: Database,
  input: { opportunityId: number; kind: WithdrawalKind; now: Date },
): Promise<WithdrawalPreview | null> {
  const head = await leadHead(db, input.opportunityId);
  if (!head) return null;
  const [latest] = await db
    .select({
      id: offers.id,
      status: offers.status,
      expiresAt: offers.expiresAt,
      partnerName: partners.name,
    })
    .from(offers)
    .innerJoin(partners, eq(partners.id, offers.partnerId))
    .where(eq(offers.opportunityId, input.opportunityId))
    .orderBy(desc(offers.round))
    .limit(1);
  const opportunity = { id: head.id, need: head.need, status: head.status };
  if (!latest || latest.status !== 'pending') {
    const why = latest ? OFFER_ENDED[latest.status] : 'This lead has never been offered to a partner';
    return {
      opportunity,
      pendingOffer: null,
      stale: `${why ?? 'The offer is no longer pending'}, so there is no offer to withdraw. Nothing was changed.`,
      next: null,
    };
  }
  return {
    opportunity,
    pendingOffer: {
      id: latest.id,
      partnerName: latest.partnerName,
      expiresAt: latest.expiresAt.toISOString(),
    },
    stale: null,
    next: input.kind === 'reroute' ? await nextInRouting(db, input.opportunityId, input.now) : null,
  };
}

/** Null when there is no such opportunity. */
export async function takeBackPreview(
  db: Database,
  input: { opportunityId: number; now: Date },
): Promise<TakeBackPreview | null> {
  const head = await leadHead(db, input.opportunityId);
  if (!head) return null;
  const opportunity = { id: head.id, need: head.need, status: head.status };
  const held =
    (TAKE_BACK_STATUSES as readonly string[]).includes(head.status) && head.acceptedPartnerId !== null;
  if (!held) {
    return {
      opportunity,
      customerName: head.customerName,
      holder: null,
      stale: 'No partner is working this lead now, so there is nothing to take back. Nothing was changed.',
      next: null,
    };
  }
  const [holder] = await db
    .select({ partnerId: partners.id, partnerName: partners.name })
    .from(partners)
    .where(and(eq(partners.id, head.acceptedPartnerId!)));
  return {
    opportunity,
    customerName: head.customerName,
    holder: holder ?? null,
    stale: null,
    next: await nextInRouting(db, input.opportunityId, input.now),
  };
}

const offerIdField = z.coerce
  .number({ error: 'This form names no offer; go back to the lead and start again.' })
  .int('This form names no offer; go back to the lead and start again.')
  .positive('This form names no offer; go back to the lead and start again.')
  .max(2_147_483_647, 'This form names no offer; go back to the lead and start again.');

const partnerIdField = z.coerce
  .number({ error: 'This form names no partner; go back to the lead and start again.' })
  .int('This form names no partner; go back to the lead and start again.')
  .positive('This form names no partner; go back to the lead and start again.')
  .max(2_147_483_647, 'This form names no partner; go back to the lead and start again.');

export type SafeActionResult =
  { ok: true } | { ok: false; status: number; formError: string | null; fieldErrors: Record<string, string> };

const refused = (status: number, formError: string | null, fieldErrors: Record<string, string> = {}) =>
  ({ ok: false, status, formError, fieldErrors }) as const;

/**
 * Withdraws the offer the confirmation page showed, and with `reroute` sends the lead on to the
 * next partner. Another offer pending by now (the page is stale) is not touched.
 */
export async function confirmWithdrawal(
  deps: LoopDeps,
  input: { opportunityId: number; kind: WithdrawalKind; userId: number; fields: Record<string, unknown> },
): Promise<SafeActionResult> {
  const parsed = offerIdField.safeParse(input.fields.offerId);
  if (!parsed.success) return refused(400, parsed.error.issues[0]!.message);
  const [offer] = await deps.db
    .select({ status: offers.status })
    .from(offers)
    .where(and(eq(offers.id, parsed.data), eq(offers.opportunityId, input.opportunityId)));
  if (!offer)
    return refused(400, 'This offer is not one of this lead’s; go back to the lead and start again.');
  try {
    await withdraw(deps, { offerId: parsed.data, userId: input.userId, reroute: input.kind === 'reroute' });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const ended = OFFER_ENDED[offer.status];
    return refused(
      domainErrorStatus(error),
      ended ? `${ended}, so it was not withdrawn. Nothing was changed.` : error.message,
    );
  }
  return { ok: true };
}

/**
 * Takes the lead back from the partner the confirmation page named, with the manager's reason,
 * and routes it on. Another partner holding it by now (the page is stale) keeps it.
 */
export async function confirmTakeBack(
  deps: LoopDeps,
  input: { opportunityId: number; userId: number; fields: Record<string, unknown> },
): Promise<SafeActionResult> {
  const partnerId = partnerIdField.safeParse(input.fields.partnerId);
  if (!partnerId.success) return refused(400, partnerId.error.issues[0]!.message);
  const reason = takeBackReasonSchema.safeParse(input.fields.reason);
  if (!reason.success) return refused(400, null, { reason: reason.error.issues[0]!.message });
  try {
    await takeBackAndReroute(deps, {
      opportunityId: input.opportunityId,
      userId: input.userId,
      reason: reason.data,
      expectedPartnerId: partnerId.data,
    });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return refused(domainErrorStatus(error), `${error.message} Nothing was changed.`);
  }
  return { ok: true };
}
