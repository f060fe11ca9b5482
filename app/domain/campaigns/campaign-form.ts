import { z } from 'zod';
import { CURRENCIES, parseAmountToMinor } from '../money';
import { fieldErrorsOf, type FieldErrors } from '../partners/field-errors';
import { SIZE_SEGMENTS, isCountryCode } from '../partners/labels';
import { splitList } from '../partners/profile';
import type { CAMPAIGN_STATUSES as SCHEMA_CAMPAIGN_STATUSES } from '../../../db/schema';

// Spelled out, as SIZE_SEGMENTS is, so that pages can use them without the database schema.
export const CAMPAIGN_STATUSES = [
  'draft',
  'active',
  'completed',
] as const satisfies typeof SCHEMA_CAMPAIGN_STATUSES;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: 'Draft',
  active: 'Active',
  completed: 'Completed',
};

export const INVITATION_STATUS_LABELS: Record<string, string> = {
  invited: 'Invited, no answer yet',
  joined: 'Joined',
  declined: 'Declined',
};

const dayFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** "1 Jun 2026 – 30 Sep 2026": calendar days, the same in every time zone. */
export function campaignDates(startsOn: string | null, endsOn: string | null): string {
  const day = (value: string) => dayFormat.format(new Date(`${value}T00:00:00Z`));
  if (startsOn && endsOn) return `${day(startsOn)} – ${day(endsOn)}`;
  if (startsOn) return `from ${day(startsOn)}`;
  if (endsOn) return `until ${day(endsOn)}`;
  return 'no dates yet';
}

export const CAMPAIGN_NAME_MAX = 120;
export const CAMPAIGN_GOAL_MAX = 2000;

/** The fields of the campaign form, in the order the form shows them. */
export const CAMPAIGN_FIELDS = [
  'name',
  'goal',
  'startsOn',
  'endsOn',
  'status',
  'budget',
  'currency',
  'targetCountries',
  'targetIndustries',
  'targetSizeSegments',
  'targetProductLines',
  'joinedPartnersFirst',
] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];

const isCalendarDay = (day: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const parsed = new Date(`${day}T00:00:00Z`);
  // 2026-02-30 parses to 2 March: only a day that survives the round trip exists.
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
};

const optionalDay = (what: string) =>
  z
    .string()
    .trim()
    .refine((day) => day === '' || isCalendarDay(day), `Choose the ${what} as a calendar day (YYYY-MM-DD).`)
    .transform((day) => (day === '' ? null : day));

// Routing matches industries and product lines by exact text, in the spelling partner profiles
// use (trimmed, lower case): targets in another spelling would never match a partner.
const label = (what: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .max(60, `A ${what} has at most 60 characters.`)
    .refine((value) => /^[a-z0-9][a-z0-9 _&/.-]*$/.test(value), {
      error: (issue) =>
        `“${String(issue.input)}” is not a valid ${what}: use letters, digits, spaces, - or _.`,
    });

const distinct = <T>(values: T[]) => [...new Set(values)];

/** Each field on its own; the checks between fields follow in `crossFieldIssues`. */
const campaignFieldsSchema = z.object({
  name: z
    .string({ error: 'Give the campaign a name.' })
    .trim()
    .min(1, 'Give the campaign a name.')
    .max(CAMPAIGN_NAME_MAX, `A name has at most ${CAMPAIGN_NAME_MAX} characters.`),
  goal: z.string().trim().max(CAMPAIGN_GOAL_MAX, `The goal has at most ${CAMPAIGN_GOAL_MAX} characters.`),
  startsOn: optionalDay('start'),
  endsOn: optionalDay('end'),
  status: z.enum(CAMPAIGN_STATUSES, { error: 'Choose draft, active or completed.' }),
  budget: z.string().trim(),
  currency: z.enum(CURRENCIES, { error: 'Choose a currency from the list (an ISO 4217 code such as EUR).' }),
  targetCountries: z
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
    .max(250, 'Give at most 250 countries.')
    .transform(distinct),
  targetIndustries: z.array(label('industry')).max(50, 'Give at most 50 industries.').transform(distinct),
  targetSizeSegments: z
    .array(z.enum(SIZE_SEGMENTS, { error: `Choose among: ${SIZE_SEGMENTS.join(', ')}.` }))
    .transform(distinct),
  targetProductLines: z
    .array(label('product line'))
    .max(50, 'Give at most 50 product lines.')
    .transform(distinct),
  joinedPartnersFirst: z.enum(['yes', 'no'], { error: 'Choose yes or no.' }),
});

type RawCampaignForm = Record<string, unknown>;

/**
 * The end against the start, the budget against the currency: checked whenever the fields
 * they need are readable, even when another field is wrong, so that the form lists every
 * reason at once.
 */
function crossFieldIssues(raw: RawCampaignForm): { field: CampaignField; message: string }[] {
  const issues: { field: CampaignField; message: string }[] = [];
  const startsOn = typeof raw.startsOn === 'string' ? raw.startsOn.trim() : '';
  const endsOn = typeof raw.endsOn === 'string' ? raw.endsOn.trim() : '';
  if (isCalendarDay(startsOn) && isCalendarDay(endsOn) && endsOn < startsOn) {
    issues.push({ field: 'endsOn', message: 'The end cannot be before the start.' });
  }
  const budget = typeof raw.budget === 'string' ? raw.budget.trim() : '';
  const currency = CURRENCIES.find((c) => c === raw.currency);
  if (budget !== '' && currency) {
    const amount = parseAmountToMinor(budget, currency);
    if (!amount.ok) issues.push({ field: 'budget', message: amount.reason });
  }
  return issues;
}

/**
 * The campaign form as typed. The budget is an amount in the chosen currency ("25,000.50");
 * it becomes minor units here, so the stored figure never passes through a float.
 */
export const campaignFormSchema = campaignFieldsSchema
  .superRefine((form, ctx) => {
    for (const issue of crossFieldIssues(form)) {
      ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
    }
  })
  .transform((form) => ({
    name: form.name,
    goal: form.goal,
    startsOn: form.startsOn,
    endsOn: form.endsOn,
    status: form.status,
    // An empty budget is no budget: 0, and "won against budget" is then not shown.
    budgetMinor:
      form.budget === '' ? 0 : (parseAmountToMinor(form.budget, form.currency) as { minor: number }).minor,
    currency: form.currency,
    targetCountries: form.targetCountries,
    targetIndustries: form.targetIndustries,
    targetSizeSegments: form.targetSizeSegments,
    targetProductLines: form.targetProductLines,
    joinedPartnersFirst: form.joinedPartnersFirst === 'yes',
  }));

export type CampaignInput = z.output<typeof campaignFormSchema>;

const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

/** The form's fields as the schema wants them; every value is still untrusted. */
export function campaignFromForm(form: FormData) {
  return {
    name: text(form, 'name'),
    goal: text(form, 'goal'),
    startsOn: text(form, 'startsOn'),
    endsOn: text(form, 'endsOn'),
    status: text(form, 'status'),
    budget: text(form, 'budget'),
    currency: text(form, 'currency'),
    targetCountries: splitList(form.get('targetCountries'), { onSpaces: true }),
    targetIndustries: splitList(form.get('targetIndustries')),
    targetSizeSegments: form.getAll('targetSizeSegments').map(String),
    targetProductLines: splitList(form.get('targetProductLines')),
    joinedPartnersFirst: text(form, 'joinedPartnersFirst') || 'no',
  };
}

/** What the form shows again after a refusal: exactly what was typed. */
export function typedValues(form: FormData): Record<CampaignField, string | string[]> {
  return {
    name: text(form, 'name'),
    goal: text(form, 'goal'),
    startsOn: text(form, 'startsOn'),
    endsOn: text(form, 'endsOn'),
    status: text(form, 'status'),
    budget: text(form, 'budget'),
    currency: text(form, 'currency'),
    targetCountries: text(form, 'targetCountries'),
    targetIndustries: text(form, 'targetIndustries'),
    targetSizeSegments: form.getAll('targetSizeSegments').map(String),
    targetProductLines: text(form, 'targetProductLines'),
    joinedPartnersFirst: text(form, 'joinedPartnersFirst') || 'no',
  };
}

export type CampaignFormResult =
  | { ok: true; campaign: CampaignInput }
  | { ok: false; fieldErrors: FieldErrors; typed: Record<CampaignField, string | string[]> };

/** The posted form, checked field by field: every reason at once, or the campaign to save. */
export function parseCampaignForm(form: FormData): CampaignFormResult {
  const raw = campaignFromForm(form);
  const parsed = campaignFormSchema.safeParse(raw);
  if (parsed.success) return { ok: true, campaign: parsed.data };
  const fieldErrors = fieldErrorsOf(parsed.error);
  // Zod skips the cross-field checks when a field failed; they are added here all the same.
  for (const issue of crossFieldIssues(raw)) fieldErrors[issue.field] ??= issue.message;
  return { ok: false, fieldErrors, typed: typedValues(form) };
}
