import { eq } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import { routingSettings, users } from '../../../db/schema';
import type { Clock } from '../clock';
import { fieldErrorsOf, type FieldErrors } from '../partners/field-errors';
import { routingSettingsSchema, type RoutingSettings } from './settings';
import { loadRoutingSettings } from './settings.server';

export type RoutingSettingsChange =
  { ok: true; settings: RoutingSettings } | { ok: false; fieldErrors: FieldErrors };

/**
 * Replaces the routing settings after validating all of them; a bad value saves nothing.
 *
 * The new values apply to offers made from now on. A pending offer keeps the deadline it was
 * given (`expires_at`) and the reminder offsets stored on it, so nobody's countdown moves
 * under their feet.
 */
export async function updateRoutingSettings(
  db: Executor,
  input: unknown,
  actor: { userId: number },
  clock: Clock,
): Promise<RoutingSettingsChange> {
  const parsed = routingSettingsSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error, ['weights']) };
  const settings = {
    ...parsed.data,
    // Latest reminder first, the order the timers fire in; duplicates would remind twice.
    reminderOffsetsHours: [...new Set(parsed.data.reminderOffsetsHours)].sort((a, b) => b - a),
  };
  const values = {
    windowHours: settings.windowHours,
    reminderOffsetsHours: settings.reminderOffsetsHours,
    roundLimit: settings.roundLimit,
    weights: settings.weights,
    updatedAt: clock.now(),
    updatedByUserId: actor.userId,
  };
  await db
    .insert(routingSettings)
    .values({ id: 1, ...values })
    .onConflictDoUpdate({ target: routingSettings.id, set: values });
  return { ok: true, settings };
}

/** The settings in force, with when and by whom they were last changed (null: never, since install). */
export async function loadRoutingSettingsRecord(db: Executor) {
  const [row] = await db
    .select({
      updatedAt: routingSettings.updatedAt,
      updatedByName: users.name,
    })
    .from(routingSettings)
    .leftJoin(users, eq(users.id, routingSettings.updatedByUserId))
    .where(eq(routingSettings.id, 1));
  return {
    settings: await loadRoutingSettings(db),
    updatedAt: row?.updatedAt ?? null,
    updatedByName: row?.updatedByName ?? null,
  };
}
