import type { Sql } from 'postgres';
import type { Database } from '../../db/client';

/**
 * The loop's transitions talk to postgres.js directly: one data-modifying CTE per state change
 * instead of five round trips (ADR 003), as prepared statements. drizzle's driver leaves
 * timestamps and JSON as text on this client, hence the ISO strings.
 */
export const rawSql = (db: Database): Sql => db.$client;

export const iso = (date: Date) => date.toISOString();

export const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

export const toDateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : toDate(value);

/** A `row_to_json` column: postgres.js hands JSON back parsed or as text, depending on the type. */
export function parseJson<T>(value: unknown): T | null {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T | null;
}

const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * Runs `work` again, a few times, when Postgres aborts it for a serialization failure or a
 * deadlock: those are decided by the database and safe to replay. A single statement is a
 * transaction of its own; `inTransaction` replays a whole drizzle transaction the same way.
 */
export async function withDeadlockRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      // drizzle wraps the driver's error; postgres.js throws it bare.
      const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 5 || !code || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
