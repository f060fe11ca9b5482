import { REVENUE_POTENTIALS, SIZE_SEGMENTS } from '../../db/enums';
import { SIZE_SEGMENT_LABELS } from '../domain/partners/labels';
import { SelectField } from './select-field';
import { TextField } from './text-field';

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
      <TextField {...field('customerName', 'Company name')} autoComplete="organization" />
      <div className="field-row">
        <TextField {...field('customerDomain', 'Web domain (optional)')} placeholder="example.com" />
        <TextField {...field('customerCountry', 'Country (ISO code)')} maxLength={2} placeholder="DE" />
        <TextField {...field('customerIndustry', 'Industry')} placeholder="manufacturing" />
        <SelectField
          {...field('customerSizeSegment', 'Size segment')}
          placeholder={{ label: 'Choose' }}
          options={SIZE_SEGMENTS.map((s) => ({ value: s, label: SIZE_SEGMENT_LABELS[s] }))}
        />
        {withRevenuePotential ? (
          <SelectField
            {...field('customerRevenuePotential', 'Revenue potential', 'C')}
            options={REVENUE_POTENTIALS.map((p) => ({ value: p, label: p }))}
          />
        ) : null}
      </div>
    </>
  );
}
