import type { EmailMessage, RenderedEmail } from './messages';
import { renderCampaignInvitation } from './campaign-invitation';
import { renderDailyDigest } from './daily-digest';
import { renderLeadAccepted } from './lead-accepted';
import { renderOfferAccepted } from './offer-accepted';
import { renderOfferDeclined } from './offer-declined';
import { renderLeadTakenBack } from './lead-taken-back';
import { renderOfferExpired } from './offer-expired';
import { renderOfferExtended } from './offer-extended';
import { renderOfferNew } from './offer-new';
import { renderOfferReminder } from './offer-reminder';
import { renderOfferWithdrawn } from './offer-withdrawn';
import { renderOpportunityUnroutable } from './opportunity-unroutable';
import { renderPasswordReset } from './password-reset';
import { renderRegistrationDecided } from './registration-decided';
import { renderRegistrationSubmitted } from './registration-submitted';
import { renderSignInLink } from './sign-in-link';

/**
 * One message, one email. Throws on a link that is not http(s) or a date or count that cannot
 * be printed: such a message is a bug upstream, and sending it would only hide that.
 */
export function renderEmail(message: EmailMessage): RenderedEmail {
  switch (message.kind) {
    case 'offer_new':
      return renderOfferNew(message);
    case 'offer_reminder':
      return renderOfferReminder(message);
    case 'offer_expired':
      return renderOfferExpired(message);
    case 'offer_withdrawn':
      return renderOfferWithdrawn(message);
    case 'offer_extended':
      return renderOfferExtended(message);
    case 'lead_taken_back':
      return renderLeadTakenBack(message);
    case 'offer_accepted':
      return renderOfferAccepted(message);
    case 'offer_declined':
      return renderOfferDeclined(message);
    case 'opportunity_unroutable':
      return renderOpportunityUnroutable(message);
    case 'lead_accepted':
      return renderLeadAccepted(message);
    case 'registration_submitted':
      return renderRegistrationSubmitted(message);
    case 'registration_decided':
      return renderRegistrationDecided(message);
    case 'daily_digest':
      return renderDailyDigest(message);
    case 'password_reset':
      return renderPasswordReset(message);
    case 'sign_in_link':
      return renderSignInLink(message);
    case 'campaign_invitation':
      return renderCampaignInvitation(message);
    default:
      return unknownKind(message);
  }
}

// A message kind added to messages.ts without a template fails the type check here; at run
// time a stray kind (a job queued by a newer worker) fails loudly instead of sending nothing.
function unknownKind(message: never): never {
  const kind = (message as { kind?: unknown }).kind;
  throw new Error(`No email template for message kind ${JSON.stringify(kind)}`);
}
