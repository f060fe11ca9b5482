import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING_SETTINGS, routingSettingsSchema, type RoutingSettings } from './settings';

const withChanges = (changes: Partial<RoutingSettings>): RoutingSettings => ({
  ...DEFAULT_ROUTING_SETTINGS,
  ...changes,
});

/** The field paths a rejected settings form points at. */
function rejectedPaths(input: unknown): string[] {
  const result = routingSettingsSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('routing settings', () => {
  it('accepts the defaults: a 48-hour window, reminders 24 h and 4 h before, 10 rounds', () => {
    expect(routingSettingsSchema.parse(DEFAULT_ROUTING_SETTINGS)).toEqual(DEFAULT_ROUTING_SETTINGS);
  });

  it('rejects a reminder that falls outside the response window, pointing at the reminders', () => {
    expect(rejectedPaths(withChanges({ reminderOffsetsHours: [60, 4] }))).toEqual(['reminderOffsetsHours']);
  });

  it('rejects a reminder exactly as long as the window: it would go out as the lead is offered', () => {
    expect(rejectedPaths(withChanges({ windowHours: 24, reminderOffsetsHours: [24] }))).toEqual([
      'reminderOffsetsHours',
    ]);
  });

  it('accepts a reminder one hour inside a short window', () => {
    expect(
      routingSettingsSchema.safeParse(withChanges({ windowHours: 5, reminderOffsetsHours: [4] })).success,
    ).toBe(true);
  });

  it('says in words why a reminder was refused', () => {
    const result = routingSettingsSchema.safeParse(withChanges({ reminderOffsetsHours: [48] }));

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('every reminder must fall inside the response window');
  });

  it('rejects a zero window, pointing at the window', () => {
    expect(rejectedPaths(withChanges({ windowHours: 0, reminderOffsetsHours: [] }))).toEqual(['windowHours']);
  });

  it('rejects a window given in fractions of an hour', () => {
    expect(rejectedPaths(withChanges({ windowHours: 1.5, reminderOffsetsHours: [] }))).toEqual([
      'windowHours',
    ]);
  });

  it('rejects a negative weight, pointing at that weight', () => {
    const weights = { ...DEFAULT_ROUTING_SETTINGS.weights, speed: -1 };

    expect(rejectedPaths(withChanges({ weights }))).toEqual(['weights.speed']);
  });

  it('accepts a zero weight: a manager may switch a factor off', () => {
    const weights = { ...DEFAULT_ROUTING_SETTINGS.weights, tier: 0 };

    expect(routingSettingsSchema.safeParse(withChanges({ weights })).success).toBe(true);
  });

  it('rejects settings missing a weight, pointing at the missing one', () => {
    const { winRate: _winRate, ...weights } = DEFAULT_ROUTING_SETTINGS.weights;

    expect(rejectedPaths({ ...DEFAULT_ROUTING_SETTINGS, weights })).toEqual(['weights.winRate']);
  });

  it('rejects a zero round limit and a zero-hour reminder', () => {
    expect(rejectedPaths(withChanges({ roundLimit: 0 }))).toEqual(['roundLimit']);
    expect(rejectedPaths(withChanges({ reminderOffsetsHours: [24, 0] }))).toEqual(['reminderOffsetsHours.1']);
  });

  it('lists every bad field at once', () => {
    const weights = { ...DEFAULT_ROUTING_SETTINGS.weights, campaign: -5 };

    expect(
      rejectedPaths(withChanges({ windowHours: 0, reminderOffsetsHours: [], roundLimit: 0, weights })).sort(),
    ).toEqual(['roundLimit', 'weights.campaign', 'windowHours']);
  });
});
