import { eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { routingSettings } from '../../../db/schema';
import { DEFAULT_ROUTING_SETTINGS, routingWeightsSchema, type RoutingSettings } from './settings';

export async function loadRoutingSettings(db: Executor): Promise<RoutingSettings> {
  const [row] = await db.select().from(routingSettings).where(eq(routingSettings.id, 1));
  if (!row) return DEFAULT_ROUTING_SETTINGS;
  return {
    windowHours: row.windowHours,
    reminderOffsetsHours: row.reminderOffsetsHours,
    roundLimit: row.roundLimit,
    weights: routingWeightsSchema.parse(row.weights),
  };
}
