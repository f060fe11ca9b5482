import {
  data,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { emailSettingsSchema, getEmailDelivery, setEmailDelivery } from '../models/email-settings.server';
import partnersStylesUrl from '../styles/partners.css?url';
import { database } from '../utils/db.server';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';
import { requirePermission } from '../utils/permissions.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Email settings · Baton' }];

const CHOICES = [
  {
    value: 'each',
    label: 'Email me each unroutable and accepted lead',
    hint: 'One email per lead as it happens, and the daily digest.',
  },
  {
    value: 'digest',
    label: 'Only the daily digest',
    hint: 'One email a day with the queue’s figures; nothing per lead.',
  },
] as const;

// Channel managers only: they are the ones who get an email per unroutable or accepted lead.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:email-settings:own');
  return { delivery: await getEmailDelivery(database(), { userId: user.id }), email: user.email };
});

type Answer = { ok: boolean; message: string; fieldErrors: { delivery?: string } };

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('update:email-settings:own'));
  const parsed = emailSettingsSchema.safeParse({ delivery: formData.get('delivery') ?? undefined });
  if (!parsed.success) {
    return data<Answer>(
      {
        ok: false,
        message: 'Nothing was saved: choose one of the options.',
        fieldErrors: { delivery: parsed.error.issues[0]!.message },
      },
      { status: 400 },
    );
  }
  await setEmailDelivery(database(), { userId: user.id, delivery: parsed.data.delivery });
  return data<Answer>({
    ok: true,
    message:
      parsed.data.delivery === 'digest'
        ? 'Saved. From now on you get only the daily digest.'
        : 'Saved. From now on you get an email for each unroutable and accepted lead, and the daily digest.',
    fieldErrors: {},
  });
});

export default function EmailSettings() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const saving = useNavigation().state === 'submitting';
  const error = answer?.fieldErrors.delivery;
  return (
    <section className="narrow" aria-labelledby="email-settings-title">
      <h1 id="email-settings-title">Email settings</h1>
      <p className="muted">Emails go to {page.email}.</p>
      <Form method="post" className="form" noValidate>
        <CsrfField />
        <fieldset className="field field--choices" aria-describedby={error ? 'delivery-error' : undefined}>
          <legend>Unroutable and accepted leads</legend>
          {CHOICES.map((choice) => (
            <div key={choice.value}>
              <label className="choice">
                <input
                  type="radio"
                  name="delivery"
                  value={choice.value}
                  defaultChecked={page.delivery === choice.value}
                  aria-describedby={`delivery-${choice.value}-hint`}
                />
                {choice.label}
              </label>
              <p id={`delivery-${choice.value}-hint`} className="field__hint">
                {choice.hint}
              </p>
            </div>
          ))}
          {error ? (
            <p id="delivery-error" className="field__error">
              {error}
            </p>
          ) : null}
        </fieldset>
        <button type="submit" className="button" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <p
          className={answer && !answer.ok ? 'form__status form__status--error' : 'form__status'}
          role="status"
          aria-live="polite"
        >
          {answer?.message}
        </p>
      </Form>
    </section>
  );
}
