import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadCardFacts, leadHeadline, leadReference } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferDeclined(message: MessageOf<'offer_declined'>): RenderedEmail {
  const { recipient, lead } = message;
  const declinedAt = formatDateTime(message.declinedAt, recipient.timezone);
  return composeEmail({
    subject: `Declined: ${leadReference(lead.opportunityId)}, ${leadHeadline(lead)}`,
    preheader: `Reason given: ${message.reasonLabel}`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `Your company declined ${leadReference(lead.opportunityId).toLowerCase()} at ${declinedAt}. The lead is no longer available to your company.`,
      ),
      facts([{ label: 'Reason', value: message.reasonLabel, freeText: true }, ...leadCardFacts(lead)]),
    ],
    reason: PARTNER_REASON,
  });
}
