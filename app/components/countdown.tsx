import { useEffect, useState } from 'react';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Two units, the larger first: "2 d 5 h", "3 h 12 min", "4 min 9 s", "42 s". */
function span(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const seconds = Math.floor((ms % MINUTE_MS) / SECOND_MS);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds} s`;
  return `${seconds} s`;
}

/** "in 3 h 12 min" before the deadline; "overdue by 2 min" once it has passed unanswered. */
export function formatCountdown(deadline: Date | string, now: number): string {
  const remaining = new Date(deadline).getTime() - now;
  if (remaining >= SECOND_MS) return `in ${span(remaining)}`;
  if (remaining > -SECOND_MS) return 'due now';
  return `overdue by ${span(-remaining)}`;
}

/** "3 Mar 2026, 09:00 UTC": UTC so that the server's text and the browser's are the same. */
export function formatUtc(at: Date | string): string {
  const date = new Date(at);
  const day = date.getUTCDate();
  const month = MONTHS[date.getUTCMonth()];
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return `${day} ${month} ${date.getUTCFullYear()}, ${time} UTC`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

// A device clock within this of the server's is trusted as it is; one further off is corrected,
// since a partner with a wrong clock would otherwise read a wrong deadline.
const TRUSTED_SKEW_MS = 30 * SECOND_MS;

/**
 * The current time, ticking every second in the browser. The first render uses the server's
 * `serverNow`, so the hydrated text matches the server's HTML; the ticking starts after.
 */
export function useNow(serverNow: string): number {
  const [now, setNow] = useState(() => Date.parse(serverNow));
  useEffect(() => {
    const skew = Date.parse(serverNow) - Date.now();
    const correction = Math.abs(skew) > TRUSTED_SKEW_MS ? skew : 0;
    const tick = () => setNow(Date.now() + correction);
    tick();
    const timer = setInterval(tick, SECOND_MS);
    return () => clearInterval(timer);
  }, [serverNow]);
  return now;
}

/** A live countdown to `deadline`, marked urgent once it is within `soonWithinHours`. */
export function Countdown({
  deadline,
  now,
  soonWithinHours,
}: {
  deadline: string;
  now: number;
  soonWithinHours: number;
}) {
  const remaining = Date.parse(deadline) - now;
  const tone = remaining < 0 ? 'overdue' : remaining <= soonWithinHours * HOUR_MS ? 'soon' : 'later';
  return (
    <time className={`countdown countdown--${tone}`} dateTime={deadline} title={formatUtc(deadline)}>
      {formatCountdown(deadline, now)}
    </time>
  );
}
