import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useOutlet } from '@remix-run/react';
import { formatUtc } from '../components/countdown';
import { formatDuration, formatPercent } from '../components/partner-profile-form';
import { systemClock } from '../domain/clock';
import { listPartnersWithFigures } from '../models/partners.server';
import partnersStylesUrl from '../styles/partners.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const meta: MetaFunction = () => [{ title: 'Partners · Baton' }];
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];

function pageNumber(request: Request): number {
  const page = Number(searchParamsOf(request).get('page') ?? '1');
  return Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
}

// Vendor staff only (read:partner:any); partner users get a 404.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'read:partner:any');
  // This is also the layout of /partners/:id, whose own loader reads what it needs.
  if (params.partnerId !== undefined) return null;
  const now = systemClock.now();
  const page = pageNumber(request);
  const list = await listPartnersWithFigures(database(), { page });
  return {
    now: now.toISOString(),
    page,
    pages: Math.max(1, Math.ceil(list.total / list.perPage)),
    total: list.total,
    partners: list.partners.map((partner) => ({
      id: partner.id,
      name: partner.name,
      tier: partner.tier,
      status: partner.status,
      countries: partner.countries,
      productLines: partner.productLines,
      load: `${partner.openLoad} / ${partner.maxOpen}`,
      pausedUntil:
        partner.pausedUntil && partner.pausedUntil.getTime() > now.getTime()
          ? partner.pausedUntil.toISOString()
          : null,
      openOffers: partner.openOffers,
      answered: partner.answered,
      acceptance: formatPercent(partner.acceptanceRate),
      medianResponse: formatDuration(partner.medianResponseMs),
      closed: partner.closed,
      winRate: formatPercent(partner.winRate),
    })),
  };
});

export default function Partners() {
  const outlet = useOutlet();
  const page = useLoaderData<typeof loader>();
  if (outlet || !page) return outlet;
  return (
    <>
      <div className="page-heading">
        <h1>Partners</h1>
        <p className="muted">
          {page.total.toLocaleString('en-GB')} partners. Figures are live, counted from every offer and lead
          as of <time dateTime={page.now}>{formatUtc(page.now)}</time>.
        </p>
      </div>
      <section className="panel" aria-labelledby="partners-title">
        <h2 id="partners-title" className="visually-hidden">
          Partners and their figures
        </h2>
        {page.partners.length === 0 ? (
          <p className="empty">No partner yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Partners and their figures" tabIndex={0}>
            <table className="table partners-table">
              <caption className="visually-hidden">Partners and their figures, by name</caption>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Status</th>
                  <th scope="col">Countries</th>
                  <th scope="col" className="numeric">
                    Open offers
                  </th>
                  <th scope="col" className="numeric">
                    Load
                  </th>
                  <th scope="col" className="numeric">
                    Acceptance
                  </th>
                  <th scope="col" className="numeric">
                    Median response
                  </th>
                  <th scope="col" className="numeric">
                    Win rate
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.partners.map((partner) => (
                  <tr key={partner.id}>
                    <th scope="row">
                      <Link to={`/partners/${partner.id}`}>{partner.name}</Link>
                    </th>
                    <td>{partner.tier}</td>
                    <td>
                      {partner.status !== 'active' ? (
                        <span className="badge badge--danger">{partner.status}</span>
                      ) : partner.pausedUntil ? (
                        <span className="badge badge--paused">
                          paused until {formatUtc(partner.pausedUntil)}
                        </span>
                      ) : (
                        'active'
                      )}
                    </td>
                    <td className="partners-table__countries">{partner.countries.join(', ')}</td>
                    <td className="numeric">{partner.openOffers}</td>
                    <td className="numeric nowrap">{partner.load}</td>
                    <td className="numeric" title={`${partner.answered} answered`}>
                      {partner.acceptance}
                    </td>
                    <td className="numeric nowrap">{partner.medianResponse}</td>
                    <td className="numeric" title={`${partner.closed} closed`}>
                      {partner.winRate}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.pages > 1 ? (
          <nav aria-label="Pages" className="pager">
            {page.page > 1 ? <Link to={`?page=${page.page - 1}`}>Previous</Link> : null}
            <span>
              Page {page.page} of {page.pages}
            </span>
            {page.page < page.pages ? <Link to={`?page=${page.page + 1}`}>Next</Link> : null}
          </nav>
        ) : null}
      </section>
    </>
  );
}
