import type { PartnerScope } from '../partner-scope';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database, Executor } from '../../../db/client';
import { campaignPartners, campaigns, customers, offers, opportunities, partners } from '../../../db/schema';
import { newCustomerRecordSchema } from '../customers/records.server';
import { asciiFormOf } from '../customers/web-domain';
import type { Clock } from '../clock';
import { deadlineFor } from '../offers/deadline';
import { DomainError, invalidInput, notFound } from '../errors';
import { recordEvent, recordNotifications } from '../side-effects.server';
import type { ScoreBreakdown } from '../routing/scoring';
import { WEIGHT_KEYS } from '../routing/settings';
import { loadRoutingSettings } from '../routing/settings.server';
import { inTransaction, type Tx } from '../transaction.server';
import { newOpportunitySchema } from './create-opportunity.server';

/**
 * The one thing a registering partner learns about a conflict. Never by whom, never what the
 * other partner's lead is about: who works which account is the vendor's to know.
 */
export const CONFLICT_NOTICE = 'This account is already being worked; a channel manager will decide.';

/** The customer of a registration: one of the company's own records, or a new one it owns. */
const registrationCustomerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('existing'), customerId: z.number().int().positive() }),
  newCustomerRecordSchema.omit({ revenuePotential: true, address: true }).extend({ kind: z.literal('new') }),
]);

export const registrationInputSchema = newOpportunitySchema
  .pick({ need: true, productLine: true, valueMinor: true, currency: true })
  .extend({
    customer: registrationCustomerSchema,
    campaignId: z.number().int().positive().nullable().default(null),
  });
export type RegistrationInput = z.input<typeof registrationInputSchema>;

/** What registering returns to the partner: its opportunity and whether it is contested, no more. */
export interface RegistrationAnswer {
  opportunityId: number;
  conflict: boolean;
}

/**
 * Partners other than `exceptPartnerId` that work this customer now: they hold an open lead or a
 * pending offer for an opportunity of this customer, or of another live record with the same
 * normalised domain (the same company typed twice, "https://www.x.example" and "x.example").
 * For the vendor's eyes only: callers acting for a partner may use the count, never the rows.
 */
export async function partnersWorkingCustomer(
  executor: Executor,
  { customerId, exceptPartnerId }: { customerId: number; exceptPartnerId: number },
): Promise<{ id: number; name: string }[]> {
  const rows = await executor.execute<{ id: number; name: string }>(sql`
    WITH related AS (
      SELECT t.id FROM customers t WHERE t.id = ${customerId}
      UNION
      SELECT c.id FROM customers t
        JOIN customers c ON c.domain_key = t.domain_key AND c.merged_into_id IS NULL
      WHERE t.id = ${customerId} AND t.domain_key IS NOT NULL
    ), working AS (
      SELECT o.accepted_partner_id AS partner_id
      FROM opportunities o
      WHERE o.customer_id IN (SELECT id FROM related)
        AND o.status IN ('accepted', 'contacted', 'proposal')
      UNION
      SELECT f.partner_id
      FROM opportunities o JOIN offers f ON f.opportunity_id = o.id AND f.status = 'pending'
      WHERE o.customer_id IN (SELECT id FROM related)
    )
    SELECT p.id, p.name FROM partners p JOIN working w ON w.partner_id = p.id
    WHERE p.id <> ${exceptPartnerId}
    ORDER BY p.name, p.id`);
  return [...rows].map((r) => ({ id: Number(r.id), name: String(r.name) }));
}

/** The first problem, named by its path: `need`, `customer.country`, … */
function firstIssue(error: z.ZodError): DomainError {
  const issue = error.issues[0]!;
  return invalidInput(issue.path.length > 0 ? issue.path.join('.') : 'input', issue.message);
}

/**
 * A partner user registers an opportunity for its own customer. It waits, `registered`, for a
 * channel manager; when another partner already works the customer it is flagged, and the
 * partner is told only that (see CONFLICT_NOTICE).
 */
export async function registerOpportunity(
  db: Database,
  scope: PartnerScope,
  userId: number,
  input: RegistrationInput,
  clock: Clock,
): Promise<RegistrationAnswer> {
  const parsed = registrationInputSchema.safeParse(input);
  if (!parsed.success) throw firstIssue(parsed.error);
  const data = parsed.data;
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const customer = await ownCustomer(tx, scope, userId, data.customer, now);
    if (data.campaignId !== null) await requireJoinedCampaign(tx, scope, data.campaignId);
    const conflict =
      (await partnersWorkingCustomer(tx, { customerId: customer.id, exceptPartnerId: scope.partnerId }))
        .length > 0;
    const [row] = await tx
      .insert(opportunities)
      .values({
        customerId: customer.id,
        need: data.need,
        productLine: data.productLine,
        valueMinor: data.valueMinor,
        currency: data.currency,
        country: customer.country,
        industry: customer.industry,
        sizeSegment: customer.sizeSegment,
        source: 'partner_registration',
        campaignId: data.campaignId,
        status: 'registered',
        registeredByPartnerId: scope.partnerId,
        registrationConflict: conflict,
        createdByUserId: userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: opportunities.id });
    const opportunityId = row!.id;
    await recordEvent(tx, {
      opportunityId,
      kind: 'registered',
      at: now,
      partnerId: scope.partnerId,
      actorUserId: userId,
      detail: { conflict },
    });
    await recordNotifications(tx, [
      {
        kind: 'registration_submitted',
        audience: 'channel_managers',
        dedupeKey: `registration-submitted-${opportunityId}`,
        createdAt: now,
        partnerId: scope.partnerId,
        opportunityId,
        payload: { conflict },
      },
    ]);
    return { opportunityId, conflict };
  });
}

type CustomerChoice = z.output<typeof registrationCustomerSchema>;

async function ownCustomer(tx: Tx, scope: PartnerScope, userId: number, choice: CustomerChoice, now: Date) {
  if (choice.kind === 'existing') {
    const [customer] = await tx
      .select()
      .from(customers)
      .where(
        and(
          eq(customers.id, choice.customerId),
          eq(customers.ownerPartnerId, scope.partnerId),
          isNull(customers.mergedIntoId),
        ),
      );
    // Another company's record answers exactly like a missing one.
    if (!customer) throw invalidInput('customerId', "choose one of your company's customers");
    return customer;
  }
  const [customer] = await tx
    .insert(customers)
    .values({
      name: choice.name,
      domain: choice.domain ?? null,
      domainAscii: asciiFormOf(choice.domain),
      country: choice.country,
      industry: choice.industry,
      sizeSegment: choice.sizeSegment,
      ownerPartnerId: scope.partnerId,
      createdByUserId: userId,
      createdAt: now,
    })
    .returning();
  return customer!;
}

async function requireJoinedCampaign(tx: Tx, scope: PartnerScope, campaignId: number) {
  const [row] = await tx
    .select({ status: campaigns.status })
    .from(campaignPartners)
    .innerJoin(campaigns, eq(campaigns.id, campaignPartners.campaignId))
    .where(
      and(
        eq(campaignPartners.campaignId, campaignId),
        eq(campaignPartners.partnerId, scope.partnerId),
        eq(campaignPartners.status, 'joined'),
      ),
    );
  if (!row || row.status === 'completed') {
    throw invalidInput('campaignId', 'choose a running campaign your company joined, or none');
  }
}

export interface DecisionInput {
  opportunityId: number;
  /** The channel manager deciding. */
  userId: number;
}

/** Why a decision found no registration waiting: missing, not a registration, or decided. */
async function whyNotWaiting(executor: Executor, opportunityId: number): Promise<DomainError> {
  const [row] = await executor
    .select({ status: opportunities.status, registeredBy: opportunities.registeredByPartnerId })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId));
  if (!row || row.registeredBy === null) return notFound('Registration', opportunityId);
  const outcome = row.status === 'registration_declined' ? 'declined' : 'approved';
  return new DomainError(
    'invalid_input',
    `Registration ${opportunityId} was already ${outcome}; a registration is decided once.`,
    'decision',
  );
}

/** Each factor scored nothing: the lead was the partner's own, not chosen by routing. */
export const ZERO_BREAKDOWN: ScoreBreakdown = Object.fromEntries(
  WEIGHT_KEYS.map((key) => [key, { fit: 0, points: 0 }]),
) as ScoreBreakdown;

/**
 * The registration becomes the registering partner's accepted lead. The lead then looks like
 * any accepted lead to the rest of Baton: an accepted offer of round 1 (made and answered at
 * once, by the manager's hand) with its `offered` and `accepted` events, and one more unit of
 * the partner's open load, so every invariant of check:invariants holds.
 */
export async function approveRegistration(db: Database, input: DecisionInput, clock: Clock) {
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [opportunity] = await tx
      .update(opportunities)
      .set({
        status: 'accepted',
        acceptedPartnerId: sql`${opportunities.registeredByPartnerId}`,
        rounds: 1,
        updatedAt: now,
      })
      .where(
        and(
          eq(opportunities.id, input.opportunityId),
          eq(opportunities.status, 'registered'),
          sql`${opportunities.registeredByPartnerId} IS NOT NULL`,
        ),
      )
      .returning({
        id: opportunities.id,
        partnerId: opportunities.registeredByPartnerId,
        registeredByUserId: opportunities.createdByUserId,
      });
    if (!opportunity) throw await whyNotWaiting(tx, input.opportunityId);
    const partnerId = opportunity.partnerId!;

    const settings = await loadRoutingSettings(tx);
    const expiresAt = deadlineFor(now, { hours: settings.windowHours });
    const [offer] = await tx
      .insert(offers)
      .values({
        opportunityId: opportunity.id,
        partnerId,
        round: 1,
        status: 'accepted',
        offeredAt: now,
        expiresAt,
        respondedAt: now,
        respondedByUserId: opportunity.registeredByUserId,
        reminderOffsetsHours: [],
        score: 0,
        scoreBreakdown: ZERO_BREAKDOWN,
        offeredByUserId: input.userId,
      })
      .returning({ id: offers.id });
    const offerId = offer!.id;
    // The lead takes a unit of capacity like any accepted lead; a manager may go past the limit.
    await tx
      .update(partners)
      .set({ openLoad: sql`${partners.openLoad} + 1` })
      .where(eq(partners.id, partnerId));

    // One after the other, so the timeline's ids keep this order.
    await recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'registration_approved',
      at: now,
      partnerId,
      actorUserId: input.userId,
    });
    await recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'offered',
      at: now,
      offerId,
      partnerId,
      actorUserId: input.userId,
      detail: { round: 1, score: 0, expiresAt: expiresAt.toISOString(), byHand: true, registration: true },
    });
    await recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'accepted',
      at: now,
      offerId,
      partnerId,
      actorUserId: opportunity.registeredByUserId,
    });
    await recordNotifications(tx, [
      {
        kind: 'registration_decided',
        audience: 'partner',
        dedupeKey: `registration-decided-${opportunity.id}`,
        createdAt: now,
        partnerId,
        opportunityId: opportunity.id,
        offerId,
        payload: { decision: 'approved' },
      },
    ]);
    return { opportunityId: opportunity.id, partnerId, offerId };
  });
}

export const declineReasonSchema = z
  .string({ error: 'Say why the registration is declined.' })
  .trim()
  .min(3, 'Say why the registration is declined, in a few words.')
  .max(1000, 'At most 1000 characters.');

/** The registration is turned down; the partner is told the reason. */
export async function declineRegistration(
  db: Database,
  input: DecisionInput & { reason: unknown },
  clock: Clock,
) {
  const reason = declineReasonSchema.safeParse(input.reason);
  if (!reason.success) throw invalidInput('reason', reason.error.issues[0]!.message);
  return inTransaction(db, async (tx) => {
    const now = clock.now();
    const [opportunity] = await tx
      .update(opportunities)
      .set({ status: 'registration_declined', updatedAt: now })
      .where(
        and(
          eq(opportunities.id, input.opportunityId),
          eq(opportunities.status, 'registered'),
          sql`${opportunities.registeredByPartnerId} IS NOT NULL`,
        ),
      )
      .returning({ id: opportunities.id, partnerId: opportunities.registeredByPartnerId });
    if (!opportunity) throw await whyNotWaiting(tx, input.opportunityId);
    const partnerId = opportunity.partnerId!;
    await recordEvent(tx, {
      opportunityId: opportunity.id,
      kind: 'registration_declined',
      at: now,
      partnerId,
      actorUserId: input.userId,
      detail: { reason: reason.data },
    });
    await recordNotifications(tx, [
      {
        kind: 'registration_decided',
        audience: 'partner',
        dedupeKey: `registration-decided-${opportunity.id}`,
        createdAt: now,
        partnerId,
        opportunityId: opportunity.id,
        payload: { decision: 'declined', reason: reason.data },
      },
    ]);
    return { opportunityId: opportunity.id, partnerId };
  });
}
