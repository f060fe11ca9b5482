import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime, formatHours, formatShortDateTime, isWholeHours } from './format';
import { deadlineFact, leadCardFacts, leadHeadline, offerActionBlocks } from './lead-card';
import { PARTNER_REASON } from './reasons';

export function renderOfferReminder(message: MessageOf<'offer_reminder'>): RenderedEmail {
  const { recipient, lead } = message;
  const deadline = formatDateTime(message.expiresAt, recipient.timezone);
  // The offset names the reminder that fired; the deadline itself is printed beside it, so a
  // reminder delivered late still tells the truth about when the answer is due.
  const left = isWholeHours(message.hoursBefore) ? `${formatHours(message.hoursBefore)} left` : null;
  return composeEmail({
    subject:
      left === null
        ? `Reminder: answer by ${formatShortDateTime(message.expiresAt, recipient.timezone)} — ${leadHeadline(lead)}`
        : `Reminder: ${left} to answer — ${leadHeadline(lead)}`,
    preheader: `The offer expires at ${deadline}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `The lead below, offered to ${message.partnerName}, is still waiting for an answer${left === null ? '' : ` (${left})`}. Please accept or decline it by ${deadline}; without an answer by then the offer expires and the lead moves on to another partner.`,
      ),
      facts([...leadCardFacts(lead), deadlineFact(message.expiresAt, recipient.timezone)]),
      ...offerActionBlocks(message.links),
    ],
    reason: PARTNER_REASON,
  });
}
