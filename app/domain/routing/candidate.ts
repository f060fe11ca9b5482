/** What routing knows about a partner when it weighs it for one opportunity. */
export interface Candidate {
  id: number;
  tier: 'platinum' | 'gold' | 'silver' | 'registered';
  status: 'active' | 'suspended' | 'inactive';
  countries: string[];
  industries: string[];
  sizeSegments: string[];
  productLines: string[];
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
