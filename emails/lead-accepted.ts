import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadReference, opportunityFacts, opportunityHeadline } from './lead-card';
import { CHANNEL_MANAGER_REASON, coordinatorReason } from './reasons';

export function renderLeadAccepted(message: MessageOf<'lead_accepted'>): RenderedEmail {
  const { recipient, opportunity, partnerName } = message;
  const acceptedAt = formatDateTime(message.acceptedAt, recipient.timezone);
  const reference = leadReference(opportunity.opportunityId);
  const campaign = opportunity.campaignName;
  const forCoordinator = message.forCoordinator;

  const subject = forCoordinator
    ? `${campaign === null ? 'Campaign lead' : `Campaign “${campaign}”`}: ${reference.toLowerCase()} accepted by ${partnerName}`
    : `${reference} accepted by ${partnerName}: ${opportunityHeadline(opportunity)}`;
  const summary = forCoordinator
    ? `A lead from ${campaign === null ? 'your campaign' : `your campaign “${campaign}”`} has found its partner: ${partnerName} accepted ${reference.toLowerCase()} at ${acceptedAt}.`
    : `${partnerName} accepted ${reference.toLowerCase()} at ${acceptedAt}. The lead is theirs now and has left the routing queue.`;

  return composeEmail({
    subject,
    preheader: `${partnerName} accepted it at ${acceptedAt}.`,
    blocks: [
      greeting(recipient.name),
      paragraph(summary),
      facts([
        { label: 'Partner', value: partnerName },
        { label: 'Accepted', value: acceptedAt },
        ...opportunityFacts(opportunity),
      ]),
      link('Open the lead in Baton:', message.opportunityUrl),
    ],
    reason: forCoordinator ? coordinatorReason(campaign) : CHANNEL_MANAGER_REASON,
  });
}
