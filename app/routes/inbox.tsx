import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useOutlet } from '@remix-run/react';
import { Countdown, useNow } from '../components/countdown';
import { FactsList, factsFromPairs } from '../components/facts-list';
import { systemClock } from '../domain/clock';
import { getPendingOffers, presentLeadCard } from '../models/inbox.server';
import { parseTimeCursor } from '../models/keyset-cursor.server';
import { EXPIRING_SOON_HOURS } from '../models/queue-counts.server';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { partnerScope, requirePermission } from '../utils/permissions.server';
import { notFound, routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Inbox · Baton' }];

// Partner users only: the inbox is a company's own offers, which vendor staff do not have.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:offer:own');
  const scope = partnerScope(user);
  if (!scope) throw notFound();
  const raw = searchParamsOf(request).get('after');
  const after = raw ? parseTimeCursor(raw) : null;
  // An old or mistyped page link shows the first page, saying so, rather than an error.
  const pending = await getPendingOffers(database(), { ...scope, after });
  return {
    now: systemClock.now().toISOString(),
    timezone: user.timezone,
    expiringSoonHours: EXPIRING_SOON_HOURS,
    offers: pending.offers.map((card) => presentLeadCard(card, user.timezone)),
    total: pending.total,
    next: pending.next,
    paged: after !== null,
    badLink: raw !== null && after === null,
  };
});

// Flat routes make this the parent of inbox.$offerId: an open offer takes the whole page.
export default function Inbox() {
  const outlet = useOutlet();
  return outlet ?? <InboxList />;
}

function InboxList() {
  const data = useLoaderData<typeof loader>();
  const now = useNow(data.now);
  return (
    <>
      <div className="page-heading">
        <h1>Inbox</h1>
        <p className="muted">
          Leads offered to your company, nearest deadline first. Accept or decline each before its deadline;
          after that it moves on to another partner. Times are shown in {data.timezone}.
        </p>
      </div>
      {data.badLink ? (
        <p className="form__status" role="alert">
          That page link is not valid any more, so this is the first page.
        </p>
      ) : null}
      {data.total > data.offers.length ? (
        <p className="muted">
          {data.total} leads are waiting; {data.paged ? 'these are the next ' : 'these are the first '}
          {data.offers.length} by deadline.
          {data.paged ? (
            <>
              {' '}
              <Link to="/inbox">Back to the nearest deadlines</Link>
            </>
          ) : null}
        </p>
      ) : null}
      {data.offers.length === 0 ? (
        <p className="empty">No lead is waiting for your answer.</p>
      ) : (
        <ul className="lead-cards" aria-label="Offers waiting for your answer">
          {data.offers.map((offer) => (
            <li key={offer.offerId} className="lead-card">
              <div className="lead-card__head">
                <h2 className="lead-card__title">
                  <Link to={`/inbox/${offer.offerId}`}>{offer.need}</Link>
                </h2>
                <p className="lead-card__deadline">
                  <Countdown deadline={offer.expiresAt} now={now} soonWithinHours={data.expiringSoonHours} />
                  <span className="subtle">Answer by {offer.deadline}</span>
                </p>
              </div>
              <FactsList facts={factsFromPairs(offer.facts)} layout="tiles" />
            </li>
          ))}
        </ul>
      )}
      {data.next ? (
        <p>
          <Link to={`/inbox?${new URLSearchParams({ after: data.next }).toString()}`}>
            The next leads by deadline
          </Link>
        </p>
      ) : null}
    </>
  );
}
