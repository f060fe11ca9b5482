import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import {
  PauseSection,
  ProfileSection,
  formatDuration,
  formatPercent,
} from '../components/partner-profile-form';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { getPartnerProfile } from '../domain/partners/profile.server';
import { getPartnerWithFigures, profileView, runProfileAction, todayIn } from '../models/partners.server';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import { formFor, idParam, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `${page.name} · Partners · Baton` : 'Partner · Baton' },
];

// Vendor staff read every partner; channel managers and admins also edit (update:partner:any).
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:partner:any');
  const partnerId = idParam(params, 'partnerId');
  const db = database();
  const now = systemClock.now();
  try {
    const [profile, figures] = await Promise.all([
      getPartnerProfile(db, { partnerId, scope: partnerScope(user) }),
      getPartnerWithFigures(db, partnerId),
    ]);
    return {
      id: profile.id,
      name: profile.name,
      tier: profile.tier,
      status: profile.status,
      profile: profileView(profile, now),
      today: todayIn(profile.timezone, now),
      canEdit: can(user, 'update:partner:any'),
      canSeeQueue: can(user, 'read:routing-queue:any'),
      figures: figures && {
        openOffers: figures.openOffers,
        answered: figures.answered,
        accepted: figures.accepted,
        expired: figures.expired,
        acceptance: formatPercent(figures.acceptanceRate),
        medianResponse: formatDuration(figures.medianResponseMs),
        won: figures.won,
        closed: figures.closed,
        winRate: formatPercent(figures.winRate),
      },
    };
  } catch (error) {
    if (isDomainError(error, 'not_found')) notFoundForForeign(user, 'partner', partnerId);
    throw error;
  }
});

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form } = await formFor(request, permissionTo('update:partner:any'));
  const partnerId = idParam(params, 'partnerId');
  try {
    const { status, answer } = await runProfileAction(
      database(),
      systemClock,
      { partnerId, scope: partnerScope(user) },
      form,
    );
    return data(answer, { status });
  } catch (error) {
    if (isDomainError(error, 'not_found')) notFoundForForeign(user, 'partner', partnerId);
    throw error;
  }
});

export default function PartnerPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const figures = page.figures;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/partners">Partners</Link> /
      </p>
      <div className="page-heading">
        <h1>{page.name}</h1>
        <p className="muted">
          {page.tier} partner, {page.status}.
          {page.canSeeQueue ? (
            <>
              {' '}
              <Link to={`/queue?partner=${page.id}`}>
                Its offers and recent declines in the routing queue
              </Link>
            </>
          ) : null}
        </p>
      </div>
      {figures ? (
        <section aria-labelledby="figures-title">
          <h2 id="figures-title" className="visually-hidden">
            Figures
          </h2>
          <dl className="stats">
            <Figure label="Open offers" value={String(figures.openOffers)} hint="waiting for an answer" />
            <Figure
              label="Acceptance rate"
              value={figures.acceptance}
              hint={`${figures.accepted} accepted of ${figures.answered} answered; ${figures.expired} expired`}
            />
            <Figure label="Median response" value={figures.medianResponse} hint="from offer to answer" />
            <Figure
              label="Win rate"
              value={figures.winRate}
              hint={`${figures.won} won of ${figures.closed} closed`}
            />
          </dl>
        </section>
      ) : null}
      <section className="panel" aria-labelledby="pause-title">
        <h2 id="pause-title">Out of office</h2>
        <PauseSection profile={page.profile} editable={page.canEdit} answer={answer} today={page.today} />
      </section>
      <section className="panel" aria-labelledby="profile-title">
        <h2 id="profile-title">Routing profile</h2>
        <p className="muted">
          The same profile the partner’s admin sees and edits. Changes reach routing at once.
        </p>
        <ProfileSection profile={page.profile} editable={page.canEdit} answer={answer} />
      </section>
    </>
  );
}

function Figure({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="stat">
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value}</dd>
      <dd className="stat__hint">{hint}</dd>
    </div>
  );
}
