import { z } from 'zod';
import { COMPANY_USER_ROLES, MIN_PASSWORD_LENGTH, SIZE_SEGMENTS, isCountryCode } from './labels';

export {
  COMPANY_USER_ROLES,
  COMPANY_USER_ROLE_LABELS,
  MIN_PASSWORD_LENGTH,
  SIZE_SEGMENTS,
  SIZE_SEGMENT_LABELS,
  countryName,
  isCountryCode,
  type CompanyUserRole,
  type SizeSegment,
} from './labels';

export const MAX_OPEN_LIMIT = 10_000;
/** How far ahead an out-of-office pause may reach; beyond that the partner should be made inactive. */
export const MAX_PAUSE_DAYS = 366;

/** Whether the IANA time zone exists on this server (UTC included). */
export function isTimeZone(zone: string): boolean {
  if (zone === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// Routing matches industries and product lines by exact text against the opportunity's, so
// they are stored in one spelling: trimmed and lower case.
const label = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .min(1, `An empty ${what} is not allowed.`)
    .max(60, `A ${what} has at most 60 characters.`)
    .refine((value) => /^[a-z0-9][a-z0-9 _&/.-]*$/.test(value), {
      error: (issue) =>
        `“${String(issue.input)}” is not a valid ${what}: use letters, digits, spaces, - or _.`,
    });

const distinct = <T>(values: T[]) => [...new Set(values)];

export const partnerProfileSchema = z.object({
  countries: z
    .array(
      z
        .string()
        .trim()
        .toUpperCase()
        .refine(isCountryCode, {
          error: (issue) =>
            `“${String(issue.input)}” is not an ISO 3166-1 two-letter country code (such as DE, FR or US).`,
        }),
    )
    .min(1, 'Give at least one country: routing only offers leads in countries the company covers.')
    .max(250, 'Give at most 250 countries.')
    .transform(distinct),
  industries: z.array(label('industry')).max(50, 'Give at most 50 industries.').transform(distinct),
  sizeSegments: z
    .array(z.enum(SIZE_SEGMENTS, { error: `Choose among: ${SIZE_SEGMENTS.join(', ')}.` }))
    .transform(distinct),
  productLines: z
    .array(label('product line'))
    .min(1, 'Give at least one product line: routing only offers leads for product lines the company sells.')
    .max(50, 'Give at most 50 product lines.')
    .transform(distinct),
  maxOpen: z
    .number({ error: 'Enter a whole number of leads.' })
    .int('Enter a whole number of leads.')
    .min(0, 'Capacity cannot be negative (0 stops new offers).')
    .max(MAX_OPEN_LIMIT, `Capacity is at most ${MAX_OPEN_LIMIT.toLocaleString('en-GB')}.`),
  timezone: z
    .string()
    .trim()
    .refine(isTimeZone, {
      error: (issue) =>
        `“${String(issue.input)}” is not a time zone; use a name such as Europe/Berlin or UTC.`,
    }),
});
export type PartnerProfileInput = z.infer<typeof partnerProfileSchema>;

/** A list typed into one text box: split on commas (and, for codes, on spaces too). */
export function splitList(value: unknown, { onSpaces = false } = {}): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(onSpaces ? /[\s,;]+/ : /[,;\n]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A number typed into a form; '' and junk become NaN so the schema refuses them with a reason. */
export function formNumber(value: unknown): number {
  if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
  return Number(value.trim());
}

/** The profile form's fields as the schema wants them; every value is still untrusted. */
export function profileFromForm(form: FormData) {
  return {
    countries: splitList(form.get('countries'), { onSpaces: true }),
    industries: splitList(form.get('industries')),
    sizeSegments: form.getAll('sizeSegments').map(String),
    productLines: splitList(form.get('productLines')),
    maxOpen: formNumber(form.get('maxOpen')),
    timezone: typeof form.get('timezone') === 'string' ? String(form.get('timezone')) : '',
  };
}

/** Out of office: no new offer until 00:00 on `backOn` in the company's time zone. */
export const pauseSchema = z.object({
  backOn: z
    .string({ error: 'Choose the day the company is back.' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose the day the company is back.')
    .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'That is not a calendar day.'),
});

/**
 * The instant at which `day` (YYYY-MM-DD) begins in `timeZone`. Two passes of the zone's offset
 * settle the days on which a daylight-saving change moves it.
 */
export function startOfDayIn(day: string, timeZone: string): Date {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const wallClock = Date.UTC(year, month - 1, date);
  let instant = wallClock - offsetMs(wallClock, timeZone);
  instant = wallClock - offsetMs(instant, timeZone);
  return new Date(instant);
}

function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - (instant - (instant % 1000));
}

/** The calendar day (YYYY-MM-DD) of `instant` in `timeZone`. */
export function dayIn(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

export const newCompanyUserSchema = z.object({
  name: z.string().trim().min(1, 'Enter the person’s name.').max(120, 'A name has at most 120 characters.'),
  email: z
    .string()
    .trim()
    .min(1, 'Enter their work email.')
    .max(254, 'An email address has at most 254 characters.')
    .pipe(z.email({ error: 'Enter an email address such as name@company.com.' })),
  role: z.enum(COMPANY_USER_ROLES, { error: 'Choose partner rep or partner admin.' }),
  temporaryPassword: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `A temporary password has at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(1024, 'A password has at most 1024 characters.'),
});
export type NewCompanyUser = z.infer<typeof newCompanyUserSchema>;
