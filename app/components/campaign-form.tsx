import { Form } from '@remix-run/react';
import {
  CAMPAIGN_GOAL_MAX,
  CAMPAIGN_NAME_MAX,
  CAMPAIGN_STATUSES,
  CAMPAIGN_STATUS_LABELS,
  type CampaignField,
} from '../domain/campaigns/campaign-form';
import { CURRENCY_OPTIONS } from '../domain/money';
import { SIZE_SEGMENTS, SIZE_SEGMENT_LABELS } from '../domain/partners/labels';
import { CsrfField } from './csrf-field';
import { FieldError } from './form-field';
import { SelectField } from './select-field';
import { TextAreaField, TextField } from './text-field';

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
      <TextField {...field('name', 'Name')} defaultValue={text('name')} maxLength={CAMPAIGN_NAME_MAX} />
      <TextAreaField
        {...field('goal', 'Goal', 'What the campaign should achieve; partners see it.')}
        rows={3}
        defaultValue={text('goal')}
        maxLength={CAMPAIGN_GOAL_MAX}
      />
      <div className="field-row">
        <TextField
          {...field('startsOn', 'Starts on (optional)')}
          type="date"
          defaultValue={text('startsOn')}
        />
        <TextField {...field('endsOn', 'Ends on (optional)')} type="date" defaultValue={text('endsOn')} />
        <SelectField
          {...field('status', 'Status')}
          defaultValue={text('status') || 'draft'}
          options={CAMPAIGN_STATUSES.map((status) => ({
            value: status,
            label: CAMPAIGN_STATUS_LABELS[status],
          }))}
        />
      </div>
      <div className="field-row">
        <TextField
          {...field('budget', 'Budget (optional)')}
          inputMode="decimal"
          placeholder="25000.00"
          defaultValue={text('budget')}
        />
        <SelectField
          {...field('currency', 'Currency')}
          defaultValue={text('currency') || 'EUR'}
          options={CURRENCY_OPTIONS}
        />
      </div>
      <fieldset className="campaign-form__targets">
        <legend>Targets</legend>
        <p className="muted">Partners covering these are suggested first. Leave a list empty for any.</p>
        <TextField
          {...field('targetCountries', 'Countries', 'ISO codes, separated by commas or spaces: DE, AT, CH.')}
          defaultValue={text('targetCountries')}
          autoComplete="off"
        />
        <TextField
          {...field('targetIndustries', 'Industries', 'Separated by commas: manufacturing, retail.')}
          defaultValue={text('targetIndustries')}
          autoComplete="off"
        />
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
        <TextField
          {...field('targetProductLines', 'Product lines', 'Separated by commas: storage, backup.')}
          defaultValue={text('targetProductLines')}
          autoComplete="off"
        />
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
