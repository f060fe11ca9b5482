/** A partner's state and running figures, as routing reads them. */
export interface PartnerFigures {
  id: number;
  tier: 'platinum' | 'gold' | 'silver' | 'registered';
  status: 'active' | 'suspended' | 'inactive';
  maxOpen: number;
  openLoad: number;
  pausedUntil: Date | null;
  lastOfferedAt: Date | null;
  offersAnswered: number;
  offersAccepted: number;
  offersExpired: number;
  responseMsTotal: number;
  leadsWon: number;
  leadsClosed: number;
}

/**
 * What routing knows about a partner when it weighs it for one opportunity: the partner's own
 * figures, and facts about the pair (does it cover the country, sell the product line…).
 */
export interface Candidate extends PartnerFigures {
  /** Covers the opportunity's country at all. */
  coversCountry: boolean;
  /** The opportunity's country is the partner's first, its home territory. */
  homeTerritory: boolean;
  sellsProductLine: boolean;
  servesIndustry: boolean;
  servesSegment: boolean;
  /** Joined the opportunity's campaign. */
  inCampaign: boolean;
  /** Already holds an accepted opportunity of the same customer. */
  hasRelationship: boolean;
}

/** The parts of an opportunity that routing reads. */
export interface RoutingTarget {
  country: string;
  productLine: string;
  industry: string;
  sizeSegment: string;
}
