import { Form, useNavigation } from '@remix-run/react';
import { SIZE_SEGMENT_LABELS, SIZE_SEGMENTS, countryName } from '../domain/partners/labels';
import { CsrfField } from './csrf-field';
import { FactsList } from './facts-list';
import { FieldError } from './form-field';
import { TextField } from './text-field';

/** The profile as the loader serialises it. */
export interface ProfileView {
  countries: string[];
  industries: string[];
  sizeSegments: string[];
  productLines: string[];
  maxOpen: number;
  openLoad: number;
  timezone: string;
  /** ISO instant, or null when not paused (a pause already over counts as none). */
  pausedUntil: string | null;
  /** The day the company is back (YYYY-MM-DD in its time zone), when paused. */
  backOn: string | null;
}

/** What the action answered for one of these forms (see runProfileAction). */
export interface ProfileFormAnswer {
  intent: string;
  ok: boolean;
  message: string | null;
  fieldErrors: Record<string, string>;
  values: Record<string, string | string[]>;
}

function FormStatus({ answer, intents }: { answer: ProfileFormAnswer | undefined; intents: string[] }) {
  const mine = answer && intents.includes(answer.intent) ? answer : undefined;
  return (
    <p
      className={mine && !mine.ok ? 'form__status form__status--error' : 'form__status'}
      role="status"
      aria-live="polite"
    >
      {mine?.message}
    </p>
  );
}

/** The routing profile: an editable form for those who may change it, a summary for the others. */
export function ProfileSection({
  profile,
  editable,
  answer,
}: {
  profile: ProfileView;
  editable: boolean;
  answer: ProfileFormAnswer | undefined;
}) {
  const submitting = useNavigation().formData?.get('intent') === 'profile';
  if (!editable) return <ProfileSummary profile={profile} />;
  const refused = answer?.intent === 'profile' && !answer.ok ? answer : undefined;
  const errors = refused?.fieldErrors ?? {};
  const typed = (key: string, fallback: string) => {
    const value = refused?.values[key];
    return typeof value === 'string' ? value : fallback;
  };
  const segments = refused
    ? ((refused.values.sizeSegments as string[] | undefined) ?? [])
    : profile.sizeSegments;
  // key: a refused form re-mounts with what was typed; a saved one with what was stored.
  return (
    <Form method="post" className="form profile-form" noValidate key={refused ? 'refused' : 'stored'}>
      <CsrfField />
      <input type="hidden" name="intent" value="profile" />
      <TextField
        id="countries"
        name="countries"
        label="Countries covered"
        hint="ISO two-letter codes, separated by commas or spaces; the first is the home territory. Example: DE, AT, CH"
        defaultValue={typed('countries', profile.countries.join(', '))}
        error={errors.countries}
      />
      <TextField
        id="industries"
        name="industries"
        label="Industries"
        hint="Separated by commas. Example: manufacturing, retail"
        defaultValue={typed('industries', profile.industries.join(', '))}
        error={errors.industries}
      />
      <fieldset
        className="field field--choices"
        aria-describedby={errors.sizeSegments ? 'sizeSegments-error' : undefined}
      >
        <legend>Customer sizes served</legend>
        {SIZE_SEGMENTS.map((segment) => (
          <label key={segment} className="choice">
            <input
              type="checkbox"
              name="sizeSegments"
              value={segment}
              defaultChecked={segments.includes(segment)}
            />{' '}
            {SIZE_SEGMENT_LABELS[segment]}
          </label>
        ))}
        <FieldError id="sizeSegments" error={errors.sizeSegments} />
      </fieldset>
      <TextField
        id="productLines"
        name="productLines"
        label="Product lines sold"
        hint="Separated by commas. Example: storage, networking"
        defaultValue={typed('productLines', profile.productLines.join(', '))}
        error={errors.productLines}
      />
      <TextField
        id="maxOpen"
        name="maxOpen"
        label="Capacity (open offers and leads in work at once)"
        hint={`Now in use: ${profile.openLoad}. 0 stops new offers.`}
        defaultValue={typed('maxOpen', String(profile.maxOpen))}
        error={errors.maxOpen}
        inputMode="numeric"
      />
      <TextField
        id="timezone"
        name="timezone"
        label="Time zone"
        hint="An IANA name such as Europe/Berlin or America/New_York."
        defaultValue={typed('timezone', profile.timezone)}
        error={errors.timezone}
      />
      <button type="submit" className="button" disabled={submitting}>
        {submitting ? 'Saving…' : 'Save profile'}
      </button>
      <FormStatus answer={answer} intents={['profile']} />
    </Form>
  );
}

function ProfileSummary({ profile }: { profile: ProfileView }) {
  const list = (values: string[], render: (v: string) => string = (v) => v) =>
    values.length === 0 ? <span className="muted">none</span> : values.map(render).join(', ');
  return (
    <FactsList
      facts={[
        {
          term: 'Countries covered',
          value: list(profile.countries, (code) => `${countryName(code)} (${code})`),
        },
        { term: 'Industries', value: list(profile.industries) },
        {
          term: 'Customer sizes served',
          value: list(
            profile.sizeSegments,
            (s) => SIZE_SEGMENT_LABELS[s as keyof typeof SIZE_SEGMENT_LABELS] ?? s,
          ),
        },
        { term: 'Product lines sold', value: list(profile.productLines) },
        { term: 'Capacity', value: `${profile.openLoad} in use of ${profile.maxOpen}` },
        { term: 'Time zone', value: profile.timezone },
      ]}
    />
  );
}

/** Out of office: the current state, and the forms to pause until a day or to resume now. */
export function PauseSection({
  profile,
  editable,
  answer,
  today,
}: {
  profile: ProfileView;
  editable: boolean;
  answer: ProfileFormAnswer | undefined;
  /** YYYY-MM-DD in the company's time zone: the earliest day the date picker offers is tomorrow. */
  today: string;
}) {
  const refused = answer?.intent === 'pause' && !answer.ok ? answer : undefined;
  const error = refused?.fieldErrors.backOn;
  const typedBackOn = typeof refused?.values.backOn === 'string' ? refused.values.backOn : '';
  return (
    <div className="pause">
      {profile.backOn ? (
        <p className="notice">
          Out of office: no new leads are offered until <strong>{profile.backOn}</strong> (00:00,{' '}
          {profile.timezone}). Offers already pending keep their deadlines.
        </p>
      ) : (
        <p>Not paused: new leads can be offered now.</p>
      )}
      {editable ? (
        <div className="pause__forms">
          <Form method="post" className="form pause__form" noValidate key={refused ? 'refused' : 'stored'}>
            <CsrfField />
            <input type="hidden" name="intent" value="pause" />
            <TextField
              id="backOn"
              name="backOn"
              label="Back on"
              hint={`No new leads until 00:00 on this day, ${profile.timezone} time.`}
              type="date"
              min={today}
              defaultValue={typedBackOn || profile.backOn || ''}
              error={error}
            />
            <button type="submit" className="button">
              {profile.backOn ? 'Change the pause' : 'Pause new leads'}
            </button>
          </Form>
          {profile.backOn ? (
            <Form method="post" className="pause__form">
              <CsrfField />
              <input type="hidden" name="intent" value="resume" />
              <button type="submit" className="button button--secondary">
                Resume now
              </button>
            </Form>
          ) : null}
          <FormStatus answer={answer} intents={['pause', 'resume']} />
        </div>
      ) : null}
    </div>
  );
}

export const formatPercent = (rate: number | null) =>
  rate === null ? '—' : `${(rate * 100).toLocaleString('en-GB', { maximumFractionDigits: 0 })} %`;

/** A response time as a person says it: "45 min", "3.5 h", "2.1 days". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = ms / 60_000;
  if (minutes < 1) return '< 1 min';
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${hours.toLocaleString('en-GB', { maximumFractionDigits: 1 })} h`;
  return `${(hours / 24).toLocaleString('en-GB', { maximumFractionDigits: 1 })} days`;
}
