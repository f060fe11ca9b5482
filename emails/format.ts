/**
 * Wording of times, places and slugs. Every time is shown in the recipient's own zone with the
 * zone's name beside it: a partner in Tehran and a manager in New York read the same deadline
 * differently, and neither should have to convert.
 */

type DateParts = Partial<Record<Intl.DateTimeFormatPartTypes, string>>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      timeZone,
    });
    formatters.set(key, cached);
  }
  return cached;
}

/**
 * An unknown zone in a user's profile must not stop their deadline email; UTC is printed with
 * its name, so the time shown stays true.
 */
export function resolveTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return 'UTC';
  }
}

function partsOf(locale: string, at: Date, timeZone: string): DateParts {
  if (Number.isNaN(at.getTime())) throw new Error('Refusing to print an invalid date in an email');
  const parts: DateParts = {};
  for (const part of formatter(locale, timeZone).formatToParts(at)) parts[part.type] = part.value;
  return parts;
}

const OFFSET_ONLY = /^(GMT|UTC)[+\-−]/;

/**
 * en-GB names the European zones (CET, BST) but only offsets the American ones, en-US the
 * reverse; the two never name the same zone differently, so the first real name wins and a
 * bare offset such as "GMT+3:30" remains where neither has one.
 */
function zoneName(at: Date, timeZone: string): string {
  const british = partsOf('en-GB', at, timeZone).timeZoneName ?? timeZone;
  if (!OFFSET_ONLY.test(british)) return british;
  const american = partsOf('en-US', at, timeZone).timeZoneName ?? british;
  return OFFSET_ONLY.test(american) ? british : american;
}

/** "Fri 27 Nov 2026, 14:00 CET" */
export function formatDateTime(at: Date, timeZone: string): string {
  const zone = resolveTimeZone(timeZone);
  const p = partsOf('en-GB', at, zone);
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${zoneName(at, zone)}`;
}

/** "Fri 27 Nov, 14:00 CET": for subjects, where the year only costs width. */
export function formatShortDateTime(at: Date, timeZone: string): string {
  const zone = resolveTimeZone(timeZone);
  const p = partsOf('en-GB', at, zone);
  return `${p.weekday} ${p.day} ${p.month}, ${p.hour}:${p.minute} ${zoneName(at, zone)}`;
}

/** "Fri 27 Nov 2026", the date as it is in the recipient's zone. */
export function formatDate(at: Date, timeZone: string): string {
  const p = partsOf('en-GB', at, resolveTimeZone(timeZone));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** "1 hour", "24 hours" */
export function formatHours(hours: number): string {
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/** Whether a count of hours can be printed as such (not NaN, not negative, not fractional). */
export function isWholeHours(hours: number): boolean {
  return Number.isInteger(hours) && hours > 0;
}

export function formatCount(count: number): string {
  if (!Number.isFinite(count)) throw new Error(`Refusing to print the count ${count} in an email`);
  return new Intl.NumberFormat('en-GB').format(count);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** "DE" → "Germany"; anything that is not a known code is shown as given. */
export function countryName(code: string): string {
  const normalized = code.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(normalized) || normalized === 'ZZ') return code;
  try {
    return regionNames.of(normalized) ?? code;
  } catch {
    return code;
  }
}

const ACRONYMS = new Set(['ai', 'crm', 'erp', 'hr', 'iot', 'it', 'saas', 'smb', 'uk', 'us']);

/** "financial_services" → "Financial services"; already worded values pass through. */
export function slugLabel(slug: string): string {
  if (!/^[a-z0-9]+([_-][a-z0-9]+)*$/.test(slug)) return slug;
  const words = slug.split(/[_-]/).map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word));
  const sentence = words.join(' ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

const SEGMENT_LABELS: Record<string, string> = {
  enterprise: 'Enterprise',
  mid_market: 'Mid-market',
  small_business: 'Small business',
};

export function sizeSegmentLabel(segment: string): string {
  return SEGMENT_LABELS[segment] ?? slugLabel(segment);
}

/** The segment as an adjective before a noun: "a mid-market manufacturer". */
const SEGMENT_ADJECTIVES: Record<string, string> = {
  enterprise: 'enterprise',
  mid_market: 'mid-market',
  small_business: 'small-business',
};

/** How a company of an industry is called in a sentence; others become "<industry> organisation". */
const INDUSTRY_NOUNS: Record<string, string> = {
  manufacturing: 'manufacturer',
  retail: 'retailer',
  healthcare: 'healthcare provider',
  financial_services: 'financial services firm',
  logistics: 'logistics company',
  energy: 'energy company',
  public_sector: 'public sector body',
  education: 'education provider',
  media: 'media company',
  telecommunications: 'telecommunications company',
};

function lowerFirst(words: string): string {
  // Keep acronyms ("IT services") as they are.
  return /^[A-Z]{2}/.test(words) ? words : words.charAt(0).toLowerCase() + words.slice(1);
}

/** "a mid-market manufacturer", "an enterprise retailer" */
export function customerDescription(sizeSegment: string, industry: string): string {
  const adjective = SEGMENT_ADJECTIVES[sizeSegment] ?? lowerFirst(sizeSegmentLabel(sizeSegment));
  const noun = INDUSTRY_NOUNS[industry] ?? `${lowerFirst(slugLabel(industry))} organisation`;
  const phrase = [adjective, noun].filter((word) => word.trim() !== '').join(' ');
  return `${/^[aeiou]/i.test(phrase) ? 'an' : 'a'} ${phrase}`;
}
