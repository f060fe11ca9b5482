import type { Database } from '../../../db/client';
import { windowMs } from '../offers/deadline';
import { offerChoices, type OfferChoices } from './offer-choices';
import { candidateOf, partnerDirectoryOf } from './partner-directory.server';
import { loadRoutingContexts, type RoutableOpportunity } from './routing-context.server';
import type { RoutingPreference } from './scoring';
import type { RoutingSettings } from './settings';

export interface LeadOfferChoices extends OfferChoices {
  opportunity: RoutableOpportunity;
  settings: RoutingSettings;
  preference: RoutingPreference;
  /** Partners that have held a lead of this customer (routing offers them the lead first). */
  related: ReadonlySet<number>;
  alreadyOffered: ReadonlySet<number>;
}

/**
 * Every active partner for one lead as routing sees it now: the eligible ones in routing's
 * order, the rest with routing's reasons. Read from the same context and partner directory as
 * a routing decision. Null when there is no such lead.
 */
export async function loadOfferChoices(
  db: Database,
  opportunityId: number,
  now: Date,
  runnersUpShown: number,
): Promise<LeadOfferChoices | null> {
  const { settings, directoryVersion, leads } = await loadRoutingContexts(db, [opportunityId]);
  const lead = leads[0];
  if (!lead) return null;
  const { opportunity, related, joined, alreadyOffered, preference } = lead;
  const partners = (await partnerDirectoryOf(db).all(directoryVersion)).map((partner) =>
    candidateOf(partner, opportunity, {
      inCampaign: joined.has(partner.id),
      hasRelationship: related.has(partner.id),
    }),
  );
  const choices = offerChoices({
    partners,
    now,
    alreadyOffered,
    rounds: { used: opportunity.rounds, limit: settings.roundLimit },
    weights: settings.weights,
    windowMs: windowMs(settings),
    preference,
    runnersUpShown,
  });
  return { ...choices, opportunity, settings, preference, related, alreadyOffered };
}
