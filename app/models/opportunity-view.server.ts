import { formatUtc } from '../components/countdown';
import { LOST_REASON_LABELS, type LostReason } from '../domain/leads/lead-progress.server';
import { formatMoney } from '../domain/money';
import { declineReasonLabel, unroutableReasonLabel } from '../domain/offers/reason-labels';
import { overrideSentence, skipReasonSentence, type SkipFacts } from '../domain/routing/skip-reason-words';
import type { DECLINE_REASONS } from '../../db/enums';
import type { OpportunityPage } from './opportunity-page.server';

/** The opportunity page as the browser receives it: dates as ISO strings, events in words. */
export function opportunityView(page: OpportunityPage, now: Date) {
  const o = page.opportunity;
  const facts = (partner?: { openLoad: number; maxOpen: number; pausedUntil: Date | null }): SkipFacts => ({
    country: o.country,
    productLine: o.productLine,
    roundLimit: page.roundLimit,
    openLoad: partner?.openLoad ?? 0,
    maxOpen: partner?.maxOpen ?? 0,
    pausedUntil: partner?.pausedUntil ? formatUtc(partner.pausedUntil.toISOString()) : null,
  });
  const lostReason = o.lostReason ? (LOST_REASON_LABELS[o.lostReason as LostReason] ?? o.lostReason) : null;
  return {
    now: now.toISOString(),
    opportunity: {
      id: o.id,
      need: o.need,
      productLine: o.productLine,
      value: formatMoney(o.valueMinor, o.currency),
      country: o.country,
      industry: o.industry,
      sizeSegment: o.sizeSegment,
      source: o.source,
      status: o.status,
      rounds: o.rounds,
      unroutableReason: o.unroutableReason ? unroutableReasonLabel(o.unroutableReason) : null,
      createdAt: o.createdAt.toISOString(),
      campaignName: page.campaignName,
      acceptedPartnerName: page.acceptedPartnerName,
      wonValue:
        o.status === 'won' && o.wonValueMinor !== null ? formatMoney(o.wonValueMinor, o.currency) : null,
      lostReason: o.status === 'lost' ? lostReason : null,
    },
    roundLimit: page.roundLimit,
    customer: {
      name: page.customer.name,
      domain: page.customer.domain,
      country: page.customer.country,
      industry: page.customer.industry,
      sizeSegment: page.customer.sizeSegment,
      revenuePotential: page.customer.revenuePotential,
    },
    timeline: page.timeline.map((event) => ({
      id: event.id,
      at: event.at.toISOString(),
      kind: event.kind,
      who: event.actorName ?? (event.kind === 'declined' || event.kind === 'accepted' ? null : 'Baton'),
      what: describeEvent(event, o.currency),
    })),
    offers: page.offers.map((offer) => ({
      id: offer.id,
      round: offer.round,
      status: offer.status,
      partnerName: offer.partnerName,
      score: offer.score,
      byHand: offer.byHand !== null,
      offeredAt: offer.offeredAt.toISOString(),
      expiresAt: offer.expiresAt.toISOString(),
      respondedAt: offer.respondedAt?.toISOString() ?? null,
    })),
    lastOffer: page.lastOffer && {
      id: page.lastOffer.id,
      partnerName: page.lastOffer.partnerName,
      status: page.lastOffer.status,
      round: page.lastOffer.round,
      score: page.lastOffer.score,
      byHand: page.lastOffer.byHand !== null,
      offeredByName: page.lastOffer.offeredByName,
      override: overrideSentence(page.lastOffer.overriddenRules, page.lastOffer.overrideReason),
      reasons: page.lastOffer.reasons,
    },
    pendingOffer: page.pendingOffer && {
      id: page.pendingOffer.id,
      partnerName: page.pendingOffer.partnerName,
      expiresAt: page.pendingOffer.expiresAt.toISOString(),
    },
    runnersUp: page.runnersUp,
    roundsLeft: page.roundsLeft,
    relationshipNotes: page.relationshipPartners.map((p) =>
      p.skipped === null
        ? `${p.name} already works with this customer, so routing offers it this lead before anyone else.`
        : `${p.name} already works with this customer, but routing skips it for this lead. ${p.skipped
            .map((reason) => skipReasonSentence(reason, facts()))
            .join(' ')}`,
    ),
    joinedPartnersFirst: page.joinedPartnersFirst,
    canOfferByHand: page.canOfferByHand,
    partnerChoices: {
      eligible: page.partnerChoices.eligible.map((p) => ({
        partnerId: p.partnerId,
        label: `${p.name}: score ${p.score}.`,
      })),
      skipped: page.partnerChoices.skipped.map((p) => ({
        partnerId: p.partnerId,
        overridable: p.overridable,
        label: `${p.name}: ${p.reasons.map((reason) => skipReasonSentence(reason, facts(p))).join(' ')}`,
      })),
    },
  };
}

type TimelineEvent = OpportunityPage['timeline'][number];

/** One line of the timeline, in words; amounts in the lead's currency. */
export function describeEvent(event: TimelineEvent, currency: string): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const partner = event.partnerName ?? 'a partner';
  switch (event.kind) {
    case 'created':
      return `Lead created (source: ${String(detail.source ?? 'form')}).`;
    case 'offered': {
      const round = typeof detail.round === 'number' ? ` in round ${detail.round}` : '';
      const score = typeof detail.score === 'number' ? `, score ${detail.score}` : '';
      const deadline =
        typeof detail.expiresAt === 'string' ? `; answer due ${formatUtc(detail.expiresAt)}` : '';
      const line = `${detail.byHand ? 'Offered by hand' : 'Offered'} to ${partner}${round}${score}${deadline}.`;
      const rules = Array.isArray(detail.overriddenRules) ? detail.overriddenRules.map(String) : [];
      const reason = typeof detail.overrideReason === 'string' ? detail.overrideReason : null;
      const override = overrideSentence(rules, reason);
      return override ? `${line} ${override}` : line;
    }
    case 'accepted':
      return `${partner} accepted the lead.`;
    case 'declined': {
      const reason = declineReasonLabel((detail.reason ?? null) as (typeof DECLINE_REASONS)[number] | null);
      const note = typeof detail.note === 'string' && detail.note ? ` (“${detail.note}”)` : '';
      return `${partner} declined: ${reason}${note}.`;
    }
    case 'expired':
      return `The offer to ${partner} expired without an answer.`;
    case 'withdrawn':
      return detail.reroute
        ? `The offer to ${partner} was withdrawn to route the lead again.`
        : `The offer to ${partner} was withdrawn; the lead left routing.`;
    case 'unroutable':
      return `Marked unroutable: ${unroutableReasonLabel(typeof detail.reason === 'string' ? detail.reason : null)}.`;
    case 'deadline_extended':
      return typeof detail.to === 'string'
        ? `The deadline of ${partner}’s offer was moved to ${formatUtc(detail.to)}.`
        : `The deadline of ${partner}’s offer was extended.`;
    case 'status_changed': {
      if (detail.to === 'won') {
        return typeof detail.wonValueMinor === 'number'
          ? `${partner} won the lead, for ${formatMoney(detail.wonValueMinor, currency)}.`
          : `${partner} won the lead.`;
      }
      if (detail.to === 'lost') {
        const label =
          typeof detail.lostReason === 'string'
            ? (LOST_REASON_LABELS[detail.lostReason as LostReason] ?? detail.lostReason)
            : null;
        const note = typeof detail.lostNote === 'string' && detail.lostNote ? ` (“${detail.lostNote}”)` : '';
        return label ? `${partner} lost the lead: ${label}${note}.` : `${partner} lost the lead.`;
      }
      return typeof detail.to === 'string'
        ? `${partner} moved the lead to “${detail.to}”.`
        : `${partner} updated the lead.`;
    }
    case 'customer_merged':
      return typeof detail.from === 'number' && typeof detail.into === 'number'
        ? `Customer record #${detail.from} was merged into #${detail.into}.`
        : 'The customer record was merged with a duplicate.';
    case 'registered':
      return `${partner} registered this opportunity${detail.conflict ? '; another partner already works this customer' : ''}.`;
    case 'registration_approved':
      return `The registration by ${partner} was approved: the lead is theirs.`;
    case 'registration_declined':
      return `The registration by ${partner} was declined${typeof detail.reason === 'string' && detail.reason ? `: ${detail.reason}` : ''}.`;
    case 'lead_taken_back':
      return `The lead was taken back from ${partner}${typeof detail.reason === 'string' && detail.reason ? `: ${detail.reason}` : ''}.`;
  }
}
