import {
  data,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { formatUtc } from '../components/countdown';
import { CsrfField } from '../components/csrf-field';
import { TextField } from '../components/text-field';
import { systemClock } from '../domain/clock';
import { formNumber, splitList } from '../domain/partners/profile';
import { WEIGHT_KEYS, type WeightKey } from '../domain/routing/settings';
import { loadRoutingSettingsRecord, updateRoutingSettings } from '../domain/routing/settings-update.server';
import partnersStylesUrl from '../styles/partners.css?url';
import { database } from '../utils/db.server';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';
import { can, requirePermission } from '../utils/permissions.server';

export const meta: MetaFunction = () => [{ title: 'Routing settings · Baton' }];
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];

const WEIGHT_LABELS: Record<WeightKey, string> = {
  territory: 'Home territory',
  industry: 'Industry fit',
  segment: 'Customer size fit',
  tier: 'Partner tier',
  campaign: 'Campaign membership',
  relationship: 'Existing relationship with the customer',
  acceptance: 'Acceptance rate',
  speed: 'Response speed',
  winRate: 'Win rate',
};

export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:routing-settings:any');
  const record = await loadRoutingSettingsRecord(database());
  return {
    settings: record.settings,
    updatedAt: record.updatedAt?.toISOString() ?? null,
    updatedByName: record.updatedByName,
    canEdit: can(user, 'update:routing-settings:any'),
  };
});

type FormValues = Record<string, string>;
type SettingsAnswer = {
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string>;
  values: FormValues;
};

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form: form } = await formFor(request, permissionTo('update:routing-settings:any'));
  const text = (key: string) => (typeof form.get(key) === 'string' ? String(form.get(key)) : '');
  const values: FormValues = {
    windowHours: text('windowHours'),
    reminderOffsetsHours: text('reminderOffsetsHours'),
    roundLimit: text('roundLimit'),
  };
  for (const key of WEIGHT_KEYS) values[`weights.${key}`] = text(`weights.${key}`);
  const reminders = splitList(values.reminderOffsetsHours, { onSpaces: true });
  const change = await updateRoutingSettings(
    database(),
    {
      windowHours: formNumber(values.windowHours),
      reminderOffsetsHours: reminders.map(formNumber),
      roundLimit: formNumber(values.roundLimit),
      weights: Object.fromEntries(WEIGHT_KEYS.map((key) => [key, formNumber(values[`weights.${key}`])])),
    },
    { userId: user.id },
    systemClock,
  );
  if (!change.ok) {
    const fieldErrors = { ...change.fieldErrors };
    const notANumber = reminders.find((item) => !Number.isInteger(formNumber(item)));
    if (fieldErrors.reminderOffsetsHours && notANumber !== undefined)
      fieldErrors.reminderOffsetsHours = `“${notANumber}” is not a whole number of hours; separate hours with commas, such as 24, 4.`;
    return data<SettingsAnswer>(
      { ok: false, message: 'Nothing was saved: correct the fields marked below.', fieldErrors, values },
      { status: 400 },
    );
  }
  return data<SettingsAnswer>({
    ok: true,
    message: 'Saved. New offers use these values; pending offers keep their deadlines and reminders.',
    fieldErrors: {},
    values: {},
  });
});

export default function RoutingSettingsPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const saving = useNavigation().state === 'submitting';
  const refused = answer && !answer.ok ? answer : undefined;
  const errors = refused?.fieldErrors ?? {};
  const { settings } = page;
  const value = (key: string, stored: string) => (refused ? (refused.values[key] ?? '') : stored);

  return (
    <>
      <div className="page-heading">
        <h1>Routing settings</h1>
        <p className="muted">
          {page.updatedAt ? (
            <>
              Last changed <time dateTime={page.updatedAt}>{formatUtc(page.updatedAt)}</time>
              {page.updatedByName ? ` by ${page.updatedByName}` : ''}.
            </>
          ) : (
            'The values installed with Baton.'
          )}
        </p>
      </div>
      <p className="notice" id="settings-effect">
        New values apply to new offers only. Offers already pending keep the deadline and the reminders they
        were given when they were made.
      </p>
      <Form
        method="post"
        className="form settings-form"
        noValidate
        aria-describedby="settings-effect"
        key={refused ? 'refused' : 'stored'}
      >
        <CsrfField />
        <fieldset disabled={!page.canEdit} className="settings-form__group">
          <legend>The offer</legend>
          <TextField
            id="windowHours"
            name="windowHours"
            label="Response window (hours)"
            hint="How long a partner has to accept or decline: 1 to 720 hours."
            defaultValue={value('windowHours', String(settings.windowHours))}
            error={errors.windowHours}
            inputMode="numeric"
          />
          <TextField
            id="reminderOffsetsHours"
            name="reminderOffsetsHours"
            label="Reminders (hours before the deadline)"
            hint="Up to 5, separated by commas, each shorter than the window. Example: 24, 4. Leave empty for none."
            defaultValue={value('reminderOffsetsHours', settings.reminderOffsetsHours.join(', '))}
            error={errors.reminderOffsetsHours}
            inputMode="text"
          />
          <TextField
            id="roundLimit"
            name="roundLimit"
            label="Round limit"
            hint="How many partners a lead is offered to before it goes to the channel managers: 1 to 100."
            defaultValue={value('roundLimit', String(settings.roundLimit))}
            error={errors.roundLimit}
            inputMode="numeric"
          />
        </fieldset>
        <fieldset disabled={!page.canEdit} className="settings-form__group">
          <legend>Scoring weights (0 to 100 each)</legend>
          <div className="settings-form__weights">
            {WEIGHT_KEYS.map((key) => (
              <TextField
                key={key}
                id={`weights.${key}`}
                name={`weights.${key}`}
                label={WEIGHT_LABELS[key]}
                defaultValue={value(`weights.${key}`, String(settings.weights[key]))}
                error={errors[`weights.${key}`]}
                inputMode="decimal"
              />
            ))}
          </div>
        </fieldset>
        {page.canEdit ? (
          <button type="submit" className="button" disabled={saving}>
            {saving ? 'Saving…' : 'Save settings'}
          </button>
        ) : null}
        <p
          className={refused ? 'form__status form__status--error' : 'form__status'}
          role="status"
          aria-live="polite"
        >
          {answer?.message}
        </p>
      </Form>
    </>
  );
}
