import { describe, expect, it } from 'vitest';
import { overrideSentence, skipReasonSentence } from './skip-reason-words';

const FACTS = {
  country: 'PT',
  productLine: 'security',
  roundLimit: 10,
  openLoad: 5,
  maxOpen: 5,
  pausedUntil: '12 Mar 2026, 09:00 UTC',
};

describe('the words for routing’s skips and a manager’s override', () => {
  it('says each reason in a whole sentence, with the lead’s and the partner’s facts', () => {
    expect(skipReasonSentence('outside_territory', FACTS)).toBe('It does not cover PT.');
    expect(skipReasonSentence('product_line_not_sold', FACTS)).toBe('It does not sell security.');
    expect(skipReasonSentence('at_capacity', FACTS)).toBe(
      'It is at capacity, with 5 open leads of the 5 it takes.',
    );
    expect(skipReasonSentence('paused', FACTS)).toBe('It is paused until 12 Mar 2026, 09:00 UTC.');
    expect(skipReasonSentence('round_limit_reached', FACTS)).toBe(
      'The lead has used all 10 rounds routing allows.',
    );
  });

  it('records the rules gone past and the reason as typed, ending the sentence once', () => {
    expect(overrideSentence(['outside_territory', 'at_capacity'], 'They know the customer')).toBe(
      'Routing skipped this partner (country not covered, partner at capacity); the channel manager went past it. Reason given: “They know the customer”.',
    );
    expect(overrideSentence(['paused'], 'Back on Monday.')).toMatch(/“Back on Monday\.”$/);
    expect(overrideSentence([], 'A favour')).toBe(
      'Chosen by hand among the partners routing finds eligible. Reason given: “A favour”.',
    );
    expect(overrideSentence([], null)).toBeNull();
  });
});
