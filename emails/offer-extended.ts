import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime, formatShortDateTime } from './format';
import { deadlineFact, leadCardFacts, leadHeadline, leadReference, offerActionBlocks } from './lead-card';
import { PARTNER_REASON } from './reasons';

/** A channel manager moved an offer's deadline: the partner hears the new one, with fresh links. */
export function renderOfferExtended(message: MessageOf<'offer_extended'>): RenderedEmail {
  const { recipient, lead } = message;
  const deadline = formatDateTime(message.expiresAt, recipient.timezone);
  const reference = leadReference(lead.opportunityId);
  return composeEmail({
    subject: `More time: ${reference}, ${leadHeadline(lead)} — answer by ${formatShortDateTime(message.expiresAt, recipient.timezone)}`,
    preheader: `The deadline is now ${deadline}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `The vendor has given ${message.partnerName} more time to answer the offer of ${reference.toLowerCase()}. The new deadline is ${deadline}; without an answer by then the offer expires and the lead moves on to another partner.`,
      ),
      paragraph(
        'The Accept and Decline buttons of earlier emails about this offer stop working at the old deadline; use the ones below.',
      ),
      facts([...leadCardFacts(lead), deadlineFact(message.expiresAt, recipient.timezone)]),
      ...offerActionBlocks(message.links),
    ],
    reason: PARTNER_REASON,
  });
}
