/** Footers: every email says why its recipient gets it. */

export const PARTNER_REASON =
  'You receive this email because you are a user of a partner company that is offered leads through Baton.';

export const CHANNEL_MANAGER_REASON =
  'You receive this email because you are a channel manager in Baton and follow the routing of leads.';

export function coordinatorReason(campaignName: string | null): string {
  return campaignName === null
    ? 'You receive this email because you coordinate a campaign in Baton.'
    : `You receive this email because you coordinate the campaign “${campaignName}” in Baton.`;
}

export const DIGEST_REASON =
  'You receive this digest because you are a channel manager in Baton. You can change which emails you get on your email preferences page.';

export function accountReason(email: string): string {
  return `You receive this email because a password reset was asked for the Baton account ${email}.`;
}
