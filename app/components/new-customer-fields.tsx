import { REVENUE_POTENTIALS, SIZE_SEGMENTS } from '../../db/schema';
import { SIZE_SEGMENT_LABELS } from '../domain/partners/labels';
import { Field } from './form-field';

type FieldProps = { name: string; label: string; error?: string; defaultValue: string };

/**
 * The fields of a customer typed in on the spot (the new-opportunity and registration forms):
 * company, domain, country, industry, size and, for vendor staff, the revenue-potential code.
 * `field` gives each one its name, label, error and typed value, as the surrounding form keeps them.
 */
export function NewCustomerFields({
  field,
  withRevenuePotential = false,
}: {
  field: (name: string, label: string, fallback?: string) => FieldProps;
  withRevenuePotential?: boolean;
}) {
  return (
    <>
      <Field {...field('customerName', 'Company name')}>
        {(props) => <input {...props} autoComplete="organization" />}
      </Field>
      <div className="field-row">
        <Field {...field('customerDomain', 'Web domain (optional)')}>
          {(props) => <input {...props} placeholder="example.com" />}
        </Field>
        <Field {...field('customerCountry', 'Country (ISO code)')}>
          {(props) => <input {...props} maxLength={2} placeholder="DE" />}
        </Field>
        <Field {...field('customerIndustry', 'Industry')}>
          {(props) => <input {...props} placeholder="manufacturing" />}
        </Field>
        <Field {...field('customerSizeSegment', 'Size segment')}>
          {(props) => (
            <select {...props}>
              <option value="">Choose</option>
              {SIZE_SEGMENTS.map((s) => (
                <option key={s} value={s}>
                  {SIZE_SEGMENT_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {withRevenuePotential ? (
          <Field {...field('customerRevenuePotential', 'Revenue potential', 'C')}>
            {(props) => (
              <select {...props}>
                {REVENUE_POTENTIALS.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </div>
    </>
  );
}
