import { describe, expect, it } from 'vitest';
import { HOUR_MS } from '../clock';
import {
  checkpointsOf,
  dueReminder,
  nextCheckpoint,
  timerJobId,
  type Checkpoint,
  type OfferTimerState,
} from './checkpoints';

const OFFERED_AT = new Date('2026-03-10T09:00:00Z');
const hoursAfterOffer = (hours: number) => new Date(OFFERED_AT.getTime() + hours * HOUR_MS);

/** A 48-hour offer with the default reminders, 24 h and 4 h before the deadline. */
function offer(overrides: Partial<OfferTimerState> = {}): OfferTimerState {
  return {
    offerId: 42,
    offeredAt: OFFERED_AT,
    expiresAt: hoursAfterOffer(48),
    reminderOffsetsHours: [24, 4],
    ...overrides,
  };
}

const describeCheckpoint = (c: Checkpoint) =>
  c.kind === 'reminder'
    ? `reminder ${c.hoursBefore}h before at ${c.at.toISOString()}`
    : `deadline at ${c.at.toISOString()}`;

describe('an offer’s checkpoints', () => {
  it('are a reminder 24 h and 4 h before a 48 h deadline, then the deadline', () => {
    expect(checkpointsOf(offer())).toEqual([
      { kind: 'reminder', at: hoursAfterOffer(24), hoursBefore: 24 },
      { kind: 'reminder', at: hoursAfterOffer(44), hoursBefore: 4 },
      { kind: 'deadline', at: hoursAfterOffer(48) },
    ]);
  });

  it('come earliest first whatever order the reminders were configured in', () => {
    const fromAscending = checkpointsOf(offer({ reminderOffsetsHours: [4, 24] }));
    const fromMixed = checkpointsOf(offer({ reminderOffsetsHours: [4, 36, 24] }));

    expect(fromAscending.map(describeCheckpoint)).toEqual(checkpointsOf(offer()).map(describeCheckpoint));
    expect(fromMixed.map((c) => c.at)).toEqual([
      hoursAfterOffer(12),
      hoursAfterOffer(24),
      hoursAfterOffer(44),
      hoursAfterOffer(48),
    ]);
  });

  it('drop a reminder that would fall before, or at, the moment the lead was offered', () => {
    const shortWindow = offer({ expiresAt: hoursAfterOffer(12), reminderOffsetsHours: [24, 12, 4] });

    expect(checkpointsOf(shortWindow)).toEqual([
      { kind: 'reminder', at: hoursAfterOffer(8), hoursBefore: 4 },
      { kind: 'deadline', at: hoursAfterOffer(12) },
    ]);
  });

  it('send a reminder configured twice only once', () => {
    const reminders = checkpointsOf(offer({ reminderOffsetsHours: [24, 4, 24, 4, 4] })).filter(
      (c) => c.kind === 'reminder',
    );

    expect(reminders.map((r) => r.kind === 'reminder' && r.hoursBefore)).toEqual([24, 4]);
  });

  it('are just the deadline when no reminders are configured', () => {
    expect(checkpointsOf(offer({ reminderOffsetsHours: [] }))).toEqual([
      { kind: 'deadline', at: hoursAfterOffer(48) },
    ]);
  });

  it('move with an extended deadline', () => {
    const extended = offer({ expiresAt: hoursAfterOffer(72) });

    expect(checkpointsOf(extended).map((c) => c.at)).toEqual([
      hoursAfterOffer(48),
      hoursAfterOffer(68),
      hoursAfterOffer(72),
    ]);
  });
});

describe('the next checkpoint to wait for', () => {
  it('is the first reminder right after the lead is offered', () => {
    expect(nextCheckpoint(offer(), OFFERED_AT)).toEqual({
      kind: 'reminder',
      at: hoursAfterOffer(24),
      hoursBefore: 24,
    });
  });

  it('is strictly after now: at the moment a reminder falls due, the next one is awaited', () => {
    expect(nextCheckpoint(offer(), hoursAfterOffer(24))).toEqual({
      kind: 'reminder',
      at: hoursAfterOffer(44),
      hoursBefore: 4,
    });
  });

  it('is the deadline once every reminder has passed', () => {
    expect(nextCheckpoint(offer(), hoursAfterOffer(44))).toEqual({
      kind: 'deadline',
      at: hoursAfterOffer(48),
    });
    expect(nextCheckpoint(offer(), hoursAfterOffer(47.99))).toEqual({
      kind: 'deadline',
      at: hoursAfterOffer(48),
    });
  });

  it('stays the deadline once the deadline itself has passed', () => {
    expect(nextCheckpoint(offer(), hoursAfterOffer(48))).toEqual({
      kind: 'deadline',
      at: hoursAfterOffer(48),
    });
    expect(nextCheckpoint(offer(), hoursAfterOffer(96))).toEqual({
      kind: 'deadline',
      at: hoursAfterOffer(48),
    });
  });
});

describe('the reminder due now', () => {
  it('is none before the first reminder time', () => {
    expect(dueReminder(offer(), OFFERED_AT)).toBeNull();
    expect(dueReminder(offer(), new Date(hoursAfterOffer(24).getTime() - 1))).toBeNull();
  });

  it('is the 24-hour reminder from the moment it falls due', () => {
    expect(dueReminder(offer(), hoursAfterOffer(24))).toEqual({
      kind: 'reminder',
      at: hoursAfterOffer(24),
      hoursBefore: 24,
    });
    expect(dueReminder(offer(), hoursAfterOffer(30))?.hoursBefore).toBe(24);
  });

  it('is only the latest one after an outage: “4 hours left” makes “24 hours left” moot', () => {
    expect(dueReminder(offer(), hoursAfterOffer(45))).toEqual({
      kind: 'reminder',
      at: hoursAfterOffer(44),
      hoursBefore: 4,
    });
  });

  it('is none once the deadline has come', () => {
    expect(dueReminder(offer(), hoursAfterOffer(48))).toBeNull();
    expect(dueReminder(offer(), hoursAfterOffer(100))).toBeNull();
  });

  it('is none when the offer has no reminders', () => {
    expect(dueReminder(offer({ reminderOffsetsHours: [] }), hoursAfterOffer(47))).toBeNull();
  });
});

describe('timer job ids', () => {
  const ids = [
    timerJobId(42, hoursAfterOffer(24)),
    timerJobId(42, hoursAfterOffer(44)),
    timerJobId(42, hoursAfterOffer(48)),
    timerJobId(43, hoursAfterOffer(48)),
    timerJobId(1, new Date(0)),
    timerJobId(2_147_483_647, new Date('2099-12-31T23:59:59.999Z')),
  ];

  it('are the same for the same offer and checkpoint, so re-adding a timer changes nothing', () => {
    expect(timerJobId(42, hoursAfterOffer(24))).toBe(timerJobId(42, new Date(hoursAfterOffer(24))));
  });

  it('differ between checkpoints and between offers', () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('differ when a deadline is extended, so the new deadline gets a fresh timer', () => {
    expect(timerJobId(42, hoursAfterOffer(48))).not.toBe(timerJobId(42, hoursAfterOffer(72)));
  });

  it('follow BullMQ’s rules: no colon, and never all digits', () => {
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
      expect(id.length).toBeGreaterThan(0);
    }
  });

  it('does not let two offers collide through their digits running together', () => {
    // offer 1 at 23 ms vs offer 12 at 3 ms
    expect(timerJobId(1, new Date(23))).not.toBe(timerJobId(12, new Date(3)));
  });
});
