/**
 * What each email says, as data. The worker fills these from Postgres at send time; the
 * templates beside this file turn one into a subject, an HTML part and a plain-text part.
 * No message carries a customer's name, domain or contacts: email leaves our control, and a
 * partner that has not accepted a lead must never learn whose it is.
 */

export interface Recipient {
  name: string;
  email: string;
  /** IANA zone, e.g. Europe/Berlin: every time in the email is shown in it. */
  timezone: string;
}

/** The lead card a partner sees before accepting: never the customer's identity. */
export interface LeadCard {
  opportunityId: number;
  need: string;
  productLine: string;
  /** Already worded, e.g. "EUR 50k–100k". */
  valueBand: string;
  /** ISO 3166 alpha-2. */
  country: string;
  industry: string;
  sizeSegment: string;
  campaignName: string | null;
}

/** What a channel manager or coordinator sees of an opportunity in email. */
export interface OpportunitySummary {
  opportunityId: number;
  need: string;
  productLine: string;
  country: string;
  /** Already formatted, e.g. "EUR 12,500.00". */
  value: string;
  campaignName: string | null;
}

export interface OfferLinks {
  /** The portal's offer page. */
  offerUrl: string;
  /** Signed one-click links: they open a confirmation page, never act by themselves. */
  acceptUrl: string;
  declineUrl: string;
}

/** A joint campaign as its invitation describes it; targets are codes and slugs, worded by the template. */
export interface CampaignInvitation {
  campaignId: number;
  name: string;
  goal: string;
  /** Calendar days, YYYY-MM-DD; null when not set. */
  startsOn: string | null;
  endsOn: string | null;
  countries: string[];
  industries: string[];
  sizeSegments: string[];
  productLines: string[];
}

export type EmailMessage =
  | {
      kind: 'offer_new';
      recipient: Recipient;
      partnerName: string;
      lead: LeadCard;
      expiresAt: Date;
      links: OfferLinks;
    }
  | {
      kind: 'offer_reminder';
      recipient: Recipient;
      partnerName: string;
      lead: LeadCard;
      expiresAt: Date;
      /** The reminder offset that fired, e.g. 24 or 4. */
      hoursBefore: number;
      links: OfferLinks;
    }
  | { kind: 'offer_expired'; recipient: Recipient; lead: LeadCard; expiredAt: Date }
  | {
      kind: 'offer_extended';
      recipient: Recipient;
      partnerName: string;
      lead: LeadCard;
      /** The new deadline. */
      expiresAt: Date;
      /** Fresh links: those of earlier emails carry the old deadline and stop working at it. */
      links: OfferLinks;
    }
  | {
      kind: 'lead_taken_back';
      recipient: Recipient;
      partnerName: string;
      lead: LeadCard;
      takenBackAt: Date;
      /** As the channel manager typed it. */
      reason: string;
    }
  | { kind: 'offer_withdrawn'; recipient: Recipient; lead: LeadCard; withdrawnAt: Date }
  | {
      kind: 'offer_accepted';
      recipient: Recipient;
      lead: LeadCard;
      acceptedAt: Date;
      /** My leads page of the accepted opportunity, where the customer record opens. */
      leadUrl: string;
    }
  | {
      kind: 'offer_declined';
      recipient: Recipient;
      lead: LeadCard;
      declinedAt: Date;
      /** Already worded, e.g. "No capacity". */
      reasonLabel: string;
    }
  | {
      kind: 'opportunity_unroutable';
      recipient: Recipient;
      opportunity: OpportunitySummary;
      /** Already worded, e.g. "No eligible partner left". */
      reasonLabel: string;
      at: Date;
      opportunityUrl: string;
    }
  | {
      kind: 'lead_accepted';
      recipient: Recipient;
      opportunity: OpportunitySummary;
      partnerName: string;
      acceptedAt: Date;
      /** True for the campaign's coordinator: the email is worded about the campaign. */
      forCoordinator: boolean;
      opportunityUrl: string;
    }
  // Deal registration. Neither message ever names a partner other than the registering one:
  // who else works an account is for the manager's page, not for email.
  | {
      kind: 'registration_submitted';
      recipient: Recipient;
      opportunity: OpportunitySummary;
      /** The partner that registered it. */
      partnerName: string;
      /** Another partner already works this customer: the manager must decide between them. */
      conflict: boolean;
      registeredAt: Date;
      /** The managers' registrations page. */
      registrationsUrl: string;
    }
  | {
      kind: 'registration_decided';
      recipient: Recipient;
      opportunity: OpportunitySummary;
      decidedAt: Date;
      decision:
        | {
            outcome: 'approved';
            /** My leads page of the new lead. */
            leadUrl: string;
          }
        | {
            outcome: 'declined';
            /** As the channel manager typed it. */
            reason: string;
            registrationUrl: string;
          };
    }
  | {
      kind: 'daily_digest';
      recipient: Recipient;
      /** The digest's moment; the email shows its date in the recipient's zone. */
      at: Date;
      pending: number;
      expiringSoon: number;
      unroutable: number;
      acceptedLastDay: number;
      queueUrl: string;
      /** Link to the page where a manager changes their email choices. */
      preferencesUrl: string;
    }
  | {
      kind: 'password_reset';
      recipient: Recipient;
      resetUrl: string;
      expiresAt: Date;
    }
  | {
      kind: 'sign_in_link';
      recipient: Recipient;
      /** Opens a page whose button signs in: opening it alone does nothing. */
      signInUrl: string;
      expiresAt: Date;
    }
  | {
      kind: 'campaign_invitation';
      /** A partner admin: they answer for the company. */
      recipient: Recipient;
      partnerName: string;
      campaign: CampaignInvitation;
      /** The campaign's page, where the signed-in admin can also join or decline. */
      campaignUrl: string;
      /** Signed one-click links: they open a confirmation page, never act by themselves. */
      joinUrl: string;
      declineUrl: string;
    };

export type EmailKind = EmailMessage['kind'];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}
