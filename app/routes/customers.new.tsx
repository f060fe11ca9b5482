import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import {
  DUPLICATE_REASON_LABELS,
  findLikelyDuplicates,
  type LikelyDuplicate,
} from '../domain/customers/duplicates.server';
import { createCustomerRecord, newCustomerRecordSchema } from '../domain/customers/records.server';
import customersStylesUrl from '../styles/customers.css?url';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { partnerScope, requirePermission } from '../utils/permissions.server';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';
import { REVENUE_POTENTIALS, SIZE_SEGMENTS } from '../../db/schema';
import { SelectField } from '../components/select-field';
import { TextAreaField, TextField } from '../components/text-field';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: customersStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'New customer · Baton' }];

const SEGMENT_LABELS: Record<(typeof SIZE_SEGMENTS)[number], string> = {
  enterprise: 'Enterprise',
  mid_market: 'Mid-market',
  small_business: 'Small business',
};

const FIELDS = [
  'name',
  'domain',
  'country',
  'industry',
  'sizeSegment',
  'revenuePotential',
  'address',
] as const;
type Field = (typeof FIELDS)[number];

/**
 * The answer to a submit that saved nothing: field errors, or the likely duplicates found and
 * the name and domain they were found for (a "save anyway" only counts for exactly those).
 */
type NewCustomerAnswer = {
  fieldErrors: Partial<Record<Field, string>>;
  values: Partial<Record<Field, string>>;
  duplicates: (LikelyDuplicate & { reasonLabel: string })[];
  hiddenDomainMatch: boolean;
  checked: { name: string; domain: string } | null;
};

// Vendor staff add the vendor's records (create:customer:any); a partner's users add records
// owned by their company (create:customer:own).
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'create:customer:own');
  return {
    partnerView: partnerScope(user) !== null,
    segments: SIZE_SEGMENTS.map((value) => ({ value, label: SEGMENT_LABELS[value] })),
    potentials: [...REVENUE_POTENTIALS],
  };
});

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('create:customer:own'));
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' ? value : '';
  };
  const values = Object.fromEntries(FIELDS.map((f) => [f, text(f)])) as Record<Field, string>;
  const answer = (status: number, rest: Partial<NewCustomerAnswer>) =>
    data<NewCustomerAnswer>(
      { fieldErrors: {}, values, duplicates: [], hiddenDomainMatch: false, checked: null, ...rest },
      { status },
    );

  const parsed = newCustomerRecordSchema.safeParse(values);
  if (!parsed.success) {
    const fieldErrors: NewCustomerAnswer['fieldErrors'] = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name') as Field;
      fieldErrors[field] ??= issue.message;
    }
    return answer(400, { fieldErrors });
  }
  const record = parsed.data;
  const scope = partnerScope(user);
  const db = database();

  // The second submit saves despite the duplicates shown, but only for the name and domain
  // they were found for: a changed name is checked again.
  const saveAnyway =
    text('saveAnyway') === 'yes' &&
    text('checkedName') === values.name &&
    text('checkedDomain') === values.domain;
  if (!saveAnyway) {
    const check = await findLikelyDuplicates(db, { name: record.name, domain: record.domain ?? null, scope });
    if (check.duplicates.length > 0 || check.hiddenDomainMatch) {
      return answer(409, {
        duplicates: check.duplicates.map((d) => ({ ...d, reasonLabel: DUPLICATE_REASON_LABELS[d.reason] })),
        hiddenDomainMatch: check.hiddenDomainMatch,
        checked: { name: values.name, domain: values.domain },
      });
    }
  }

  const { customerId } = await createCustomerRecord(db, {
    record,
    ownerPartnerId: scope?.partnerId ?? null,
    createdByUserId: user.id,
  });
  throw redirect(`/customers/${customerId}`);
});

export default function NewCustomer() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.values ?? {};
  const checked = answer?.checked ?? null;
  const field = (name: Field, label: string, fallback = '') => ({
    name,
    label,
    error: errors[name],
    defaultValue: typed[name] ?? fallback,
  });

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/customers">Customers</Link> › New customer
        </p>
        <h1>New customer</h1>
        <p className="muted">
          {page.partnerView
            ? 'The record will belong to your company; only your company and the vendor see it.'
            : 'The record will belong to the vendor.'}{' '}
          Likely duplicates are shown before anything is saved.
        </p>
      </div>

      {checked ? (
        <section className="panel duplicates" aria-labelledby="duplicates-title">
          <h2 id="duplicates-title">This customer may already exist</h2>
          {answer && answer.duplicates.length > 0 ? (
            <div className="table-scroll" role="region" aria-label="Likely duplicates" tabIndex={0}>
              <table className="table">
                <caption className="visually-hidden">Likely duplicates, most likely first</caption>
                <thead>
                  <tr>
                    <th scope="col">Record</th>
                    <th scope="col">Domain</th>
                    <th scope="col">Country</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {answer.duplicates.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">
                        <Link to={`/customers/${d.id}`}>{d.name}</Link>
                      </th>
                      <td>{d.domain ?? '—'}</td>
                      <td>{d.country}</td>
                      <td>{d.owner}</td>
                      <td>
                        {d.reasonLabel}
                        {d.reason === 'similar_name' ? ` (${Math.round(d.similarity * 100)}%)` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {answer?.hiddenDomainMatch ? (
            <p className="notice" role="note">
              A record with this domain already exists at the vendor.
            </p>
          ) : null}
          <p>Nothing was saved. Open a record above if it is the same company, or save this one anyway.</p>
        </section>
      ) : null}

      <Form method="post" className="form" noValidate aria-label="New customer">
        <CsrfField />
        {checked ? (
          <>
            <input type="hidden" name="checkedName" value={checked.name} />
            <input type="hidden" name="checkedDomain" value={checked.domain} />
          </>
        ) : null}
        <TextField {...field('name', 'Company name')} autoComplete="organization" />
        <div className="field-row">
          <TextField {...field('domain', 'Web domain (optional)')} placeholder="example.com" />
          <TextField {...field('country', 'Country (ISO code)')} maxLength={2} placeholder="DE" />
          <TextField {...field('industry', 'Industry')} placeholder="manufacturing" />
        </div>
        <div className="field-row">
          <SelectField
            {...field('sizeSegment', 'Size segment')}
            placeholder={{ label: 'Choose' }}
            options={page.segments}
          />
          <SelectField
            {...field('revenuePotential', 'Revenue potential', 'C')}
            options={page.potentials.map((p) => ({ value: p, label: p }))}
          />
        </div>
        <TextAreaField {...field('address', 'Address (optional)')} rows={2} />
        <div className="button-row">
          <button type="submit" className="button" disabled={submitting}>
            {checked ? 'Check again' : 'Save the customer'}
          </button>
          {checked ? (
            <button
              type="submit"
              name="saveAnyway"
              value="yes"
              className="button button--secondary"
              disabled={submitting}
            >
              Save anyway, it is a different company
            </button>
          ) : null}
        </div>
      </Form>
    </>
  );
}
