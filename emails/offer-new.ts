import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime, formatShortDateTime } from './format';
import { deadlineFact, leadCardFacts, leadHeadline, offerActionBlocks } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferNew(message: MessageOf<'offer_new'>): RenderedEmail {
  const { recipient, lead } = message;
  const deadline = formatDateTime(message.expiresAt, recipient.timezone);
  return composeEmail({
    subject: `New lead: ${leadHeadline(lead)} — answer by ${formatShortDateTime(message.expiresAt, recipient.timezone)}`,
    preheader: `Accept or decline by ${deadline}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `A new lead is offered to ${message.partnerName}. Please accept or decline it by ${deadline}; without an answer by then the offer expires and the lead moves on to another partner.`,
      ),
      facts([...leadCardFacts(lead), deadlineFact(message.expiresAt, recipient.timezone)]),
      ...offerActionBlocks(message.links),
    ],
    reason: PARTNER_REASON,
  });
}
