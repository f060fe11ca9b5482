import type { PartnerScope } from '../partner-scope';

/**
 * Who owns a record, as the viewer may learn it: "Vendor" for the vendor's own; the partner's
 * name for vendor staff and for the partner itself; never another partner's name.
 */
export function ownerLabel(
  owner: { partnerId: number | null; partnerName: string | null },
  viewer: PartnerScope | null,
): string {
  if (owner.partnerId === null) return 'Vendor';
  if (viewer === null || viewer.partnerId === owner.partnerId) return owner.partnerName ?? 'A partner';
  return 'Another partner';
}
