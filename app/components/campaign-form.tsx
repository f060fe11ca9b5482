import { Form } from '@remix-run/react';
import type { ReactNode } from 'react';
import {
  CAMPAIGN_GOAL_MAX,
  CAMPAIGN_NAME_MAX,
  CAMPAIGN_STATUSES,
  CAMPAIGN_STATUS_LABELS,
  type CampaignField,
} from '../domain/campaigns/campaign-form';
import { CURRENCIES } from '../domain/money';
import { SIZE_SEGMENTS, SIZE_SEGMENT_LABELS } from '../domain/partners/labels';
import { CsrfField } from './csrf-field';

export type CampaignFormValues = Record<CampaignField, string | string[]>;

export const EMPTY_CAMPAIGN_FORM: CampaignFormValues = {
  name: '',
  goal: '',
  startsOn: '',
  endsOn: '',
  status: 'draft',
  budget: '',
  currency: 'EUR',
  targetCountries: '',
  targetIndustries: '',
  targetSizeSegments: [],
  targetProductLines: '',
  joinedPartnersFirst: 'no',
};

/**
 * The campaign's fields, for a new campaign and for changing one. A refused form comes back
 * with what was typed and each reason beside its field.
 */
export function CampaignForm({
  values,
  errors,
  intent,
  submitLabel,
  busy,
}: {
  values: CampaignFormValues;
  errors: Partial<Record<string, string>>;
  /** Set on a page whose form posts several kinds of action. */
  intent?: string;
  submitLabel: string;
  busy: boolean;
}) {
  const text = (name: CampaignField) => {
    const value = values[name];
    return typeof value === 'string' ? value : '';
  };
  const segments = Array.isArray(values.targetSizeSegments) ? values.targetSizeSegments : [];
  const field = (name: CampaignField, label: string, hint?: string) => ({
    name,
    label,
    hint,
    error: errors[name],
  });
  const joinedFirst = text('joinedPartnersFirst') === 'yes';

  return (
    <Form method="post" className="form campaign-form" noValidate aria-label="Campaign">
      <CsrfField />
      {intent ? <input type="hidden" name="intent" value={intent} /> : null}
      <Field {...field('name', 'Name')}>
        {(props) => <input {...props} defaultValue={text('name')} maxLength={CAMPAIGN_NAME_MAX} />}
      </Field>
      <Field {...field('goal', 'Goal', 'What the campaign should achieve; partners see it.')}>
        {(props) => (
          <textarea {...props} rows={3} defaultValue={text('goal')} maxLength={CAMPAIGN_GOAL_MAX} />
        )}
      </Field>
      <div className="field-row">
        <Field {...field('startsOn', 'Starts on (optional)')}>
          {(props) => <input {...props} type="date" defaultValue={text('startsOn')} />}
        </Field>
        <Field {...field('endsOn', 'Ends on (optional)')}>
          {(props) => <input {...props} type="date" defaultValue={text('endsOn')} />}
        </Field>
        <Field {...field('status', 'Status')}>
          {(props) => (
            <select {...props} defaultValue={text('status') || 'draft'}>
              {CAMPAIGN_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {CAMPAIGN_STATUS_LABELS[status]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="field-row">
        <Field {...field('budget', 'Budget (optional)')}>
          {(props) => (
            <input {...props} inputMode="decimal" placeholder="25000.00" defaultValue={text('budget')} />
          )}
        </Field>
        <Field {...field('currency', 'Currency')}>
          {(props) => (
            <select {...props} defaultValue={text('currency') || 'EUR'}>
              {CURRENCIES.map((currency) => (
                <option key={currency} value={currency}>
                  {currency}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className="campaign-form__targets">
        <legend>Targets</legend>
        <p className="muted">Partners covering these are suggested first. Leave a list empty for any.</p>
        <Field
          {...field('targetCountries', 'Countries', 'ISO codes, separated by commas or spaces: DE, AT, CH.')}
        >
          {(props) => <input {...props} defaultValue={text('targetCountries')} autoComplete="off" />}
        </Field>
        <Field {...field('targetIndustries', 'Industries', 'Separated by commas: manufacturing, retail.')}>
          {(props) => <input {...props} defaultValue={text('targetIndustries')} autoComplete="off" />}
        </Field>
        <fieldset
          className="choices"
          aria-describedby={errors.targetSizeSegments ? 'field-targetSizeSegments-error' : undefined}
        >
          <legend>Customer sizes</legend>
          {SIZE_SEGMENTS.map((segment) => (
            <div className="choice" key={segment}>
              <input
                type="checkbox"
                id={`targetSizeSegments-${segment}`}
                name="targetSizeSegments"
                value={segment}
                defaultChecked={segments.includes(segment)}
              />
              <label htmlFor={`targetSizeSegments-${segment}`}>{SIZE_SEGMENT_LABELS[segment]}</label>
            </div>
          ))}
          <FieldError name="targetSizeSegments" error={errors.targetSizeSegments} />
        </fieldset>
        <Field {...field('targetProductLines', 'Product lines', 'Separated by commas: storage, backup.')}>
          {(props) => <input {...props} defaultValue={text('targetProductLines')} autoComplete="off" />}
        </Field>
      </fieldset>
      <fieldset
        className="choices"
        aria-describedby={errors.joinedPartnersFirst ? 'field-joinedPartnersFirst-error' : undefined}
      >
        <legend>Offer the campaign’s leads to joined partners before anyone else?</legend>
        <div className="choice">
          <input
            type="radio"
            id="joinedPartnersFirst-yes"
            name="joinedPartnersFirst"
            value="yes"
            defaultChecked={joinedFirst}
          />
          <label htmlFor="joinedPartnersFirst-yes">Yes, joined partners first</label>
        </div>
        <div className="choice">
          <input
            type="radio"
            id="joinedPartnersFirst-no"
            name="joinedPartnersFirst"
            value="no"
            defaultChecked={!joinedFirst}
          />
          <label htmlFor="joinedPartnersFirst-no">No, joined partners only score higher</label>
        </div>
        <FieldError name="joinedPartnersFirst" error={errors.joinedPartnersFirst} />
      </fieldset>
      <button type="submit" className="button" disabled={busy}>
        {submitLabel}
      </button>
    </Form>
  );
}

interface ControlProps {
  id: string;
  name: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

function Field({
  name,
  label,
  hint,
  error,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  error?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="subtle">
          {hint}
        </p>
      ) : null}
      {children({
        id,
        name,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': described || undefined,
      })}
      <FieldError name={name} error={error} />
    </div>
  );
}

function FieldError({ name, error }: { name: string; error?: string }) {
  return error ? (
    <p id={`field-${name}-error`} className="field__error">
      {error}
    </p>
  ) : null;
}
