import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadReference, opportunityFacts, opportunityHeadline } from './lead-card';
import { CHANNEL_MANAGER_REASON } from './reasons';

export function renderOpportunityUnroutable(message: MessageOf<'opportunity_unroutable'>): RenderedEmail {
  const { recipient, opportunity } = message;
  const at = formatDateTime(message.at, recipient.timezone);
  return composeEmail({
    subject: `Unroutable: ${leadReference(opportunity.opportunityId)}, ${opportunityHeadline(opportunity)} — ${message.reasonLabel}`,
    preheader: `It needs a channel manager since ${at}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `${leadReference(opportunity.opportunityId)} could not be routed to a partner and is waiting in the routing queue for a channel manager to place it by hand.`,
      ),
      facts([
        { label: 'Reason', value: message.reasonLabel, freeText: true },
        { label: 'Since', value: at },
        ...opportunityFacts(opportunity),
      ]),
      link('Open the lead in Baton:', message.opportunityUrl),
    ],
    reason: CHANNEL_MANAGER_REASON,
  });
}
