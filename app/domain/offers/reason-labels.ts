import type { DECLINE_REASONS } from '../../../db/enums';

type DeclineReason = (typeof DECLINE_REASONS)[number];

export const DECLINE_REASON_LABELS: Record<DeclineReason, string> = {
  no_capacity: 'No capacity',
  outside_expertise: 'Outside our expertise',
  outside_territory: 'Outside our territory',
  customer_known_bad_fit: 'Customer known to be a bad fit',
  deal_too_small: 'Deal too small',
  conflict_of_interest: 'Conflict of interest',
  other: 'Other',
};

const UNROUTABLE_REASON_LABELS: Record<string, string> = {
  no_eligible_partner: 'No eligible partner left',
  round_limit_reached: 'Round limit reached',
};

export function unroutableReasonLabel(reason: string | null): string {
  if (!reason) return 'Not recorded';
  return UNROUTABLE_REASON_LABELS[reason] ?? reason;
}

export function declineReasonLabel(reason: DeclineReason | null): string {
  return reason ? DECLINE_REASON_LABELS[reason] : 'Not recorded';
}
