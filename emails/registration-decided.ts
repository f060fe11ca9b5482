import type { RenderedEmail } from './messages';
import { composeEmail, facts, greeting, link, paragraph, type MessageOf } from './compose';
import { formatDateTime } from './format';
import { leadReference, opportunityFacts, opportunityHeadline } from './lead-card';
import { PARTNER_REASON } from './reasons';

/** Tells the registering partner the manager's decision; never who else works the account. */
export function renderRegistrationDecided(message: MessageOf<'registration_decided'>): RenderedEmail {
  const { recipient, opportunity, decision } = message;
  const decidedAt = formatDateTime(message.decidedAt, recipient.timezone);
  const reference = leadReference(opportunity.opportunityId).toLowerCase();
  const headline = opportunityHeadline(opportunity);
  if (decision.outcome === 'approved') {
    return composeEmail({
      subject: `Registration approved: ${reference}, ${headline}`,
      preheader: 'The lead is your company’s now; it is in My leads.',
      blocks: [
        greeting(recipient.name),
        paragraph(
          `Your company’s registration of ${reference} was approved at ${decidedAt}. The lead is your company’s now and waits in My leads.`,
        ),
        facts([
          { label: 'Decision', value: 'Approved' },
          { label: 'Decided', value: decidedAt },
          ...opportunityFacts(opportunity),
        ]),
        link('Open the lead in Baton:', decision.leadUrl),
      ],
      reason: PARTNER_REASON,
    });
  }
  return composeEmail({
    subject: `Registration declined: ${reference}, ${headline}`,
    preheader: `Reason given: ${decision.reason}`,
    blocks: [
      greeting(recipient.name),
      paragraph(`Your company’s registration of ${reference} was declined at ${decidedAt}.`),
      facts([
        { label: 'Decision', value: 'Declined' },
        { label: 'Reason', value: decision.reason, freeText: true },
        { label: 'Decided', value: decidedAt },
        ...opportunityFacts(opportunity),
      ]),
      link('See your registrations in Baton:', decision.registrationUrl),
    ],
    reason: PARTNER_REASON,
  });
}
