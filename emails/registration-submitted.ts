import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadReference, opportunityFacts, opportunityHeadline } from './lead-card';
import { CHANNEL_MANAGER_REASON } from './reasons';

export function renderRegistrationSubmitted(message: MessageOf<'registration_submitted'>): RenderedEmail {
  const { recipient, opportunity, partnerName } = message;
  const registeredAt = formatDateTime(message.registeredAt, recipient.timezone);
  const reference = leadReference(opportunity.opportunityId);
  const flag = message.conflict ? 'Conflict: ' : '';
  return composeEmail({
    subject: `${flag}${partnerName} registered ${reference.toLowerCase()}, ${opportunityHeadline(opportunity)}`,
    preheader: message.conflict
      ? 'Another partner already works this account: it needs your decision.'
      : 'It waits for a channel manager to approve or decline it.',
    blocks: [
      greeting(recipient.name),
      paragraph(
        `${partnerName} registered ${reference.toLowerCase()} for its own customer at ${registeredAt}. It waits for a channel manager to approve it (the lead becomes theirs) or decline it with a reason.`,
      ),
      paragraph(
        message.conflict
          ? 'Flagged as a conflict: another partner already works this account. The registrations page shows who; the registering partner was told only that the account is already being worked.'
          : 'No other partner works this account at the moment.',
      ),
      facts([
        { label: 'Partner', value: partnerName },
        { label: 'Conflict', value: message.conflict ? 'Yes, another partner works this account' : 'No' },
        { label: 'Registered', value: registeredAt },
        ...opportunityFacts(opportunity),
      ]),
      link('Decide in Baton:', message.registrationsUrl),
    ],
    reason: CHANNEL_MANAGER_REASON,
  });
}
