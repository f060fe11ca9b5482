import { sql, type AnyColumn } from 'drizzle-orm';

/**
 * The "next page" links of lists ordered by a time and then an id (the routing queue, the
 * inbox): `<timestamp to the µs>_<id>`, never an offset, so a page stays as fast as the first.
 */

/** The largest id of a serial (int4) column: a cursor or typed id past it names no row. */
export const MAX_SERIAL_ID = 2_147_483_647;

/** A timestamp to the microsecond, as Postgres prints it for the cursor, then the row id. */
const TIME_CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_(\d{1,10})$/;

/** The cursor a page link carries, or null when it is not one. */
export function parseTimeCursor(raw: string): { at: string; id: number } | null {
  const match = TIME_CURSOR.exec(raw);
  if (!match || Number.isNaN(Date.parse(match[1]!))) return null;
  const id = Number(match[2]);
  return id >= 1 && id <= MAX_SERIAL_ID ? { at: match[1]!, id } : null;
}

/** The cursor form of a timestamp: UTC to the microsecond, so that no row is skipped or repeated. */
export const cursorTime = (column: AnyColumn) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const timeCursorOf = (row: { cursorAt: string; cursorId: number }) =>
  `${row.cursorAt}_${row.cursorId}`;
