import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from './concurrency';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Work that records how many items were in flight at once. */
function trackedWork<T, R>(run: (item: T) => Promise<R>) {
  const stats = { inFlight: 0, mostAtOnce: 0, started: [] as T[] };
  const work = async (item: T) => {
    stats.started.push(item);
    stats.inFlight++;
    stats.mostAtOnce = Math.max(stats.mostAtOnce, stats.inFlight);
    try {
      return await run(item);
    } finally {
      stats.inFlight--;
    }
  };
  return { stats, work };
}

describe('working through a batch a few at a time', () => {
  it('gives each result in the place of its input, even when later items finish first', async () => {
    const delays = [30, 5, 20, 0, 10, 25, 1];
    const finished: number[] = [];

    const results = await mapWithConcurrency(delays, 3, async (ms) => {
      await pause(ms);
      finished.push(ms);
      return `waited ${ms}`;
    });

    expect(results).toEqual(delays.map((ms) => `waited ${ms}`));
    expect(finished).not.toEqual(delays);
  });

  it('never has more than the limit in flight, and does use the whole limit', async () => {
    const { stats, work } = trackedWork(async (n: number) => {
      await pause(n % 4);
      return n * 2;
    });
    const items = Array.from({ length: 20 }, (_, i) => i);

    const results = await mapWithConcurrency(items, 4, work);

    expect(stats.mostAtOnce).toBe(4);
    expect(stats.inFlight).toBe(0);
    expect(results).toEqual(items.map((n) => n * 2));
  });

  it('runs one at a time with a limit of one', async () => {
    const { stats, work } = trackedWork(async (n: number) => {
      await pause(1);
      return n;
    });

    await mapWithConcurrency([1, 2, 3, 4], 1, work);

    expect(stats.mostAtOnce).toBe(1);
    expect(stats.started).toEqual([1, 2, 3, 4]);
  });

  it('works each item exactly once, starting them in input order', async () => {
    const { stats, work } = trackedWork(async (n: number) => {
      await pause(5 - (n % 5));
      return n;
    });
    const items = Array.from({ length: 13 }, (_, i) => i);

    await mapWithConcurrency(items, 5, work);

    expect(stats.started).toEqual(items);
  });

  it('starts everything at once when the limit exceeds the batch', async () => {
    const { stats, work } = trackedWork(async (n: number) => {
      await pause(2);
      return n;
    });

    expect(await mapWithConcurrency([1, 2, 3], 8, work)).toEqual([1, 2, 3]);
    expect(stats.mostAtOnce).toBe(3);
  });

  it('returns an empty list for an empty batch without calling the work', async () => {
    const { stats, work } = trackedWork(async (n: number) => n);

    expect(await mapWithConcurrency([], 4, work)).toEqual([]);
    expect(stats.started).toEqual([]);
  });

  it('fails the batch when one item fails', async () => {
    const work = async (n: number) => {
      await pause(1);
      if (n === 3) throw new Error('item 3 failed');
      return n;
    };

    await expect(mapWithConcurrency([1, 2, 3, 4, 5], 2, work)).rejects.toThrow('item 3 failed');
  });
});
