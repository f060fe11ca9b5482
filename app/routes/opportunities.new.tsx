import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { CsrfField } from '../components/csrf-field';
import { isDomainError } from '../domain/errors';
import { newOpportunitySchema } from '../domain/opportunities/create-opportunity.server';
import { submitOpportunity } from '../domain/routing/loop.server';
import {
  campaignIsOpen,
  createCustomer,
  customerExists,
  newCustomerSchema,
  openCampaigns,
  searchCustomers,
} from '../models/new-opportunity.server';
import { CURRENCIES, CURRENCY_OPTIONS, parseAmountToMinor } from '../domain/money';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { loopDeps } from '../utils/loop.server';
import { can, requirePermission } from '../utils/permissions.server';
import {
  formFor,
  parseId,
  permissionTo,
  routeAction,
  routeLoader,
  searchParamsOf,
} from '../utils/route-kit.server';
import { SIZE_SEGMENTS } from '../../db/schema';
import { SIZE_SEGMENT_LABELS } from '../domain/partners/labels';
import { FieldError } from '../components/form-field';
import { SelectField } from '../components/select-field';
import { TextAreaField, TextField } from '../components/text-field';
import { NewCustomerFields } from '../components/new-customer-fields';
import { useWayBack } from '../components/way-back';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'New opportunity · Baton' }];

export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'create:opportunity:any');
  const query = (searchParamsOf(request).get('q') ?? '').trim().slice(0, 100);
  const db = database();
  const [customers, campaigns] = await Promise.all([searchCustomers(db, query), openCampaigns(db)]);
  return { query, customers, campaigns, mayCreateCustomer: can(user, 'create:customer:any') };
});

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const formSchema = z.object({
  customerMode: z.enum(['existing', 'new'], { error: 'Choose an existing customer or add a new one.' }),
  need: z
    .string({ error: 'Describe the need in a few words.' })
    .trim()
    .min(3, 'Describe the need in a few words.')
    .max(2000, 'At most 2000 characters.'),
  productLine: z
    .string({ error: 'Enter the product line.' })
    .trim()
    .min(1, 'Enter the product line.')
    .max(100, 'At most 100 characters.'),
  amount: z.string({ error: 'Enter the value, such as 125000 or 125000.50.' }).trim(),
  currency: z.enum(CURRENCIES, { error: 'Choose a currency.' }),
  country: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'Enter a two-letter country code such as DE, or leave it blank.')
      .optional(),
  ),
  industry: z.preprocess(blankToUndefined, z.string().trim().max(100, 'At most 100 characters.').optional()),
  sizeSegment: z.preprocess(
    blankToUndefined,
    z.enum(SIZE_SEGMENTS, { error: 'Choose a size segment, or leave it as the customer’s.' }).optional(),
  ),
  campaignId: z.preprocess(
    blankToUndefined,
    z.coerce.number({ error: 'Choose a campaign from the list.' }).int().positive().optional(),
  ),
});

type FieldErrors = Record<string, string>;
/** `values`: what was typed, so that a refused form comes back filled in (also without JavaScript). */
type NewOpportunityAnswer = {
  fieldErrors: FieldErrors;
  formError: string | null;
  values: Record<string, string>;
};

const CUSTOMER_FIELDS = {
  name: 'customerName',
  domain: 'customerDomain',
  country: 'customerCountry',
  industry: 'customerIndustry',
  sizeSegment: 'customerSizeSegment',
  revenuePotential: 'customerRevenuePotential',
} as const;

function collect(errors: FieldErrors, issues: z.core.$ZodIssue[], rename: (field: string) => string) {
  for (const issue of issues) {
    const field = rename(String(issue.path[0] ?? 'form'));
    errors[field] ??= issue.message;
  }
}

const invalid = (values: Record<string, string>, fieldErrors: FieldErrors, formError: string | null = null) =>
  data<NewOpportunityAnswer>({ fieldErrors, formError, values }, { status: 400 });

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('create:opportunity:any'));
  const fields = Object.fromEntries(
    [...formData].filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const { csrf: _csrf, ...values } = fields;
  const db = database();
  const fieldErrors: FieldErrors = {};

  // Every field is checked before anything is written: a bad field saves nothing at all.
  const parsed = formSchema.safeParse(fields);
  if (!parsed.success) collect(fieldErrors, parsed.error.issues, (f) => f);
  const form = parsed.success ? parsed.data : null;

  let valueMinor: number | null = null;
  if (form && !fieldErrors.amount) {
    const amount = parseAmountToMinor(form.amount, form.currency);
    if (amount.ok) valueMinor = amount.minor;
    else fieldErrors.amount = amount.reason;
  }

  let existingCustomerId: number | null = null;
  let newCustomer: z.output<typeof newCustomerSchema> | null = null;
  if (form?.customerMode === 'existing') {
    const id = parseId(fields.customerId);
    if (id === null || !(await customerExists(db, id))) {
      fieldErrors.customerId = 'Choose a customer from the list, or add a new one.';
    } else existingCustomerId = id;
  } else if (form?.customerMode === 'new') {
    if (!can(user, 'create:customer:any')) {
      fieldErrors.customerMode = 'You may not add customers; choose an existing one.';
    } else {
      const customer = newCustomerSchema.safeParse(
        Object.fromEntries(Object.entries(CUSTOMER_FIELDS).map(([key, name]) => [key, fields[name]])),
      );
      if (customer.success) newCustomer = customer.data;
      else
        collect(
          fieldErrors,
          customer.error.issues,
          (f) => CUSTOMER_FIELDS[f as keyof typeof CUSTOMER_FIELDS] ?? 'customerName',
        );
    }
  }

  if (form?.campaignId !== undefined && !(await campaignIsOpen(db, form.campaignId))) {
    fieldErrors.campaignId = 'Choose an open campaign from the list, or none.';
  }

  if (!form || valueMinor === null || Object.keys(fieldErrors).length > 0)
    return invalid(values, fieldErrors);

  const input = {
    customerId: existingCustomerId ?? 1,
    need: form.need,
    productLine: form.productLine,
    valueMinor,
    currency: form.currency,
    country: form.country,
    industry: form.industry,
    sizeSegment: form.sizeSegment,
    source: 'form' as const,
    campaignId: form.campaignId ?? null,
    createdByUserId: user.id,
  };
  // The domain's own rules, checked before a new customer is written.
  const checked = newOpportunitySchema.safeParse(input);
  if (!checked.success) {
    collect(fieldErrors, checked.error.issues, (f) => (f === 'valueMinor' ? 'amount' : f));
    return invalid(values, fieldErrors);
  }

  try {
    const customerId = newCustomer ? (await createCustomer(db, newCustomer)).customerId : input.customerId;
    const { opportunityId } = await submitOpportunity(loopDeps(), { ...input, customerId });
    throw redirect(`/opportunities/${opportunityId}`);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const field = error.field === 'valueMinor' ? 'amount' : error.field;
    return invalid(values, field ? { [field]: error.message } : {}, field ? null : error.message);
  }
});

export default function NewOpportunity() {
  const back = useWayBack('newOpportunity');
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.values ?? {};
  const [mode, setMode] = useState<'existing' | 'new'>(
    typed.customerMode === 'new' || (page.customers.length === 0 && page.mayCreateCustomer)
      ? 'new'
      : 'existing',
  );
  const field = (name: string, label: string, fallback = '') => ({
    name,
    label,
    error: errors[name],
    defaultValue: typed[name] ?? fallback,
  });

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to={back.to}>{back.label}</Link> › New opportunity
        </p>
        <h1>New opportunity</h1>
        <p className="muted">Saved and routed at once: the best eligible partner gets the offer.</p>
      </div>

      <section className="panel" aria-labelledby="customer-search-title">
        <h2 id="customer-search-title">Find the customer</h2>
        <Form method="get" className="field-row" role="search">
          <TextField id="q" name="q" label="Customer name" type="search" defaultValue={page.query} />
          <div className="field field--end">
            <button type="submit" className="button button--secondary">
              Search
            </button>
          </div>
        </Form>
      </section>

      <Form method="post" className="form" noValidate aria-label="New opportunity">
        <CsrfField />
        <fieldset className="customer-choice">
          <legend>Customer</legend>
          <div className="choice">
            <input
              type="radio"
              id="customerMode-existing"
              name="customerMode"
              value="existing"
              checked={mode === 'existing'}
              onChange={() => setMode('existing')}
            />
            <label htmlFor="customerMode-existing">An existing customer</label>
          </div>
          {page.mayCreateCustomer ? (
            <div className="choice">
              <input
                type="radio"
                id="customerMode-new"
                name="customerMode"
                value="new"
                checked={mode === 'new'}
                onChange={() => setMode('new')}
              />
              <label htmlFor="customerMode-new">A new customer</label>
            </div>
          ) : null}
          <FieldError name="customerMode" error={errors.customerMode} />

          {mode === 'existing' ? (
            <SelectField
              {...field('customerId', 'Customer')}
              placeholder={{
                label: page.customers.length === 0 ? 'No customer matches the search' : 'Choose a customer',
              }}
              options={page.customers.map((customer) => ({
                value: String(customer.id),
                label: `${customer.name} (${customer.country}${customer.domain ? `, ${customer.domain}` : ''})`,
              }))}
            />
          ) : (
            <NewCustomerFields field={field} withRevenuePotential />
          )}
        </fieldset>

        <TextAreaField {...field('need', 'Need')} rows={3} />
        <div className="field-row">
          <TextField {...field('productLine', 'Product line')} placeholder="storage" />
          <TextField {...field('amount', 'Value')} inputMode="decimal" placeholder="125000.00" />
          <SelectField {...field('currency', 'Currency', 'EUR')} options={CURRENCY_OPTIONS} />
        </div>
        <p className="muted">
          Country, industry and segment default to the customer’s; fill them in to override.
        </p>
        <div className="field-row">
          <TextField {...field('country', 'Country (optional)')} maxLength={2} />
          <TextField {...field('industry', 'Industry (optional)')} />
          <SelectField
            {...field('sizeSegment', 'Size segment (optional)')}
            placeholder={{ label: 'The customer’s' }}
            options={SIZE_SEGMENTS.map((s) => ({ value: s, label: SIZE_SEGMENT_LABELS[s] }))}
          />
          <SelectField
            {...field('campaignId', 'Campaign (optional)')}
            placeholder={{ label: 'None' }}
            options={page.campaigns.map((c) => ({ value: String(c.id), label: c.name }))}
          />
        </div>
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Saving and routing…' : 'Save and route'}
        </button>
        <p className="form__status" role="alert" aria-live="assertive">
          {answer?.formError}
        </p>
      </Form>
    </>
  );
}
