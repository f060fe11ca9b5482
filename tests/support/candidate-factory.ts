import type { Candidate } from '../../app/domain/routing/candidate';

/**
 * An active gold partner with room, covering the lead's country and selling its product line,
 * with no history and no special tie to the lead: override what a test is about.
 */
export function candidate(overrides: Partial<Candidate> = {}): Candidate {
  return {
    id: 1,
    tier: 'gold',
    status: 'active',
    maxOpen: 10,
    openLoad: 0,
    pausedUntil: null,
    lastOfferedAt: null,
    offersAnswered: 0,
    offersAccepted: 0,
    offersExpired: 0,
    responseMsTotal: 0,
    leadsWon: 0,
    leadsClosed: 0,
    coversCountry: true,
    homeTerritory: false,
    sellsProductLine: true,
    servesIndustry: false,
    servesSegment: false,
    inCampaign: false,
    hasRelationship: false,
    ...overrides,
  };
}
