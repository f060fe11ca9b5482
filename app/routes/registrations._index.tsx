import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { FactsList } from '../components/facts-list';
import {
  getPartnerRegistrations,
  getRecentlyDecidedRegistrations,
  getRegistrationsAwaitingDecision,
  managerRegistrationView,
  partnerRegistrationView,
  type ManagerRegistrationView,
} from '../models/registrations.server';
import managerStylesUrl from '../styles/manager.css?url';
import registrationsStylesUrl from '../styles/registrations.css?url';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import { routeLoader } from '../utils/route-kit.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: registrationsStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Registrations · Baton' }];

// Partner users: their company's registrations. Channel managers and admins: those awaiting a
// decision. Anyone else (coordinators) has no page here.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:registration:own');
  const db = database();
  const scope = partnerScope(user);
  if (scope) {
    const rows = await getPartnerRegistrations(db, scope);
    return {
      mode: 'partner' as const,
      canRegister: can(user, 'create:registration:own'),
      registrations: rows.map((row) => partnerRegistrationView(row, scope.partnerId, user.timezone)),
      awaiting: [],
      decided: [],
      canDecide: false,
      timezone: user.timezone,
    };
  }
  if (!can(user, 'read:registration:any')) notFoundForForeign(user, 'registrations page', '-');
  const [awaiting, decided] = await Promise.all([
    getRegistrationsAwaitingDecision(db),
    getRecentlyDecidedRegistrations(db),
  ]);
  return {
    mode: 'manager' as const,
    canRegister: false,
    registrations: [],
    awaiting: awaiting.map((row) => managerRegistrationView(row, user.timezone)),
    decided: decided.map((row) => managerRegistrationView(row, user.timezone)),
    canDecide: can(user, 'decide:registration:any'),
    timezone: user.timezone,
  };
});

export default function Registrations() {
  const page = useLoaderData<typeof loader>();
  return page.mode === 'partner' ? (
    <PartnerRegistrations page={page} />
  ) : (
    <ManagerRegistrations page={page} />
  );
}

type Page = ReturnType<typeof useLoaderData<typeof loader>>;

function PartnerRegistrations({ page }: { page: Page }) {
  return (
    <>
      <div className="page-heading">
        <h1>My registrations</h1>
        <p className="muted">
          Opportunities your company registered for its own customers, newest first. A channel manager
          approves each one (it becomes your lead) or declines it with a reason. Times are in your time zone,{' '}
          {page.timezone}.
        </p>
        {page.canRegister ? (
          <p>
            <Link to="/registrations/new" className="button">
              Register an opportunity
            </Link>
          </p>
        ) : null}
      </div>
      {page.registrations.length === 0 ? (
        <p className="empty">Your company has not registered an opportunity yet.</p>
      ) : (
        <ul className="registrations" aria-label="My registrations">
          {page.registrations.map((registration) => (
            <li key={registration.opportunityId} className="registration">
              <div className="registration__head">
                <h2 className="registration__title">
                  <Link to={`/registrations/${registration.opportunityId}`}>
                    #{registration.opportunityId} {registration.customerName}
                  </Link>
                </h2>
                <p>
                  <span className={registration.statusClass}>{registration.statusLabel}</span>{' '}
                  <span className="subtle">
                    Registered <time dateTime={registration.registeredAt}>{registration.registered}</time>
                  </span>
                </p>
              </div>
              {registration.conflictNotice ? <p className="notice">{registration.conflictNotice}</p> : null}
              {registration.declineReason ? (
                <p className="notice notice--danger">Declined: {registration.declineReason}</p>
              ) : null}
              <FactsList
                facts={[
                  { term: 'Need', value: registration.need },
                  { term: 'Product line', value: registration.productLine },
                  { term: 'Value', value: registration.value },
                ]}
              />
              {registration.leadUrl ? (
                <p>
                  <Link to={registration.leadUrl}>Open the lead in My leads</Link>
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function ManagerRegistrations({ page }: { page: Page }) {
  return (
    <>
      <div className="page-heading">
        <h1>Registrations</h1>
        <p className="muted">
          Opportunities partners registered for their own customers, oldest first. A conflict means another
          partner already works the account; the registering partner was told only that. Times are in your
          time zone, {page.timezone}.
        </p>
      </div>
      <section aria-labelledby="awaiting-title">
        <h2 id="awaiting-title">Awaiting a decision ({page.awaiting.length})</h2>
        {page.awaiting.length === 0 ? (
          <p className="empty">No registration is waiting for a decision.</p>
        ) : (
          <ul className="registrations" aria-label="Registrations awaiting a decision">
            {page.awaiting.map((registration) => (
              <li key={registration.opportunityId} className="registration">
                <div className="registration__head">
                  <h3 className="registration__title">
                    <Link to={`/registrations/${registration.opportunityId}`}>
                      #{registration.opportunityId} {registration.customerName}
                    </Link>{' '}
                    by {registration.partnerName}
                  </h3>
                  <p>
                    {registration.conflictFlagged ? (
                      <span className="badge badge--conflict">Conflict</span>
                    ) : null}{' '}
                    <span className="subtle">
                      <time dateTime={registration.registeredAt}>{registration.registered}</time>
                    </span>
                  </p>
                </div>
                <ConflictNotice registration={registration} />
                <FactsList
                  facts={[
                    { term: 'Domain', value: registration.customerDomain ?? 'Not recorded' },
                    { term: 'Need', value: registration.need },
                    { term: 'Product line', value: registration.productLine },
                    { term: 'Value', value: registration.value },
                    { term: 'Country', value: registration.country },
                    { term: 'Registered by', value: registration.registeredByName },
                  ]}
                />
                {page.canDecide ? <DecisionForms opportunityId={registration.opportunityId} /> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      {page.decided.length > 0 ? (
        <section aria-labelledby="decided-title">
          <h2 id="decided-title">Decided lately</h2>
          <div className="table-scroll" role="region" aria-label="Registrations decided lately" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Registrations decided lately, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Registration</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {page.decided.map((registration) => (
                  <tr key={registration.opportunityId}>
                    <td>
                      <Link to={`/registrations/${registration.opportunityId}`}>
                        #{registration.opportunityId} {registration.customerName}
                      </Link>
                    </td>
                    <td>{registration.partnerName}</td>
                    <td>
                      <span className={registration.statusClass}>{registration.statusLabel}</span>
                    </td>
                    <td className="need">{registration.declineReason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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

/**
 * Posts to the registration's own page, which comes back here once decided; a refused decision
 * (no reason given) stays on that page with the reason beside the field.
 */
function DecisionForms({ opportunityId }: { opportunityId: number }) {
  const busy = useNavigation().state === 'submitting';
  const reasonId = `reason-${opportunityId}`;
  return (
    <div className="action-forms">
      <Form method="post" action={`/registrations/${opportunityId}`} className="action-form">
        <CsrfField />
        <input type="hidden" name="returnTo" value="list" />
        <button type="submit" name="intent" value="approve" className="button" disabled={busy}>
          Approve #{opportunityId}
        </button>
      </Form>
      <Form method="post" action={`/registrations/${opportunityId}`} className="action-form" noValidate>
        <CsrfField />
        <input type="hidden" name="returnTo" value="list" />
        <div className="field">
          <label htmlFor={reasonId}>Reason to decline (the partner reads it)</label>
          <textarea id={reasonId} name="reason" rows={2} maxLength={1000} />
        </div>
        <button type="submit" name="intent" value="decline" className="button button--danger" disabled={busy}>
          Decline #{opportunityId}
        </button>
      </Form>
    </div>
  );
}
