import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadCardFacts, leadHeadline, leadReference } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferWithdrawn(message: MessageOf<'offer_withdrawn'>): RenderedEmail {
  const { recipient, lead } = message;
  const withdrawnAt = formatDateTime(message.withdrawnAt, recipient.timezone);
  return composeEmail({
    subject: `Offer withdrawn: ${leadReference(lead.opportunityId)}, ${leadHeadline(lead)}`,
    preheader: `Withdrawn at ${withdrawnAt}; no answer is needed.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `The offer of ${leadReference(lead.opportunityId).toLowerCase()} was withdrawn at ${withdrawnAt}. You no longer need to answer it, and it is no longer available to your company.`,
      ),
      facts(leadCardFacts(lead)),
    ],
    reason: PARTNER_REASON,
  });
}
