import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadCardFacts, leadHeadline, leadReference } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferAccepted(message: MessageOf<'offer_accepted'>): RenderedEmail {
  const { recipient, lead } = message;
  const acceptedAt = formatDateTime(message.acceptedAt, recipient.timezone);
  return composeEmail({
    subject: `Accepted: ${leadReference(lead.opportunityId)}, ${leadHeadline(lead)}`,
    preheader: 'The customer record is now open to you in Baton.',
    blocks: [
      greeting(recipient.name),
      paragraph(
        `Your company accepted ${leadReference(lead.opportunityId).toLowerCase()} at ${acceptedAt}. The lead is yours now, and the customer record is open to you in the portal.`,
      ),
      facts(leadCardFacts(lead)),
      link('Open the lead and its customer record:', message.leadUrl),
    ],
    reason: PARTNER_REASON,
  });
}
