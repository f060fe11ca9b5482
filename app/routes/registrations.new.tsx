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
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { CURRENCIES, CURRENCY_OPTIONS, parseAmountToMinor } from '../domain/money';
import { registerOpportunity, registrationInputSchema } from '../domain/opportunities/registration.server';
import { getJoinedCampaigns, getOwnCustomers } from '../models/registrations.server';
import managerStylesUrl from '../styles/manager.css?url';
import registrationsStylesUrl from '../styles/registrations.css?url';
import { database } from '../utils/db.server';
import { notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import { formFor, parseId, routeAction, routeLoader } from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';
import { FieldError } from '../components/form-field';
import { SelectField } from '../components/select-field';
import { TextAreaField, TextField } from '../components/text-field';
import { NewCustomerFields } from '../components/new-customer-fields';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: registrationsStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Register an opportunity · Baton' }];

/** Registering is a partner's act for its own company; vendor staff have no company to act for. */
function ownCompany(user: SessionUser) {
  const scope = partnerScope(user);
  if (!scope) notFoundForForeign(user, 'registration form', '-');
  return scope;
}

export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'create:registration:own');
  const scope = ownCompany(user);
  const db = database();
  const [customers, campaigns] = await Promise.all([
    getOwnCustomers(db, scope),
    getJoinedCampaigns(db, scope),
  ]);
  return { customers, campaigns };
});

type FieldErrors = Record<string, string>;
type RegistrationProblem = {
  fieldErrors: FieldErrors;
  formError: string | null;
  values: Record<string, string>;
};

/** The domain's field paths, as the form names them. */
const FORM_FIELD: Record<string, string> = {
  customerId: 'customerId',
  'customer.customerId': 'customerId',
  'customer.kind': 'customerMode',
  'customer.name': 'customerName',
  'customer.domain': 'customerDomain',
  'customer.country': 'customerCountry',
  'customer.industry': 'customerIndustry',
  'customer.sizeSegment': 'customerSizeSegment',
  need: 'need',
  productLine: 'productLine',
  valueMinor: 'amount',
  currency: 'currency',
  campaignId: 'campaignId',
};

/** The domain words its rules for the API; the form says them as sentences a person acts on. */
const FORM_MESSAGES: Record<string, string> = {
  customerId: 'Choose one of your company’s customers, or add a new one.',
  customerMode: 'Choose one of your customers or add a new one.',
  need: 'Describe the need in a few words (3 to 2000 characters).',
  productLine: 'Enter the product line (at most 100 characters).',
  amount: 'Enter the value, such as 125000 or 125000.50.',
  currency: 'Choose a currency.',
  campaignId: 'Choose a running campaign your company joined, or none.',
};

const sentence = (message: string) => {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
};

const formSchema = z.object({
  customerMode: z.enum(['existing', 'new']),
  currency: z.enum(CURRENCIES),
});

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor, form: formData } = await formFor(request, async (request) => {
    const user = await requirePermission(request, 'create:registration:own');
    return { user, scope: ownCompany(user) };
  });
  const { user, scope } = visitor;
  const fields = Object.fromEntries(
    [...formData].filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const { csrf: _csrf, ...values } = fields;
  const text = (name: string) => (fields[name] ?? '').trim();
  const problem = (status: number, fieldErrors: FieldErrors, formError: string | null = null) =>
    data<RegistrationProblem>({ fieldErrors, formError, values }, { status });

  // Every field is checked before anything is written: a bad field saves nothing at all.
  const fieldErrors: FieldErrors = {};
  const form = formSchema.safeParse({ customerMode: text('customerMode'), currency: text('currency') });
  if (!form.success) {
    for (const issue of form.error.issues) {
      const field = String(issue.path[0]);
      fieldErrors[field] ??= FORM_MESSAGES[field] ?? sentence(issue.message);
    }
  }
  const currency = form.success ? form.data.currency : 'EUR';
  let valueMinor: number | undefined;
  if (!fieldErrors.currency) {
    const amount = parseAmountToMinor(text('amount'), currency);
    if (amount.ok) valueMinor = amount.minor;
    else fieldErrors.amount = amount.reason;
  }
  const mode = form.success ? form.data.customerMode : null;
  const customerId = parseId(text('customerId')) ?? 0;
  if (mode === 'existing' && customerId === 0) {
    fieldErrors.customerId = FORM_MESSAGES.customerId!;
  }
  const campaignText = text('campaignId');
  const campaignId = campaignText === '' ? null : parseId(campaignText);
  if (campaignText !== '' && campaignId === null) {
    fieldErrors.campaignId = FORM_MESSAGES.campaignId!;
  }

  // The domain's own rules (reused from the vendor's forms), checked before anything is written.
  const checked = registrationInputSchema.safeParse({
    need: text('need'),
    productLine: text('productLine'),
    valueMinor: valueMinor ?? 0,
    currency,
    campaignId,
    customer:
      mode === 'new'
        ? {
            kind: 'new',
            name: text('customerName'),
            domain: text('customerDomain'),
            country: text('customerCountry'),
            industry: text('customerIndustry'),
            sizeSegment: text('customerSizeSegment') || undefined,
          }
        : { kind: 'existing', customerId: mode === 'existing' && !fieldErrors.customerId ? customerId : 1 },
  });
  let formError: string | null = null;
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      const field = FORM_FIELD[issue.path.join('.')];
      if (field) fieldErrors[field] ??= FORM_MESSAGES[field] ?? sentence(issue.message);
      else formError ??= sentence(issue.message);
    }
  }
  if (Object.keys(fieldErrors).length > 0 || formError || !checked.success) {
    return problem(400, fieldErrors, formError);
  }

  try {
    const { opportunityId } = await registerOpportunity(
      database(),
      scope,
      user.id,
      checked.data,
      systemClock,
    );
    // The answer page says whether the account is already worked, and nothing more.
    return redirect(`/registrations/${opportunityId}`);
  } catch (error) {
    if (!isDomainError(error, 'invalid_input')) throw error;
    const field = FORM_FIELD[error.field ?? ''];
    const message = FORM_MESSAGES[field ?? ''] ?? sentence(error.message.replace(/^[\w.]+: /, ''));
    return field ? problem(400, { [field]: message }) : problem(400, {}, message);
  }
});

export default function NewRegistration() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.values ?? {};
  const [mode, setMode] = useState<'existing' | 'new'>(
    typed.customerMode === 'new' || (!typed.customerMode && page.customers.length === 0) ? 'new' : 'existing',
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
          <Link to="/registrations">My registrations</Link> › Register an opportunity
        </p>
        <h1>Register an opportunity</h1>
        <p className="muted">
          For your company’s own customer. A channel manager approves it (the lead becomes yours) or declines
          it with a reason.
        </p>
      </div>

      <Form method="post" className="form" noValidate aria-label="Register an opportunity">
        <CsrfField />
        {answer?.formError ? (
          <p className="notice notice--danger" role="alert">
            {answer.formError}
          </p>
        ) : null}
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
            <label htmlFor="customerMode-existing">One of our customers</label>
          </div>
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
          <FieldError name="customerMode" error={errors.customerMode} />

          {mode === 'existing' ? (
            <SelectField
              {...field('customerId', 'Customer')}
              placeholder={{
                label:
                  page.customers.length === 0
                    ? 'Your company has no customer records yet'
                    : 'Choose a customer',
              }}
              options={page.customers.map((customer) => ({
                value: String(customer.id),
                label: `${customer.name} (${customer.country}${customer.domain ? `, ${customer.domain}` : ''})`,
              }))}
            />
          ) : (
            <NewCustomerFields field={field} />
          )}
        </fieldset>

        <TextAreaField {...field('need', 'Need')} rows={3} />
        <div className="field-row">
          <TextField {...field('productLine', 'Product line')} placeholder="storage" />
          <TextField {...field('amount', 'Value')} inputMode="decimal" placeholder="125000.00" />
          <SelectField {...field('currency', 'Currency', 'EUR')} options={CURRENCY_OPTIONS} />
          <SelectField
            {...field('campaignId', 'Campaign (optional)')}
            placeholder={{ label: 'None' }}
            options={page.campaigns.map((c) => ({ value: String(c.id), label: c.name }))}
          />
        </div>
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Registering…' : 'Register'}
        </button>
      </Form>
    </>
  );
}
