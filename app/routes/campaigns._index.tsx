import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import {
  CAMPAIGN_STATUS_LABELS,
  INVITATION_STATUS_LABELS,
  campaignDates,
  type CampaignStatus,
} from '../domain/campaigns/campaign-form';
import { formatShare } from '../domain/campaigns/figures-format';
import { formatMoney } from '../domain/money';
import { listCampaignsForPartner, listCampaignsForStaff } from '../models/campaigns.server';
import campaignsStylesUrl from '../styles/campaigns.css?url';
import { database } from '../utils/db.server';
import { can, partnerScope, requirePermission } from '../utils/permissions.server';
import { routeLoader } from '../utils/route-kit.server';

export const meta: MetaFunction = () => [{ title: 'Campaigns · Baton' }];
export const links: LinksFunction = () => [{ rel: 'stylesheet', href: campaignsStylesUrl }];

const statusLabel = (status: string) => CAMPAIGN_STATUS_LABELS[status as CampaignStatus] ?? status;

// Vendor staff see every campaign with its figures; a partner's users see only the campaigns
// their company was invited to, and none of the figures.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:campaign:own');
  const scope = partnerScope(user);
  const db = database();
  if (scope) {
    const rows = await listCampaignsForPartner(db, scope);
    return {
      view: 'partner' as const,
      campaigns: rows.map((c) => ({
        id: c.id,
        name: c.name,
        status: statusLabel(c.status),
        dates: campaignDates(c.startsOn, c.endsOn),
        invitation: c.invitation,
        invitationLabel: INVITATION_STATUS_LABELS[c.invitation] ?? c.invitation,
      })),
    };
  }
  const rows = await listCampaignsForStaff(db);
  return {
    view: 'staff' as const,
    mayCreate: can(user, 'create:campaign:any'),
    campaigns: rows.map((c) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      statusLabel: statusLabel(c.status),
      dates: campaignDates(c.startsOn, c.endsOn),
      partners: `${c.joined} of ${c.invited}`,
      leads: c.leads,
      accepted: c.accepted,
      won: formatMoney(c.wonMinor, c.currency),
      wonOfBudget: formatShare(c.budgetMinor > 0 ? c.wonMinor / c.budgetMinor : null),
    })),
  };
});

export default function Campaigns() {
  const page = useLoaderData<typeof loader>();
  if (page.view === 'partner') {
    return (
      <>
        <div className="page-heading">
          <h1>Campaigns</h1>
          <p className="muted">Joint campaigns your company was invited to.</p>
        </div>
        {page.campaigns.length === 0 ? (
          <p className="empty">Your company has not been invited to a campaign yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Campaigns" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">
                Campaigns your company was invited to, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Status</th>
                  <th scope="col">Dates</th>
                  <th scope="col">Your company</th>
                </tr>
              </thead>
              <tbody>
                {page.campaigns.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                    </th>
                    <td>{c.status}</td>
                    <td>{c.dates}</td>
                    <td>
                      <span className={`badge badge--invitation-${c.invitation}`}>{c.invitationLabel}</span>
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
  return (
    <>
      <div className="page-heading campaigns-heading">
        <div>
          <h1>Campaigns</h1>
          <p className="muted">Every joint campaign; money in each campaign’s own currency.</p>
        </div>
        {page.mayCreate ? (
          <Link to="/campaigns/new" className="button">
            New campaign
          </Link>
        ) : null}
      </div>
      {page.campaigns.length === 0 ? (
        <p className="empty">No campaign yet.</p>
      ) : (
        <div className="table-scroll" role="region" aria-label="Campaigns and their figures" tabIndex={0}>
          <table className="table">
            <caption className="visually-hidden">Campaigns and their headline figures, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col">Dates</th>
                <th scope="col" className="numeric">
                  Partners joined
                </th>
                <th scope="col" className="numeric">
                  Leads
                </th>
                <th scope="col" className="numeric">
                  Accepted
                </th>
                <th scope="col" className="numeric">
                  Won
                </th>
                <th scope="col" className="numeric">
                  Won of budget
                </th>
              </tr>
            </thead>
            <tbody>
              {page.campaigns.map((c) => (
                <tr key={c.id}>
                  <th scope="row">
                    <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                  </th>
                  <td>
                    <span className={`badge badge--campaign-${c.status}`}>{c.statusLabel}</span>
                  </td>
                  <td>{c.dates}</td>
                  <td className="numeric nowrap">{c.partners}</td>
                  <td className="numeric">{c.leads}</td>
                  <td className="numeric">{c.accepted}</td>
                  <td className="numeric nowrap">{c.won}</td>
                  <td className="numeric">{c.wonOfBudget}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
