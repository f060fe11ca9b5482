import { Form, Link } from '@remix-run/react';
import type { ReactNode } from 'react';

/** The routing queue's filter form: a GET, so every filtered view has its own address. */

export type QueueFilterValues = Record<
  'status' | 'country' | 'partner' | 'productLine' | 'campaign' | 'q',
  string
>;
export type QueueFilterErrors = Partial<Record<keyof QueueFilterValues | 'after', string>>;

export function QueueFilters({
  values,
  fieldErrors,
  statusLabels: STATUS_LABELS,
  options,
  partner,
}: {
  values: QueueFilterValues;
  fieldErrors: QueueFilterErrors;
  statusLabels: Record<string, string>;
  options: { campaigns: { id: number; name: string }[] };
  /** The partner the filter matched, if any. */
  partner: { id: number; name: string } | null;
}) {
  const hasErrors = Object.keys(fieldErrors).length > 0;
  return (
    <section className="panel" aria-labelledby="filters-title">
      <h2 id="filters-title">Filters</h2>
      {/* Keyed by the filters, so that its fields show the new values after a link or a reset. */}
      <Form key={JSON.stringify(values)} method="get" className="form" noValidate>
        {hasErrors ? (
          <p className="form__status" role="alert">
            Some filters are not valid; fix them to see the lists.
          </p>
        ) : null}
        {fieldErrors.after ? (
          <p id="after-error" className="field__error" role="alert">
            {fieldErrors.after}
          </p>
        ) : null}
        <div className="field-row">
          <Field id="q" label="Search" error={fieldErrors.q} hint="Lead number, need, or customer name">
            <input id="q" name="q" type="search" defaultValue={values.q} {...invalid('q', fieldErrors.q)} />
          </Field>
          <Field id="status" label="Status" error={fieldErrors.status}>
            <select
              id="status"
              name="status"
              defaultValue={values.status}
              {...invalid('status', fieldErrors.status)}
            >
              <option value="">All lists</option>
              {Object.entries(STATUS_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field id="country" label="Country" error={fieldErrors.country} hint="Two letters, such as DE">
            <input
              id="country"
              name="country"
              defaultValue={values.country}
              maxLength={2}
              autoComplete="off"
              {...invalid('country', fieldErrors.country)}
            />
          </Field>
          <Field
            id="partner"
            label="Partner"
            error={fieldErrors.partner}
            hint={partner ? `Showing ${partner.name} (#${partner.id})` : 'Name or number'}
          >
            <input
              id="partner"
              name="partner"
              type="search"
              defaultValue={values.partner}
              maxLength={100}
              autoComplete="off"
              {...invalid('partner', fieldErrors.partner)}
            />
          </Field>
          <Field id="productLine" label="Product line" error={fieldErrors.productLine}>
            <input
              id="productLine"
              name="productLine"
              defaultValue={values.productLine}
              {...invalid('productLine', fieldErrors.productLine)}
            />
          </Field>
          <Field id="campaign" label="Campaign" error={fieldErrors.campaign}>
            <select
              id="campaign"
              name="campaign"
              defaultValue={values.campaign}
              {...invalid('campaign', fieldErrors.campaign)}
            >
              <option value="">Any campaign</option>
              {options.campaigns.map((campaign) => (
                <option key={campaign.id} value={String(campaign.id)}>
                  {campaign.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit" className="button">
          Apply filters
        </button>{' '}
        <Link to="/queue">Clear</Link>
      </Form>
    </section>
  );
}

const invalid = (id: string, error: string | undefined) =>
  error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};

function Field({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  hint?: string;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && !error ? <p className="field__hint">{hint}</p> : null}
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
