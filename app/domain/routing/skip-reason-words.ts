import type { SkipReason } from './eligibility';

/** What the channel manager's pages know when they say why routing skips a partner. */
export interface SkipFacts {
  country: string;
  productLine: string;
  roundLimit: number;
  openLoad: number;
  maxOpen: number;
  /** ISO instant, already formatted for the reader. */
  pausedUntil: string | null;
}

/** Why routing skips a partner for a lead now, one whole sentence per reason. */
export function skipReasonSentence(reason: SkipReason, facts: SkipFacts): string {
  switch (reason) {
    case 'not_active':
      return 'It is not active.';
    case 'paused':
      return facts.pausedUntil ? `It is paused until ${facts.pausedUntil}.` : 'It is paused.';
    case 'at_capacity':
      return `It is at capacity, with ${facts.openLoad} open leads of the ${facts.maxOpen} it takes.`;
    case 'outside_territory':
      return `It does not cover ${facts.country}.`;
    case 'product_line_not_sold':
      return `It does not sell ${facts.productLine}.`;
    case 'already_offered':
      return 'It already had an offer for this lead, and a lead is never offered twice to one partner.';
    case 'round_limit_reached':
      return `The lead has used all ${facts.roundLimit} rounds routing allows.`;
  }
}

/** The rules an offer by hand went past, as labels for its record (timeline, "Why this partner"). */
export const OVERRIDDEN_RULE_LABELS: Record<SkipReason, string> = {
  not_active: 'partner not active',
  paused: 'partner paused',
  at_capacity: 'partner at capacity',
  outside_territory: 'country not covered',
  product_line_not_sold: 'product line not sold',
  already_offered: 'already had this lead',
  round_limit_reached: 'round limit reached',
};

/** The record of an override, in one sentence: which rules, and the manager's reason in their words. */
export function overrideSentence(rules: readonly string[], reason: string | null): string | null {
  if (rules.length === 0 && !reason) return null;
  const labels = rules.map((r) => OVERRIDDEN_RULE_LABELS[r as SkipReason] ?? r);
  // The reason is quoted as typed; the sentence gets its own full stop only if the quote has none.
  const why = reason ? ` Reason given: “${reason}”${/[.!?]$/.test(reason) ? '' : '.'}` : '';
  if (labels.length === 0) return `Chosen by hand among the partners routing finds eligible.${why}`;
  return `Routing skipped this partner (${labels.join(', ')}); the channel manager went past it.${why}`;
}
