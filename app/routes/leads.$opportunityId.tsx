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
import { formatMoney } from '../components/money';
import { FactsList } from '../components/facts-list';
import { systemClock } from '../domain/clock';
import { recordContactView } from '../domain/customers/records.server';
import { isDomainError } from '../domain/errors';
import {
  LOST_REASON_LABELS,
  LOST_REASONS,
  leadStageInputSchema,
  updateLeadStage,
  type LostReason,
} from '../domain/leads/lead-progress.server';
import { formatInZone, sizeSegmentLabel } from '../models/inbox.server';
import { parseAmountToMinor } from '../domain/money';
import { getLead, opportunityExists, STATUS_LABELS } from '../models/leads.server';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import {
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Lead · Baton' }];

/** Where each stage may be reached from; the domain enforces it, the form only offers these. */
const NEXT_STAGES: Record<string, readonly ('contacted' | 'proposal' | 'won' | 'lost')[]> = {
  accepted: ['contacted', 'proposal', 'won', 'lost'],
  contacted: ['proposal', 'won', 'lost'],
  proposal: ['won', 'lost'],
};

function scopeAndOpportunityId(user: SessionUser, params: Record<string, string | undefined>) {
  const scope = partnerScope(user);
  if (!scope) throw notFound();
  return { scope, opportunityId: idParam(params, 'opportunityId') };
}

/** Another company's lead is logged and answered exactly like a missing one. */
async function refuseLead(user: SessionUser, opportunityId: number): Promise<never> {
  if (await opportunityExists(database(), opportunityId)) notFoundForForeign(user, 'lead', opportunityId);
  throw notFound();
}

export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:lead:own');
  const { scope, opportunityId } = scopeAndOpportunityId(user, params);
  const db = database();
  const lead = await getLead(db, { opportunityId, partnerId: scope.partnerId });
  if (!lead) return refuseLead(user, opportunityId);
  const { opportunity, customer } = lead;
  // The page shows the customer's contacts: the vendor keeps every such view by a partner.
  await recordContactView(
    db,
    { customerId: customer.id, userId: user.id, partnerId: scope.partnerId },
    systemClock,
  );
  return {
    lead: {
      opportunityId: opportunity.id,
      status: opportunity.status,
      statusLabel: STATUS_LABELS[opportunity.status] ?? opportunity.status,
      need: opportunity.need,
      productLine: opportunity.productLine,
      value: formatMoney(opportunity.valueMinor, opportunity.currency),
      currency: opportunity.currency,
      wonValue:
        opportunity.wonValueMinor === null
          ? null
          : formatMoney(opportunity.wonValueMinor, opportunity.currency),
      lostReason: opportunity.lostReason
        ? (LOST_REASON_LABELS[opportunity.lostReason as LostReason] ?? opportunity.lostReason)
        : null,
      campaignName: lead.campaignName,
      updated: formatInZone(opportunity.updatedAt, user.timezone),
    },
    customer: {
      name: customer.name,
      domain: customer.domain,
      address: customer.address,
      country: customer.country,
      industry: customer.industry,
      sizeSegment: sizeSegmentLabel(customer.sizeSegment),
      revenuePotential: customer.revenuePotential,
    },
    contacts: lead.contacts.map((contact) => ({
      id: contact.id,
      name: contact.name,
      title: contact.title,
      email: contact.email,
      phone: contact.phone,
      consentToContact: contact.consentToContact,
    })),
    nextStages: (NEXT_STAGES[opportunity.status] ?? []).map((value) => ({
      value,
      label: STATUS_LABELS[value] ?? value,
    })),
    lostReasons: LOST_REASONS.map((value) => ({ value, label: LOST_REASON_LABELS[value] })),
  };
});

type Field = 'stage' | 'wonAmount' | 'lostReason' | 'lostNote';
type FieldErrors = Partial<Record<Field, string>>;
type StageProblem = {
  fieldErrors: FieldErrors;
  formError: string | null;
  typed: Partial<Record<Field, string>>;
};

/** The domain names its fields for the API; the form's fields are these. */
const FORM_FIELD: Record<string, Field> = {
  stage: 'stage',
  wonValueMinor: 'wonAmount',
  lostReason: 'lostReason',
  lostNote: 'lostNote',
};

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('update:lead:own'));
  const { scope, opportunityId } = scopeAndOpportunityId(user, params);
  const lead = await getLead(database(), { opportunityId, partnerId: scope.partnerId });
  if (!lead) return refuseLead(user, opportunityId);

  const text = (name: Field) => {
    const value = formData.get(name);
    return typeof value === 'string' ? value : '';
  };
  const typed = {
    stage: text('stage'),
    wonAmount: text('wonAmount'),
    lostReason: text('lostReason'),
    lostNote: text('lostNote'),
  };
  const problem = (status: number, fieldErrors: FieldErrors, formError: string | null = null) =>
    data<StageProblem>({ fieldErrors, formError, typed }, { status });

  const fieldErrors: FieldErrors = {};
  // The amount is typed in the lead's currency; the domain takes minor units.
  let wonValueMinor: number | undefined;
  if (typed.stage === 'won') {
    const amount = parseAmountToMinor(typed.wonAmount, lead.opportunity.currency);
    if (amount.ok) wonValueMinor = amount.minor;
    else fieldErrors.wonAmount = amount.reason;
  }
  const parsed = leadStageInputSchema.safeParse({
    stage: typed.stage || undefined,
    // Only a won lead carries an amount; a stray one is ignored rather than refused.
    wonValueMinor: typed.stage === 'won' ? wonValueMinor : undefined,
    lostReason: typed.stage === 'lost' ? typed.lostReason : undefined,
    lostNote: typed.stage === 'lost' ? typed.lostNote : undefined,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = FORM_FIELD[String(issue.path[0])] ?? 'stage';
      fieldErrors[field] ??= sentence(
        field === 'stage' ? 'choose the stage the lead has reached' : issue.message,
      );
    }
  }
  if (Object.keys(fieldErrors).length > 0 || !parsed.success) return problem(400, fieldErrors);

  try {
    await updateLeadStage(
      database(),
      {
        opportunityId,
        userId: user.id,
        scope,
        stage: parsed.data.stage,
        wonValueMinor: parsed.data.stage === 'won' ? parsed.data.wonValueMinor : undefined,
        lostReason: parsed.data.stage === 'lost' ? parsed.data.lostReason : undefined,
        lostNote: parsed.data.stage === 'lost' ? (parsed.data.lostNote ?? undefined) : undefined,
      },
      systemClock,
    );
  } catch (error) {
    if (isDomainError(error, 'not_found')) return refuseLead(user, opportunityId);
    if (isDomainError(error, 'invalid_input')) {
      return problem(400, {
        [FORM_FIELD[error.field ?? 'stage'] ?? 'stage']: sentence(error.message.replace(/^\w+: /, '')),
      });
    }
    throw error;
  }
  return redirect(`/leads/${opportunityId}`);
});

const sentence = (message: string) => {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
};

export default function LeadPage() {
  const { lead, customer, contacts, nextStages, lostReasons } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.typed ?? {};

  return (
    <>
      <p>
        <Link to="/leads">← Back to my leads</Link>
      </p>
      <div className="page-heading">
        <h1>{customer.name}</h1>
        <p>
          <span className={`badge badge--stage-${lead.status}`}>{lead.statusLabel}</span>{' '}
          {lead.wonValue ? <span>Won for {lead.wonValue}</span> : null}
          {lead.lostReason ? <span>Lost: {lead.lostReason}</span> : null}
          <span className="subtle"> Updated {lead.updated}</span>
        </p>
      </div>

      <section className="panel" aria-labelledby="lead-title">
        <h2 id="lead-title">The lead</h2>
        <FactsList
          layout="tiles"
          facts={[
            { term: 'Need', value: lead.need },
            { term: 'Product line', value: lead.productLine },
            { term: 'Value', value: lead.value },
            { term: 'Campaign', value: lead.campaignName ?? 'None' },
          ]}
        />
      </section>

      <section className="panel" aria-labelledby="customer-title">
        <h2 id="customer-title">Customer</h2>
        <FactsList
          layout="tiles"
          facts={[
            { term: 'Name', value: customer.name },
            { term: 'Domain', value: customer.domain ?? 'Not recorded' },
            { term: 'Address', value: customer.address ?? 'Not recorded' },
            { term: 'Country', value: customer.country },
            { term: 'Industry', value: customer.industry },
            { term: 'Size', value: customer.sizeSegment },
            { term: 'Revenue potential', value: customer.revenuePotential },
          ]}
        />
        <h3>Contacts</h3>
        {contacts.length === 0 ? (
          <p className="empty">No contacts are recorded for this customer.</p>
        ) : (
          <ul className="contacts">
            {contacts.map((contact) => (
              <li key={contact.id}>
                <strong>{contact.name}</strong>
                {contact.title ? <span>, {contact.title}</span> : null}
                <br />
                {contact.email ? <a href={`mailto:${contact.email}`}>{contact.email}</a> : null}
                {contact.email && contact.phone ? ' · ' : null}
                {contact.phone ? <a href={`tel:${contact.phone}`}>{contact.phone}</a> : null}
                {contact.consentToContact ? null : (
                  <span className="subtle"> (has not agreed to be contacted)</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      {nextStages.length > 0 ? (
        <Form method="post" className="form" noValidate aria-labelledby="stage-title">
          <CsrfField />
          <h2 id="stage-title">Move the lead on</h2>
          {answer?.formError ? (
            <p className="notice" role="alert">
              {answer.formError}
            </p>
          ) : null}
          <div className="field">
            <label htmlFor="stage">New stage</label>
            <select
              id="stage"
              name="stage"
              defaultValue={typed.stage ?? ''}
              aria-invalid={errors.stage ? true : undefined}
              aria-describedby={errors.stage ? 'stage-error' : undefined}
            >
              <option value="" disabled>
                Choose a stage…
              </option>
              {nextStages.map((stage) => (
                <option key={stage.value} value={stage.value}>
                  {stage.label}
                </option>
              ))}
            </select>
            <FieldError id="stage-error" message={errors.stage} />
          </div>
          <div className="field">
            <label htmlFor="wonAmount">Amount won ({lead.currency}), if won</label>
            <input
              id="wonAmount"
              name="wonAmount"
              inputMode="decimal"
              autoComplete="off"
              defaultValue={typed.wonAmount}
              aria-invalid={errors.wonAmount ? true : undefined}
              aria-describedby={errors.wonAmount ? 'wonAmount-error' : undefined}
            />
            <FieldError id="wonAmount-error" message={errors.wonAmount} />
          </div>
          <div className="field">
            <label htmlFor="lostReason">Reason, if lost</label>
            <select
              id="lostReason"
              name="lostReason"
              defaultValue={typed.lostReason ?? ''}
              aria-invalid={errors.lostReason ? true : undefined}
              aria-describedby={errors.lostReason ? 'lostReason-error' : undefined}
            >
              <option value="">Choose a reason…</option>
              {lostReasons.map((reason) => (
                <option key={reason.value} value={reason.value}>
                  {reason.label}
                </option>
              ))}
            </select>
            <FieldError id="lostReason-error" message={errors.lostReason} />
          </div>
          <div className="field">
            <label htmlFor="lostNote">Note, if lost (optional)</label>
            <textarea
              id="lostNote"
              name="lostNote"
              rows={2}
              maxLength={2000}
              defaultValue={typed.lostNote}
              aria-invalid={errors.lostNote ? true : undefined}
              aria-describedby={errors.lostNote ? 'lostNote-error' : undefined}
            />
            <FieldError id="lostNote-error" message={errors.lostNote} />
          </div>
          <button type="submit" className="button" disabled={busy}>
            Save the stage
          </button>
        </Form>
      ) : (
        <p className="muted">This lead is closed; its stage can no longer change.</p>
      )}
    </>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    <p id={id} className="field__error">
      {message}
    </p>
  ) : null;
}
