import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadCardFacts, leadHeadline, leadReference } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferExpired(message: MessageOf<'offer_expired'>): RenderedEmail {
  const { recipient, lead } = message;
  const expiredAt = formatDateTime(message.expiredAt, recipient.timezone);
  return composeEmail({
    subject: `Offer expired: ${leadReference(lead.opportunityId)}, ${leadHeadline(lead)}`,
    preheader: `The offer expired at ${expiredAt} without an answer.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `The offer of ${leadReference(lead.opportunityId).toLowerCase()} expired at ${expiredAt} without an answer. The lead is no longer available to your company.`,
      ),
      facts(leadCardFacts(lead)),
    ],
    reason: PARTNER_REASON,
  });
}
