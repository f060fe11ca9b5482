import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useOutlet } from '@remix-run/react';
import { formatMoney } from '../components/money';
import { LOST_REASON_LABELS, type LostReason } from '../domain/leads/lead-progress.server';
import { formatInZone } from '../models/inbox.server';
import { getLeads, STATUS_LABELS } from '../models/leads.server';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { partnerScope, requirePermission } from '../utils/permissions.server';
import { notFound, routeLoader } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'My leads · Baton' }];

// Partner users only: a lead is an opportunity their company accepted.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:lead:own');
  const scope = partnerScope(user);
  if (!scope) throw notFound();
  const leads = await getLeads(database(), scope);
  return {
    leads: leads.map((lead) => ({
      opportunityId: lead.opportunityId,
      status: lead.status,
      statusLabel: STATUS_LABELS[lead.status] ?? lead.status,
      outcome:
        lead.status === 'won' && lead.wonValueMinor !== null
          ? `Won for ${formatMoney(lead.wonValueMinor, lead.currency)}`
          : lead.status === 'lost' && lead.lostReason
            ? `Lost: ${LOST_REASON_LABELS[lead.lostReason as LostReason] ?? lead.lostReason}`
            : null,
      customerName: lead.customerName,
      need: lead.need,
      productLine: lead.productLine,
      value: formatMoney(lead.valueMinor, lead.currency),
      updatedAt: lead.updatedAt.toISOString(),
      updated: formatInZone(lead.updatedAt, user.timezone),
    })),
  };
});

// Flat routes make this the parent of leads.$opportunityId: an open lead takes the whole page.
export default function Leads() {
  const outlet = useOutlet();
  return outlet ?? <LeadList />;
}

function LeadList() {
  const { leads } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-heading">
        <h1>My leads</h1>
        <p className="muted">Leads your company accepted, most recently updated first.</p>
      </div>
      {leads.length === 0 ? (
        <p className="empty">
          No leads yet. Accept an offer in your <Link to="/inbox">inbox</Link> and it appears here.
        </p>
      ) : (
        <div className="table-scroll" role="region" aria-label="My leads" tabIndex={0}>
          <table className="table">
            <caption className="visually-hidden">My leads, most recently updated first</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Need</th>
                <th scope="col">Product line</th>
                <th scope="col" className="numeric">
                  Value
                </th>
                <th scope="col">Status</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {leads.map((lead) => (
                <tr key={lead.opportunityId}>
                  <td>
                    <Link to={`/leads/${lead.opportunityId}`}>{lead.customerName}</Link>
                  </td>
                  <td className="need">{lead.need}</td>
                  <td>{lead.productLine}</td>
                  <td className="numeric nowrap">{lead.value}</td>
                  <td>
                    <span className={`badge badge--stage-${lead.status}`}>{lead.statusLabel}</span>
                    {lead.outcome ? <span className="subtle"> {lead.outcome}</span> : null}
                  </td>
                  <td className="nowrap">
                    <time dateTime={lead.updatedAt}>{lead.updated}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
