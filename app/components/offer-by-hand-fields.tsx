import { Field } from './form-field';
import { TextField } from './text-field';

export interface PartnerChoices {
  /** Routing's eligible partners, best first; each label a whole sentence with the score. */
  eligible: { partnerId: number; label: string }[];
  /** Every other active partner, each label saying why routing skips it. */
  skipped: { partnerId: number; label: string; overridable: boolean }[];
}

/**
 * The partner picker of *Offer by hand*: one `<select>` whose groups say what routing thinks of
 * each partner (eligible best first, skipped with the reasons, already had the lead), so a
 * keyboard, a screen reader and type-to-find all work with hundreds of partners, with or
 * without JavaScript. The reason field is always there: it is required for a skipped partner.
 */
export function OfferByHandFields({
  choices,
  errors,
  values,
}: {
  choices: PartnerChoices;
  errors: Record<string, string>;
  values?: { partnerId?: string; reason?: string };
}) {
  const overridable = choices.skipped.filter((p) => p.overridable);
  const refused = choices.skipped.filter((p) => !p.overridable);
  const first = choices.eligible[0] ?? overridable[0];
  const groups = [choices.eligible, overridable, refused].filter((g) => g.length > 0).length;
  // A list box rather than a drop-down: the reasons are read without opening anything, and
  // a long list scrolls inside it (type-to-find still works).
  const rows = Math.min(14, choices.eligible.length + choices.skipped.length + groups);
  return (
    <>
      <Field
        name="partnerId"
        label="Partner"
        error={errors.partnerId}
        defaultValue={values?.partnerId ?? (first ? String(first.partnerId) : '')}
        hint="The partners routing finds eligible come first, best first; then every other active partner, with why routing skips it."
      >
        {(control) => (
          <select {...control} size={Math.max(rows, 2)} className="partner-picker">
            {choices.eligible.length > 0 ? (
              <optgroup label="Eligible, best first">
                {choices.eligible.map((p) => (
                  <option key={p.partnerId} value={p.partnerId} title={p.label}>
                    {p.label}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {overridable.length > 0 ? (
              <optgroup label="Skipped by routing: say why below">
                {overridable.map((p) => (
                  <option key={p.partnerId} value={p.partnerId} title={p.label}>
                    {p.label}
                  </option>
                ))}
              </optgroup>
            ) : null}
            {refused.length > 0 ? (
              <optgroup label="Already had this lead: cannot be offered it again">
                {refused.map((p) => (
                  <option key={p.partnerId} value={p.partnerId} title={p.label} disabled>
                    {p.label}
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
        )}
      </Field>
      <TextField
        name="reason"
        label="Why this partner"
        hint="Required when routing skips the partner; the offer and the timeline keep it, with your name."
        maxLength={500}
        error={errors.reason}
        defaultValue={values?.reason}
      />
    </>
  );
}
