import type { LeadCard, OfferLinks, OpportunitySummary } from './messages';
import { buttons, link, paragraph, type Block, type Fact } from './compose';
import { countryName, customerDescription, formatDateTime, sizeSegmentLabel, slugLabel } from './format';

/** What a partner may know before accepting, and nothing more: the card has no customer identity. */
export function leadCardFacts(lead: LeadCard): Fact[] {
  const list: Fact[] = [
    { label: 'Lead', value: `#${lead.opportunityId}` },
    { label: 'Need', value: lead.need, freeText: true },
    { label: 'Product line', value: slugLabel(lead.productLine) },
    { label: 'Value', value: lead.valueBand },
    { label: 'Country', value: countryName(lead.country) },
    { label: 'Industry', value: slugLabel(lead.industry) },
    { label: 'Size', value: sizeSegmentLabel(lead.sizeSegment) },
  ];
  if (lead.campaignName !== null) list.push({ label: 'Campaign', value: lead.campaignName });
  return list;
}

export function deadlineFact(expiresAt: Date, timeZone: string): Fact {
  return { label: 'Answer by', value: formatDateTime(expiresAt, timeZone) };
}

/** "Storage for a mid-market manufacturer in Germany" */
export function leadHeadline(lead: LeadCard): string {
  return `${slugLabel(lead.productLine)} for ${customerDescription(lead.sizeSegment, lead.industry)} in ${countryName(lead.country)}`;
}

/** "Lead #1042" */
export function leadReference(opportunityId: number): string {
  return `Lead #${opportunityId}`;
}

export function opportunityFacts(opportunity: OpportunitySummary): Fact[] {
  const list: Fact[] = [
    { label: 'Lead', value: `#${opportunity.opportunityId}` },
    { label: 'Need', value: opportunity.need, freeText: true },
    { label: 'Product line', value: slugLabel(opportunity.productLine) },
    { label: 'Value', value: opportunity.value },
    { label: 'Country', value: countryName(opportunity.country) },
  ];
  if (opportunity.campaignName !== null) list.push({ label: 'Campaign', value: opportunity.campaignName });
  return list;
}

/** "Storage in Germany" */
export function opportunityHeadline(opportunity: OpportunitySummary): string {
  return `${slugLabel(opportunity.productLine)} in ${countryName(opportunity.country)}`;
}

/** Accept and Decline, then the offer page: the same in the first email and every reminder. */
export function offerActionBlocks(links: OfferLinks): Block[] {
  return [
    buttons([
      { label: 'Accept', textLabel: 'Accept this lead:', url: links.acceptUrl, primary: true },
      { label: 'Decline', textLabel: 'Decline this lead:', url: links.declineUrl, primary: false },
    ]),
    paragraph('Each button opens a page where you confirm your answer; nothing happens until you do.'),
    link('See the offer in Baton:', links.offerUrl),
  ];
}
