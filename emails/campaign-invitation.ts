import type { CampaignInvitation, RenderedEmail } from './messages';
import {
  buttons,
  composeEmail,
  facts,
  greeting,
  link,
  paragraph,
  type Fact,
  type MessageOf,
} from './compose';
import { countryName, formatDate, sizeSegmentLabel, slugLabel } from './format';

const CAMPAIGN_INVITATION_REASON =
  'You receive this email because you are an admin of a partner company in Baton, and admins answer campaign invitations for their company.';

/** Campaign days are calendar days, the same everywhere: printed as such, not moved into a zone. */
const day = (value: string) => formatDate(new Date(`${value}T00:00:00Z`), 'UTC');

function runs(campaign: CampaignInvitation): string {
  if (campaign.startsOn && campaign.endsOn) return `${day(campaign.startsOn)} to ${day(campaign.endsOn)}`;
  if (campaign.startsOn) return `From ${day(campaign.startsOn)}`;
  if (campaign.endsOn) return `Until ${day(campaign.endsOn)}`;
  return 'Dates not set yet';
}

const list = (values: string[], word: (value: string) => string) =>
  values.length === 0 ? 'Any' : values.map(word).join(', ');

export function campaignFacts(campaign: CampaignInvitation): Fact[] {
  return [
    { label: 'Campaign', value: campaign.name },
    ...(campaign.goal.trim() === '' ? [] : [{ label: 'Goal', value: campaign.goal, freeText: true }]),
    { label: 'Runs', value: runs(campaign) },
    { label: 'Countries', value: list(campaign.countries, countryName) },
    { label: 'Industries', value: list(campaign.industries, slugLabel) },
    { label: 'Customer sizes', value: list(campaign.sizeSegments, sizeSegmentLabel) },
    { label: 'Product lines', value: list(campaign.productLines, slugLabel) },
  ];
}

export function renderCampaignInvitation(message: MessageOf<'campaign_invitation'>): RenderedEmail {
  const { recipient, campaign, partnerName } = message;
  return composeEmail({
    subject: `Invitation to the joint campaign “${campaign.name}”`,
    preheader: `${partnerName} is invited to join. Join or decline in Baton.`,
    blocks: [
      greeting(recipient.name),
      paragraph(
        `${partnerName} is invited to join the joint campaign “${campaign.name}”. Partners that join see the campaign’s target accounts, and routing offers them the campaign’s leads first. As an admin of ${partnerName}, you answer for the company.`,
      ),
      facts(campaignFacts(campaign)),
      buttons([
        { label: 'Join', textLabel: 'Join the campaign:', url: message.joinUrl, primary: true },
        { label: 'Decline', textLabel: 'Decline the invitation:', url: message.declineUrl, primary: false },
      ]),
      paragraph('Each button opens a page where you confirm your answer; nothing happens until you do.'),
      link('The campaign in Baton:', message.campaignUrl),
    ],
    reason: CAMPAIGN_INVITATION_REASON,
  });
}
