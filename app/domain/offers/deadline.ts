import { HOUR_MS } from '../clock';

/**
 * Every offer's deadline: routing, batch routing, offers by hand, approved registrations and
 * extensions all ask here, so that a new way of counting the window (working hours, say) is
 * one change. `start` is when the window opens: the offer's making, or for an extension the
 * deadline it moves on from.
 */
export function deadlineFor(start: Date, window: { hours: number }): Date {
  return new Date(start.getTime() + window.hours * HOUR_MS);
}

/** The length of the settings' response window: the yardstick of a partner's answer speed. */
export const windowMs = (settings: { windowHours: number }) => settings.windowHours * HOUR_MS;

/**
 * An offer is "expiring soon" in its last hours: the queue's count and filter, the daily digest
 * and every countdown use this one figure.
 */
export const EXPIRING_SOON_HOURS = 4;

export const expiringSoonBy = (now: Date) => new Date(now.getTime() + EXPIRING_SOON_HOURS * HOUR_MS);
