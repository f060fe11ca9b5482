import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadCardFacts, leadHeadline, leadReference } from './lead-card';
import { PARTNER_REASON } from './reasons';

/** A channel manager took an accepted lead back: the partner hears that, when, and why. */
export function renderLeadTakenBack(message: MessageOf<'lead_taken_back'>): RenderedEmail {
  const { recipient, lead } = message;
  const takenBackAt = formatDateTime(message.takenBackAt, recipient.timezone);
  const reference = leadReference(lead.opportunityId);
  return composeEmail({
    subject: `Lead taken back: ${reference}, ${leadHeadline(lead)}`,
    preheader: `Taken back at ${takenBackAt}; it is no longer ${message.partnerName}’s.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `The vendor took ${reference.toLowerCase()} back from ${message.partnerName} at ${takenBackAt}. The lead and its customer record are no longer yours: they have left your leads in Baton, and your company can no longer open the customer record.`,
      ),
      paragraph('The channel manager who took it back gave the reason below.'),
      facts([
        { label: 'Reason given', value: message.reason, freeText: true },
        { label: 'Taken back', value: takenBackAt },
        ...leadCardFacts(lead),
      ]),
    ],
    reason: PARTNER_REASON,
  });
}
