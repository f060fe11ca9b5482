import { Form } from '@remix-run/react';
import { DECLINE_REASON_LABELS } from '../domain/offers/reason-labels';
import { DECLINE_REASONS } from '../../db/enums';
import { CsrfField } from './csrf-field';
import { SelectField } from './select-field';
import { TextAreaField } from './text-field';

/** The reasons a partner may give, in the order the schema lists them. */
const REASON_OPTIONS = DECLINE_REASONS.map((value) => ({ value, label: DECLINE_REASON_LABELS[value] }));

/** The longest note the decline accepts; the action refuses a longer one with this same figure. */
const NOTE_MAX_LENGTH = 2000;

/**
 * Declining an offer: a reason (required) and an optional note, posted as `reason` and `note`
 * to the page's own action. The inbox and the page behind an email's Decline button both show
 * this form; the inbox posts it beside an accept form, so it names itself with `intent`.
 */
export function DeclineForm({
  intent,
  title,
  errors,
  typed,
  busy,
}: {
  /** The value of the submit button's `intent`, for an action that answers several forms. */
  intent?: string;
  title?: string;
  errors: { reason?: string; note?: string };
  typed?: { reason?: string; note?: string };
  busy: boolean;
}) {
  return (
    <Form method="post" className="form" noValidate>
      <CsrfField />
      {title ? <h2>{title}</h2> : null}
      <p className="muted">The lead goes on to another partner at once.</p>
      <SelectField
        id="reason"
        name="reason"
        label="Reason"
        required
        options={REASON_OPTIONS}
        placeholder={{ label: 'Choose a reason…', disabled: true }}
        defaultValue={typed?.reason ?? ''}
        error={errors.reason}
      />
      <TextAreaField
        id="note"
        name="note"
        label="Note (optional)"
        rows={3}
        maxLength={NOTE_MAX_LENGTH}
        defaultValue={typed?.note}
        error={errors.note}
      />
      <button
        type="submit"
        name={intent ? 'intent' : undefined}
        value={intent}
        className="button button--secondary"
        disabled={busy}
      >
        Decline this lead
      </button>
    </Form>
  );
}
