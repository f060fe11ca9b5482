import {
  data,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { NavLink, useActionData, useLoaderData, useOutlet } from '@remix-run/react';
import { PauseSection, ProfileSection } from '../components/partner-profile-form';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { getPartnerProfile } from '../domain/partners/profile.server';
import { profileView, runProfileAction, todayIn } from '../models/partners.server';
import partnersStylesUrl from '../styles/partners.css?url';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import { formFor, routeAction, routeLoader } from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';

export const meta: MetaFunction = () => [{ title: 'Company profile · Baton' }];
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];

/** The signed-in partner user's own company; vendor staff have none, so for them there is no page. */
function ownCompany(user: SessionUser) {
  const scope = partnerScope(user);
  if (!scope) notFoundForForeign(user, 'company page', '-');
  return scope;
}

// Partner reps read the profile; partner admins also change it (update:partner:own).
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:partner:own');
  const scope = ownCompany(user);
  const now = systemClock.now();
  const profile = await getPartnerProfile(database(), { partnerId: scope.partnerId, scope });
  return {
    name: profile.name,
    tier: profile.tier,
    status: profile.status,
    profile: profileView(profile, now),
    today: todayIn(profile.timezone, now),
    canEdit: can(user, 'update:partner:own'),
    canManageUsers: can(user, 'read:user:own'),
  };
});

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { visitor, form } = await formFor(request, async (request) => {
    const user = await requirePermission(request, 'update:partner:own');
    return { user, scope: ownCompany(user) };
  });
  const { user, scope } = visitor;
  try {
    const { status, answer } = await runProfileAction(
      database(),
      systemClock,
      { partnerId: scope.partnerId, scope },
      form,
    );
    return data(answer, { status });
  } catch (error) {
    if (isDomainError(error, 'not_found')) notFoundForForeign(user, 'partner', scope.partnerId);
    throw error;
  }
});

export default function Company() {
  const outlet = useOutlet();
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  return (
    <>
      <div className="page-heading">
        <h1>{page.name}</h1>
        <p className="muted">
          Your company as routing sees it: {page.tier} partner, {page.status}.
        </p>
      </div>
      {page.canManageUsers ? (
        <nav aria-label="Company" className="tabs">
          <NavLink to="/company" end className="tabs__link">
            Profile
          </NavLink>
          <NavLink to="/company/users" className="tabs__link">
            Users
          </NavLink>
        </nav>
      ) : null}
      {outlet ?? (
        <>
          <section className="panel" aria-labelledby="pause-title">
            <h2 id="pause-title">Out of office</h2>
            <PauseSection profile={page.profile} editable={page.canEdit} answer={answer} today={page.today} />
          </section>
          <section className="panel" aria-labelledby="profile-title">
            <h2 id="profile-title">Routing profile</h2>
            <p className="muted">
              Leads are offered only in the countries and product lines listed here, up to the capacity;
              industries and customer sizes raise the company’s score for leads that match.
              {page.canEdit ? null : ' Only a partner admin can change it.'}
            </p>
            <ProfileSection profile={page.profile} editable={page.canEdit} answer={answer} />
          </section>
        </>
      )}
    </>
  );
}
