import { eq } from 'drizzle-orm';
import type { Sql } from 'postgres';
import type { Executor } from '../../../db/client';
import { routingSettings } from '../../../db/schema';
import type { SqlFragment } from '../side-effects.server';
import { parseJson } from '../sql.server';
import { DEFAULT_ROUTING_SETTINGS, routingWeightsSchema, type RoutingSettings } from './settings';

/**
 * The one reader of the routing settings. Migration 0001 writes the row; a database without
 * it (one rule, wherever the settings are read) routes with the defaults the migration writes.
 */
export function routingSettingsFrom(row: unknown): RoutingSettings {
  const s = parseJson<Omit<RoutingSettings, 'weights'> & { weights: unknown }>(row);
  if (!s) return DEFAULT_ROUTING_SETTINGS;
  return {
    windowHours: s.windowHours,
    reminderOffsetsHours: s.reminderOffsetsHours,
    roundLimit: s.roundLimit,
    weights: routingWeightsSchema.parse(s.weights),
  };
}

/** The settings row as one JSON value, for statements that read it along with other things. */
export const routingSettingsJson = (sql: Sql): SqlFragment => sql`
  (SELECT json_build_object('windowHours', window_hours, 'reminderOffsetsHours', reminder_offsets_hours,
                            'roundLimit', round_limit, 'weights', weights)
   FROM routing_settings WHERE id = 1)`;

export async function loadRoutingSettings(db: Executor): Promise<RoutingSettings> {
  const [row] = await db.select().from(routingSettings).where(eq(routingSettings.id, 1));
  return routingSettingsFrom(row ?? null);
}
