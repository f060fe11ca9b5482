import { Form, Link } from '@remix-run/react';
import { SelectField } from './select-field';
import { TextField } from './text-field';

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
          <TextField
            id="q"
            name="q"
            label="Search"
            hint="Lead number, need, or customer name"
            type="search"
            defaultValue={values.q}
            error={fieldErrors.q}
          />
          <SelectField
            id="status"
            name="status"
            label="Status"
            placeholder={{ label: 'All lists' }}
            options={Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }))}
            defaultValue={values.status}
            error={fieldErrors.status}
          />
          <TextField
            id="country"
            name="country"
            label="Country"
            hint="Two letters, such as DE"
            maxLength={2}
            autoComplete="off"
            defaultValue={values.country}
            error={fieldErrors.country}
          />
          <TextField
            id="partner"
            name="partner"
            label="Partner"
            hint={partner ? `Showing ${partner.name} (#${partner.id})` : 'Name or number'}
            type="search"
            maxLength={100}
            autoComplete="off"
            defaultValue={values.partner}
            error={fieldErrors.partner}
          />
          <TextField
            id="productLine"
            name="productLine"
            label="Product line"
            defaultValue={values.productLine}
            error={fieldErrors.productLine}
          />
          <SelectField
            id="campaign"
            name="campaign"
            label="Campaign"
            placeholder={{ label: 'Any campaign' }}
            options={options.campaigns.map((campaign) => ({
              value: String(campaign.id),
              label: campaign.name,
            }))}
            defaultValue={values.campaign}
            error={fieldErrors.campaign}
          />
        </div>
        <button type="submit" className="button">
          Apply filters
        </button>{' '}
        <Link to="/queue">Clear</Link>
      </Form>
    </section>
  );
}
