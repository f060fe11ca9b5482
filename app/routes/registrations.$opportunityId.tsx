import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { CsrfField } from '../components/csrf-field';
import { FactsList } from '../components/facts-list';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { approveRegistration, declineRegistration } from '../domain/opportunities/registration.server';
import {
  getPartnerRegistration,
  getRegistrationForManager,
  managerRegistrationView,
  partnerRegistrationView,
  registrationExists,
  type ManagerRegistrationView,
} from '../models/registrations.server';
import managerStylesUrl from '../styles/manager.css?url';
import registrationsStylesUrl from '../styles/registrations.css?url';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import {
  domainErrorStatus,
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: registrationsStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Registration · Baton' }];

/** Another company's registration is logged and answered exactly like a missing one. */
async function refuse(user: SessionUser, opportunityId: number): Promise<never> {
  if (await registrationExists(database(), opportunityId)) {
    notFoundForForeign(user, 'registration', opportunityId);
  }
  throw notFound();
}

// Partner users see their own company's registration; channel managers and admins any, and decide.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:registration:own');
  const opportunityId = idParam(params, 'opportunityId');
  const scope = partnerScope(user);
  const db = database();
  if (scope) {
    const row = await getPartnerRegistration(db, { opportunityId, partnerId: scope.partnerId });
    if (!row) return refuse(user, opportunityId);
    return {
      mode: 'partner' as const,
      registration: partnerRegistrationView(row, scope.partnerId, user.timezone),
      manager: null,
      canDecide: false,
    };
  }
  if (!can(user, 'read:registration:any')) return refuse(user, opportunityId);
  const row = await getRegistrationForManager(db, opportunityId);
  if (!row) throw notFound();
  return {
    mode: 'manager' as const,
    registration: null,
    manager: managerRegistrationView(row, user.timezone),
    canDecide: can(user, 'decide:registration:any'),
  };
});

const decisionSchema = z.object({
  intent: z.enum(['approve', 'decline'], { error: 'Choose approve or decline.' }),
  returnTo: z.enum(['list', 'registration']).default('registration'),
});

export type DecisionAnswer = {
  opportunityId: number;
  fieldErrors: { reason?: string; intent?: string };
  formError: string | null;
  reason: string;
};

// Channel managers (and admins) decide; for anyone else there is nothing here to post to.
export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('decide:registration:any'));
  const opportunityId = idParam(params, 'opportunityId');
  const reason = typeof formData.get('reason') === 'string' ? String(formData.get('reason')) : '';
  const answer = (
    status: number,
    fieldErrors: DecisionAnswer['fieldErrors'],
    formError: string | null = null,
  ) => data<DecisionAnswer>({ opportunityId, fieldErrors, formError, reason }, { status });

  const parsed = decisionSchema.safeParse({
    intent: formData.get('intent') ?? undefined,
    returnTo: formData.get('returnTo') || undefined,
  });
  if (!parsed.success) return answer(400, { intent: 'Choose approve or decline.' });
  const { intent, returnTo } = parsed.data;
  try {
    if (intent === 'approve') {
      await approveRegistration(database(), { opportunityId, userId: user.id }, systemClock);
    } else {
      await declineRegistration(database(), { opportunityId, userId: user.id, reason }, systemClock);
    }
  } catch (error) {
    if (isDomainError(error, 'not_found')) throw notFound();
    if (isDomainError(error)) {
      const message = error.message.replace(/^\w+: /, '');
      // The reason is the one field the domain checks; anything else is the registration's state.
      return error.field === 'reason'
        ? answer(400, { reason: message })
        : answer(domainErrorStatus(error, { invalidInputIsConflict: true }), {}, message);
    }
    throw error;
  }
  return redirect(returnTo === 'list' ? '/registrations' : `/registrations/${opportunityId}`);
});

export default function RegistrationPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <>
      <p>
        <Link to="/registrations">← All registrations</Link>
      </p>
      {page.registration ? <PartnerView registration={page.registration} /> : null}
      {page.manager ? (
        <ManagerView registration={page.manager} canDecide={page.canDecide} answer={answer ?? null} />
      ) : null}
    </>
  );
}

function PartnerView({ registration }: { registration: ReturnType<typeof partnerRegistrationView> }) {
  return (
    <>
      <div className="page-heading">
        <h1>Registration #{registration.opportunityId}</h1>
        <p>
          <span className={registration.statusClass}>{registration.statusLabel}</span>{' '}
          <span className="subtle">
            Registered <time dateTime={registration.registeredAt}>{registration.registered}</time>
          </span>
        </p>
      </div>
      {registration.status === 'registered' ? (
        <p className="notice" role="status">
          {registration.conflictNotice ?? 'Received: a channel manager will approve or decline it.'}
        </p>
      ) : registration.conflictNotice ? (
        <p className="notice">{registration.conflictNotice}</p>
      ) : null}
      {registration.declineReason ? (
        <p className="notice notice--danger">Declined: {registration.declineReason}</p>
      ) : null}
      {registration.leadUrl ? (
        <p>
          Approved: the lead is your company’s. <Link to={registration.leadUrl}>Open it in My leads</Link>.
        </p>
      ) : null}
      <section className="panel" aria-labelledby="registration-facts">
        <h2 id="registration-facts">The opportunity</h2>
        <FactsList
          facts={[
            { term: 'Customer', value: registration.customerName },
            { term: 'Need', value: registration.need },
            { term: 'Product line', value: registration.productLine },
            { term: 'Value', value: registration.value },
            { term: 'Campaign', value: registration.campaignName ?? 'None' },
          ]}
        />
      </section>
    </>
  );
}

function ManagerView({
  registration,
  canDecide,
  answer,
}: {
  registration: ManagerRegistrationView;
  canDecide: boolean;
  answer: DecisionAnswer | null;
}) {
  return (
    <>
      <div className="page-heading">
        <h1>
          Registration #{registration.opportunityId} by {registration.partnerName}
        </h1>
        <p>
          <span className={registration.statusClass}>{registration.statusLabel}</span>{' '}
          {registration.conflictFlagged ? <span className="badge badge--conflict">Conflict</span> : null}{' '}
          <span className="subtle">
            Registered by {registration.registeredByName},{' '}
            <time dateTime={registration.registeredAt}>{registration.registered}</time>
          </span>
        </p>
      </div>
      <ConflictNotice registration={registration} />
      {registration.declineReason ? (
        <p className="notice notice--danger">Declined: {registration.declineReason}</p>
      ) : null}
      <section className="panel" aria-labelledby="registration-facts">
        <h2 id="registration-facts">The opportunity</h2>
        <FactsList
          facts={[
            { term: 'Customer', value: registration.customerName },
            { term: 'Domain', value: registration.customerDomain ?? 'Not recorded' },
            { term: 'Need', value: registration.need },
            { term: 'Product line', value: registration.productLine },
            { term: 'Value', value: registration.value },
            { term: 'Country', value: registration.country },
            { term: 'Campaign', value: registration.campaignName ?? 'None' },
          ]}
        />
        <p>
          <Link to={`/opportunities/${registration.opportunityId}`}>Opportunity page and timeline</Link>
        </p>
      </section>
      {canDecide && registration.awaitingDecision ? (
        <section className="panel" aria-labelledby="decide-title">
          <h2 id="decide-title">Decide</h2>
          <DecisionForms opportunityId={registration.opportunityId} returnTo="registration" answer={answer} />
        </section>
      ) : null}
    </>
  );
}

/** Vendor staff may know who else works the account: as flagged then, and as it is now. */
function ConflictNotice({ registration }: { registration: ManagerRegistrationView }) {
  if (!registration.conflictFlagged && registration.workingPartners.length === 0) return null;
  return (
    <div className="notice" role="note">
      {registration.conflictFlagged
        ? 'Flagged at registration: another partner already worked this account.'
        : 'Not flagged at registration, but another partner works this account now.'}
      {registration.workingPartners.length > 0 ? (
        <>
          {' '}
          Working it now:
          <ul className="working-partners">
            {registration.workingPartners.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        </>
      ) : (
        ' Nobody else works it any more.'
      )}
    </div>
  );
}

function DecisionForms({
  opportunityId,
  returnTo,
  answer,
}: {
  opportunityId: number;
  returnTo: 'list' | 'registration';
  answer: DecisionAnswer | null;
}) {
  const busy = useNavigation().state === 'submitting';
  const mine = answer && answer.opportunityId === opportunityId ? answer : null;
  const reasonId = `reason-${opportunityId}`;
  return (
    <>
      {mine?.formError ? (
        <p className="notice notice--danger" role="alert">
          {mine.formError}
        </p>
      ) : null}
      <div className="action-forms">
        <Form method="post" action={`/registrations/${opportunityId}`} className="action-form">
          <CsrfField />
          <input type="hidden" name="returnTo" value={returnTo} />
          <h3>Approve</h3>
          <p className="muted">The lead becomes the registering partner’s accepted lead.</p>
          <button type="submit" name="intent" value="approve" className="button" disabled={busy}>
            Approve
          </button>
        </Form>
        <Form method="post" action={`/registrations/${opportunityId}`} className="action-form" noValidate>
          <CsrfField />
          <input type="hidden" name="returnTo" value={returnTo} />
          <h3>Decline</h3>
          <div className="field">
            <label htmlFor={reasonId}>Reason (the partner reads it)</label>
            <textarea
              id={reasonId}
              name="reason"
              rows={2}
              maxLength={1000}
              defaultValue={mine?.reason ?? ''}
              aria-invalid={mine?.fieldErrors.reason ? true : undefined}
              aria-describedby={mine?.fieldErrors.reason ? `${reasonId}-error` : undefined}
            />
            {mine?.fieldErrors.reason ? (
              <p id={`${reasonId}-error`} className="field__error">
                {mine.fieldErrors.reason}
              </p>
            ) : null}
          </div>
          <button
            type="submit"
            name="intent"
            value="decline"
            className="button button--danger"
            disabled={busy}
          >
            Decline
          </button>
        </Form>
      </div>
    </>
  );
}
