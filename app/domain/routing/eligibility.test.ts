import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock';
import { candidate } from '../../../tests/support/candidate-factory';
import { ineligibility, NEVER_OVERRIDDEN, skipReasons } from './eligibility';

const NOW = new Date('2026-03-10T12:00:00Z');
const NONE_OFFERED: ReadonlySet<number> = new Set();

describe('which partners may be offered a lead', () => {
  it('an active partner with room that covers the country and sells the product line may be offered it', () => {
    expect(ineligibility(candidate(), NOW, NONE_OFFERED)).toBeNull();
  });

  it('a suspended or inactive partner is never offered a lead', () => {
    expect(ineligibility(candidate({ status: 'suspended' }), NOW, NONE_OFFERED)).toBe('not_active');
    expect(ineligibility(candidate({ status: 'inactive' }), NOW, NONE_OFFERED)).toBe('not_active');
  });

  it('a partner paused until later (out of office) is skipped', () => {
    const paused = candidate({ pausedUntil: new Date(NOW.getTime() + 3 * 24 * HOUR_MS) });

    expect(ineligibility(paused, NOW, NONE_OFFERED)).toBe('paused');
    expect(ineligibility(candidate({ pausedUntil: new Date(NOW.getTime() + 1) }), NOW, NONE_OFFERED)).toBe(
      'paused',
    );
  });

  it('a partner whose pause has ended is eligible again, from the moment it ends', () => {
    const backSinceYesterday = candidate({ pausedUntil: new Date(NOW.getTime() - 24 * HOUR_MS) });
    const backThisInstant = candidate({ pausedUntil: new Date(NOW) });

    expect(ineligibility(backSinceYesterday, NOW, NONE_OFFERED)).toBeNull();
    expect(ineligibility(backThisInstant, NOW, NONE_OFFERED)).toBeNull();
  });

  it('a partner working as many leads as it said it can take is at capacity', () => {
    expect(ineligibility(candidate({ maxOpen: 5, openLoad: 5 }), NOW, NONE_OFFERED)).toBe('at_capacity');
    expect(ineligibility(candidate({ maxOpen: 5, openLoad: 7 }), NOW, NONE_OFFERED)).toBe('at_capacity');
    expect(ineligibility(candidate({ maxOpen: 0, openLoad: 0 }), NOW, NONE_OFFERED)).toBe('at_capacity');
  });

  it('a partner with one slot left still gets a lead', () => {
    expect(ineligibility(candidate({ maxOpen: 5, openLoad: 4 }), NOW, NONE_OFFERED)).toBeNull();
  });

  it('a partner that does not cover the customer’s country is outside its territory', () => {
    expect(ineligibility(candidate({ coversCountry: false }), NOW, NONE_OFFERED)).toBe('outside_territory');
  });

  it('a partner that does not sell the lead’s product line is skipped', () => {
    expect(ineligibility(candidate({ sellsProductLine: false }), NOW, NONE_OFFERED)).toBe(
      'product_line_not_sold',
    );
  });

  it('a partner that already had an offer for this lead never gets it again', () => {
    const offeredBefore = new Set([4, 7]);

    expect(ineligibility(candidate({ id: 7 }), NOW, offeredBefore)).toBe('already_offered');
    expect(ineligibility(candidate({ id: 5 }), NOW, offeredBefore)).toBeNull();
  });

  it('home territory, industry, segment, campaign and relationship only score, they never exclude', () => {
    const plain = candidate({
      homeTerritory: false,
      servesIndustry: false,
      servesSegment: false,
      inCampaign: false,
      hasRelationship: false,
      tier: 'registered',
    });

    expect(ineligibility(plain, NOW, NONE_OFFERED)).toBeNull();
  });
});

describe('every reason routing skips a partner for, as the channel manager sees them', () => {
  const rounds = { used: 0, limit: 10 };

  it('an eligible partner has none', () => {
    expect(skipReasons(candidate(), NOW, NONE_OFFERED, rounds)).toEqual([]);
  });

  it('gives every reason that applies, not just the first', () => {
    const partner = candidate({
      id: 3,
      pausedUntil: new Date(NOW.getTime() + HOUR_MS),
      maxOpen: 2,
      openLoad: 2,
      coversCountry: false,
      sellsProductLine: false,
    });

    expect(skipReasons(partner, NOW, new Set([3]), { used: 10, limit: 10 })).toEqual([
      'paused',
      'at_capacity',
      'outside_territory',
      'product_line_not_sold',
      'already_offered',
      'round_limit_reached',
    ]);
  });

  it('a lead that used all its rounds is offered to no one, however good the partner', () => {
    expect(skipReasons(candidate(), NOW, NONE_OFFERED, { used: 3, limit: 3 })).toEqual([
      'round_limit_reached',
    ]);
    expect(skipReasons(candidate(), NOW, NONE_OFFERED, { used: 2, limit: 3 })).toEqual([]);
  });

  it('an inactive partner and a second offer are the rules no manager may override', () => {
    expect([...NEVER_OVERRIDDEN].sort()).toEqual(['already_offered', 'not_active']);
    expect(skipReasons(candidate({ status: 'suspended' }), NOW, NONE_OFFERED, rounds)).toEqual([
      'not_active',
    ]);
  });
});
