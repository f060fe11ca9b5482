import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import type { ReactNode } from 'react';
import { BarChart } from '../components/bar-chart';
import { CampaignForm } from '../components/campaign-form';
import { CsrfField } from '../components/csrf-field';
import {
  CAMPAIGN_STATUS_LABELS,
  INVITATION_STATUS_LABELS,
  campaignDates,
  type CampaignStatus,
} from '../domain/campaigns/campaign-form';
import { suggestPartners } from '../domain/campaigns/campaigns.server';
import { campaignFigures, type FigureRow } from '../domain/campaigns/figures.server';
import { formatAcceptTime, formatShare, plainAmount } from '../domain/campaigns/figures-format';
import { systemClock } from '../domain/clock';
import { formatMoney } from '../domain/money';
import { countryName, SIZE_SEGMENT_LABELS, type SizeSegment } from '../domain/partners/labels';
import {
  INTENT_PERMISSIONS,
  intentOf,
  runCampaignAction,
  type CampaignActionAnswer,
  type CampaignIntent,
} from '../models/campaigns-actions.server';
import {
  campaignExists,
  campaignLeadsForPartner,
  getCampaign,
  getCampaignForPartner,
  invitedPartners,
  searchCustomersToTarget,
  targetAccounts,
  targetAccountsForPartner,
} from '../models/campaigns.server';
import { formatInZone } from '../models/inbox.server';
import { STATUS_LABELS as LEAD_STATUS_LABELS } from '../models/leads.server';
import managerStylesUrl from '../styles/manager.css?url';
import campaignsStylesUrl from '../styles/campaigns.css?url';
import { requireCsrf } from '../utils/csrf.server';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import type { SessionUser } from '../utils/session.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: campaignsStylesUrl },
];
export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `${page.campaign.name} · Campaigns · Baton` : 'Campaign · Baton' },
];

const notFound = () =>
  new Response('There is no campaign at this address.', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });

/** A positive whole number from the URL, or a 404: `/campaigns/abc` is simply not there. */
function campaignIdOf(param: string | undefined): number {
  const id = /^[1-9]\d{0,9}$/.test(param ?? '') ? Number(param) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw notFound();
  return id;
}

/** Another company's campaign is logged and answered exactly like a missing one. */
async function refuseCampaign(user: SessionUser, campaignId: number): Promise<never> {
  if (await campaignExists(database(), campaignId)) notFoundForForeign(user, 'campaign', campaignId);
  throw notFound();
}

const statusLabel = (status: string) => CAMPAIGN_STATUS_LABELS[status as CampaignStatus] ?? status;
const segmentLabel = (segment: string) => SIZE_SEGMENT_LABELS[segment as SizeSegment] ?? segment;

type CampaignRow = NonNullable<Awaited<ReturnType<typeof getCampaign>>>['campaign'];

function campaignView(campaign: CampaignRow) {
  return {
    id: campaign.id,
    name: campaign.name,
    goal: campaign.goal,
    status: campaign.status,
    statusLabel: statusLabel(campaign.status),
    dates: campaignDates(campaign.startsOn, campaign.endsOn),
    budget: campaign.budgetMinor > 0 ? formatMoney(campaign.budgetMinor, campaign.currency) : 'No budget set',
    currency: campaign.currency,
    countries: campaign.targetCountries.map((code) => `${countryName(code)} (${code})`),
    industries: campaign.targetIndustries,
    sizeSegments: campaign.targetSizeSegments.map(segmentLabel),
    productLines: campaign.targetProductLines,
    joinedPartnersFirst: campaign.joinedPartnersFirst,
  };
}

function figureCells(row: FigureRow, currency: string) {
  return {
    leads: row.leads,
    offered: row.offered,
    accepted: row.accepted,
    median: formatAcceptTime(row.medianAcceptSeconds),
    pipeline: formatMoney(row.pipelineMinor, currency),
    won: formatMoney(row.wonMinor, currency),
    wonMinor: row.wonMinor,
    ofBudget: formatShare(row.wonShareOfBudget),
  };
}

async function partnerPage(user: SessionUser, partnerId: number, campaignId: number) {
  const db = database();
  const row = await getCampaignForPartner(db, { campaignId, partnerId });
  if (!row) return refuseCampaign(user, campaignId);
  const [accounts, leads] = await Promise.all([
    targetAccountsForPartner(db, { campaignId, partnerId }),
    campaignLeadsForPartner(db, { campaignId, partnerId }),
  ]);
  return {
    view: 'partner' as const,
    campaign: campaignView(row.campaign),
    invitation: {
      status: row.invitation,
      label: INVITATION_STATUS_LABELS[row.invitation] ?? row.invitation,
      invited: formatInZone(row.invitedAt, user.timezone),
      responded: row.respondedAt ? formatInZone(row.respondedAt, user.timezone) : null,
    },
    mayAnswer:
      can(user, 'answer:campaign:own') && row.invitation === 'invited' && row.campaign.status !== 'completed',
    // null: the company has not joined, so the accounts stay closed to it.
    accounts: accounts?.map((a) => ({ ...a, sizeSegment: segmentLabel(a.sizeSegment) })) ?? null,
    leads: leads.map((lead) => ({
      opportunityId: lead.opportunityId,
      customerName: lead.customerName,
      need: lead.need,
      productLine: lead.productLine,
      status: LEAD_STATUS_LABELS[lead.status] ?? lead.status,
      value: formatMoney(lead.valueMinor, lead.currency),
      won: lead.wonValueMinor === null ? null : formatMoney(lead.wonValueMinor, lead.currency),
    })),
  };
}

async function staffPage(user: SessionUser, campaignId: number, request: Request) {
  const db = database();
  const row = await getCampaign(db, campaignId);
  if (!row) throw notFound();
  const { campaign } = row;
  const mayEdit = can(user, 'update:campaign:any');
  const mayInvite = can(user, 'invite:campaign:any');
  const query = (new URL(request.url).searchParams.get('q') ?? '').trim().slice(0, 100);
  const [figures, invited, suggestions, accounts, customerMatches] = await Promise.all([
    campaignFigures(db, campaignId),
    invitedPartners(db, campaignId),
    mayInvite && campaign.status !== 'completed' ? suggestPartners(db, campaignId) : Promise.resolve([]),
    targetAccounts(db, campaignId),
    mayEdit ? searchCustomersToTarget(db, campaignId, query) : Promise.resolve([]),
  ]);
  if (!figures) throw notFound();
  const currency = campaign.currency;
  const partnerRows = figures.partners.map((p) => ({
    partnerId: p.partnerId,
    name: p.partnerName,
    ...figureCells(p, currency),
  }));
  return {
    view: 'staff' as const,
    campaign: campaignView(campaign),
    coordinatorName: row.coordinatorName,
    mayEdit,
    mayInvite: mayInvite && campaign.status !== 'completed',
    editValues: {
      name: campaign.name,
      goal: campaign.goal,
      startsOn: campaign.startsOn ?? '',
      endsOn: campaign.endsOn ?? '',
      status: campaign.status,
      budget: campaign.budgetMinor > 0 ? plainAmount(campaign.budgetMinor, currency) : '',
      currency,
      targetCountries: campaign.targetCountries.join(', '),
      targetIndustries: campaign.targetIndustries.join(', '),
      targetSizeSegments: campaign.targetSizeSegments,
      targetProductLines: campaign.targetProductLines.join(', '),
      joinedPartnersFirst: campaign.joinedPartnersFirst ? 'yes' : 'no',
    },
    invited: invited.map((p) => ({
      partnerId: p.partnerId,
      name: p.name,
      status: p.status,
      label: INVITATION_STATUS_LABELS[p.status] ?? p.status,
      invited: formatInZone(p.invitedAt, user.timezone),
      responded: p.respondedAt ? formatInZone(p.respondedAt, user.timezone) : null,
    })),
    suggestions: suggestions.map((s) => ({
      partnerId: s.partnerId,
      name: s.name,
      tier: s.tier,
      overlap: s.overlap,
      why: [
        [s.matchingCountries, 'country', 'countries'],
        [s.matchingIndustries, 'industry', 'industries'],
        [s.matchingSegments, 'size', 'sizes'],
        [s.matchingProductLines, 'product line', 'product lines'],
      ]
        .filter(([count]) => Number(count) > 0)
        .map(([count, one, many]) => `${count} ${count === 1 ? one : many}`)
        .join(', '),
    })),
    accounts: accounts.map((a) => ({ ...a, sizeSegment: segmentLabel(a.sizeSegment) })),
    query,
    customerMatches,
    figures: {
      currency,
      hasBudget: figures.budgetMinor > 0,
      budget: formatMoney(figures.budgetMinor, currency),
      budgetMinor: figures.budgetMinor,
      overall: figureCells(figures.overall, currency),
      partners: partnerRows,
      acceptedBars: partnerRows.map((p) => ({
        label: p.name,
        value: p.accepted,
        display: `${p.accepted} accepted`,
      })),
      wonBars: partnerRows.map((p) => ({ label: p.name, value: p.wonMinor, display: p.won })),
      otherCurrencies: figures.otherCurrencies.map((c) => ({
        currency: c.currency,
        leads: c.leads,
        pipeline: formatMoney(c.pipelineMinor, c.currency),
        won: formatMoney(c.wonMinor, c.currency),
      })),
    },
  };
}

// Vendor staff see every campaign; a partner's users only the campaigns their company was
// invited to (anything else is a 404, and the attempt is logged).
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:campaign:own');
  const campaignId = campaignIdOf(params.campaignId);
  const scope = partnerScope(user);
  return scope ? partnerPage(user, scope.partnerId, campaignId) : staffPage(user, campaignId, request);
}

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = intentOf(form.get('intent'));
  // Each action needs its own permission; a form without a known action is the coordinator's.
  const user = await requirePermission(request, INTENT_PERMISSIONS[intent ?? 'update']);
  await requireCsrf(request, form);
  const campaignId = campaignIdOf(params.campaignId);
  if (intent === null) {
    return data<CampaignActionAnswer>(
      { intent: null, fieldErrors: {}, formError: 'Unknown action; reload the page and try again.' },
      { status: 400 },
    );
  }
  const scope = partnerScope(user);
  const db = database();
  // Staff act on any campaign, partners only on their own invitation (scoped in the domain).
  if (!scope && !(await campaignExists(db, campaignId))) throw notFound();
  const result = await runCampaignAction(db, systemClock, {
    intent,
    campaignId,
    partnerId: scope?.partnerId ?? null,
    form,
  });
  if (!result.ok && result.status === 404) return refuseCampaign(user, campaignId);
  if (!result.ok && 'answer' in result)
    return data<CampaignActionAnswer>(result.answer, { status: result.status });
  throw redirect(`/campaigns/${campaignId}?done=${result.ok ? result.done : ''}`);
}

const DONE_MESSAGES: Record<string, string> = {
  created: 'The campaign is saved. Invite partners below.',
  updated: 'The campaign is saved.',
  invited: 'The partners are invited; their admins get an email.',
  'invited-one': 'The partner is invited; its admins get an email.',
  'account-added': 'The account was added to the targets.',
  'account-removed': 'The account was removed from the targets.',
  joined: 'Your company has joined the campaign.',
  declined: 'Your company has declined the campaign.',
};

export default function CampaignPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const done = DONE_MESSAGES[searchParams.get('done') ?? ''];
  const errorsFor = (intent: CampaignIntent) => (answer?.intent === intent ? answer.fieldErrors : {});

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/campaigns">Campaigns</Link> › {page.campaign.name}
        </p>
        <h1>{page.campaign.name}</h1>
        <p>
          <span className={`badge badge--campaign-${page.campaign.status}`}>{page.campaign.statusLabel}</span>{' '}
          <span className="muted">{page.campaign.dates}</span>
        </p>
        {done && !answer ? (
          <p className="notice" role="status">
            {done}
          </p>
        ) : null}
        {answer?.formError ? (
          <p className="notice notice--danger" role="alert">
            {answer.formError}
          </p>
        ) : null}
      </div>
      {page.view === 'partner' ? (
        <PartnerView page={page} answerError={errorsFor('answer').answer} />
      ) : (
        <StaffView page={page} answer={answer} errorsFor={errorsFor} />
      )}
    </>
  );
}

type PartnerPage = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { view: 'partner' }>;
type StaffPage = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { view: 'staff' }>;

function CampaignFacts({ campaign }: { campaign: PartnerPage['campaign'] }) {
  const list = (values: string[]) => (values.length === 0 ? 'Any' : values.join(', '));
  return (
    <dl className="facts">
      <Fact term="Goal">{campaign.goal || 'Not written down yet'}</Fact>
      <Fact term="Dates">{campaign.dates}</Fact>
      <Fact term="Countries">{list(campaign.countries)}</Fact>
      <Fact term="Industries">{list(campaign.industries)}</Fact>
      <Fact term="Customer sizes">{list(campaign.sizeSegments)}</Fact>
      <Fact term="Product lines">{list(campaign.productLines)}</Fact>
    </dl>
  );
}

function PartnerView({ page, answerError }: { page: PartnerPage; answerError: string | undefined }) {
  const busy = useNavigation().state === 'submitting';
  return (
    <>
      <section className="panel" aria-labelledby="invitation-title">
        <h2 id="invitation-title">Your company’s invitation</h2>
        <p>
          <span className={`badge badge--invitation-${page.invitation.status}`}>{page.invitation.label}</span>{' '}
          <span className="muted">
            Invited {page.invitation.invited}
            {page.invitation.responded ? `, answered ${page.invitation.responded}` : ''}.
          </span>
        </p>
        {page.mayAnswer ? (
          <Form method="post" className="form answer-form" aria-labelledby="invitation-title" id="answer">
            <CsrfField />
            <input type="hidden" name="intent" value="answer" />
            <p>
              Joined partners see the campaign’s target accounts, and routing offers them its leads first. You
              answer for your company.
            </p>
            <div className="answer-form__buttons">
              <button type="submit" name="answer" value="join" className="button" disabled={busy}>
                Join
              </button>
              <button
                type="submit"
                name="answer"
                value="decline"
                className="button button--secondary"
                disabled={busy}
              >
                Decline
              </button>
            </div>
            {answerError ? (
              <p className="field__error" role="alert">
                {answerError}
              </p>
            ) : null}
          </Form>
        ) : page.invitation.status === 'invited' ? (
          <p className="muted">
            {page.campaign.status === 'completed'
              ? 'This campaign is completed; the invitation can no longer be answered.'
              : 'A partner admin of your company answers this invitation.'}
          </p>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="about-title">
        <h2 id="about-title">The campaign</h2>
        <CampaignFacts campaign={page.campaign} />
      </section>

      <section className="panel" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Target accounts</h2>
        {page.accounts === null ? (
          <p className="muted">The target accounts open to your company once it has joined the campaign.</p>
        ) : (
          <AccountsTable accounts={page.accounts} />
        )}
      </section>

      <section className="panel" aria-labelledby="leads-title">
        <h2 id="leads-title">Your campaign leads</h2>
        {page.leads.length === 0 ? (
          <p className="empty">Your company has accepted no lead from this campaign yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Your campaign leads" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">
                Leads from this campaign that your company accepted
              </caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Need</th>
                  <th scope="col">Stage</th>
                  <th scope="col" className="numeric">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.leads.map((lead) => (
                  <tr key={lead.opportunityId}>
                    <th scope="row">
                      <Link to={`/leads/${lead.opportunityId}`}>{lead.customerName}</Link>
                    </th>
                    <td className="need">{lead.need}</td>
                    <td>{lead.won ? `${lead.status} (${lead.won})` : lead.status}</td>
                    <td className="numeric nowrap">{lead.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function AccountsTable({
  accounts,
  removable = false,
}: {
  accounts: PartnerPage['accounts'] & object;
  removable?: boolean;
}) {
  if (accounts.length === 0) return <p className="empty">No target account yet.</p>;
  return (
    <div className="table-scroll" role="region" aria-label="Target accounts" tabIndex={0}>
      <table className="table">
        <caption className="visually-hidden">The campaign’s target accounts, by name</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Country</th>
            <th scope="col">Industry</th>
            <th scope="col">Size</th>
            <th scope="col">Potential</th>
            {removable ? <th scope="col">Remove</th> : null}
          </tr>
        </thead>
        <tbody>
          {accounts.map((account) => (
            <tr key={account.customerId}>
              <th scope="row">
                {account.name}
                {account.domain ? <span className="subtle">{account.domain}</span> : null}
              </th>
              <td>{account.country}</td>
              <td>{account.industry}</td>
              <td>{account.sizeSegment}</td>
              <td>{account.revenuePotential}</td>
              {removable ? (
                <td>
                  <Form method="post">
                    <CsrfField />
                    <input type="hidden" name="intent" value="removeAccount" />
                    <input type="hidden" name="customerId" value={account.customerId} />
                    <button type="submit" className="button button--secondary button--small">
                      Remove<span className="visually-hidden"> {account.name}</span>
                    </button>
                  </Form>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StaffView({
  page,
  answer,
  errorsFor,
}: {
  page: StaffPage;
  answer: CampaignActionAnswer | undefined;
  errorsFor: (intent: CampaignIntent) => Record<string, string>;
}) {
  const busy = useNavigation().state === 'submitting';
  const { figures } = page;
  const editRefused = answer?.intent === 'update';
  return (
    <>
      <div className="manager-columns">
        <section className="panel" aria-labelledby="about-title">
          <h2 id="about-title">The campaign</h2>
          <CampaignFacts campaign={page.campaign} />
          <dl className="facts">
            <Fact term="Budget">{page.campaign.budget}</Fact>
            <Fact term="Coordinator">{page.coordinatorName ?? 'Nobody'}</Fact>
            <Fact term="Routing">
              {page.campaign.joinedPartnersFirst
                ? 'Joined partners are offered its leads before anyone else'
                : 'Joined partners score higher for its leads'}
            </Fact>
          </dl>
        </section>

        <section className="panel" aria-labelledby="partners-title">
          <h2 id="partners-title">Invited partners</h2>
          {page.invited.length === 0 ? (
            <p className="empty">No partner invited yet.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Invited partners" tabIndex={0}>
              <table className="table">
                <caption className="visually-hidden">Invited partners and their answers</caption>
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Invited</th>
                  </tr>
                </thead>
                <tbody>
                  {page.invited.map((p) => (
                    <tr key={p.partnerId}>
                      <th scope="row">
                        <Link to={`/partners/${p.partnerId}`}>{p.name}</Link>
                      </th>
                      <td>
                        <span className={`badge badge--invitation-${p.status}`}>{p.label}</span>
                        {p.responded ? <span className="subtle">{p.responded}</span> : null}
                      </td>
                      <td className="nowrap">{p.invited}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="figures-title">
        <h2 id="figures-title">Figures</h2>
        <p className="muted">
          Counted live from the campaign’s leads and offers. Money in {figures.currency}, the campaign’s
          currency
          {figures.otherCurrencies.length > 0
            ? '; leads in other currencies are listed apart, not added in'
            : ''}
          .
        </p>
        <div className="stats">
          <Stat
            label="Leads"
            value={String(figures.overall.leads)}
            hint={`${figures.overall.offered} offered`}
          />
          <Stat
            label="Accepted"
            value={String(figures.overall.accepted)}
            hint={`median time to accept ${figures.overall.median}`}
          />
          <Stat label="Pipeline" value={figures.overall.pipeline} hint="open leads’ value" />
          <Stat
            label="Won"
            value={figures.overall.won}
            hint={
              figures.hasBudget
                ? `${figures.overall.ofBudget} of the ${figures.budget} budget`
                : 'no budget set'
            }
          />
        </div>
        {figures.hasBudget ? (
          <BarChart
            title="Won value against budget"
            description={`${figures.overall.won} won of a ${figures.budget} budget: ${figures.overall.ofBudget}.`}
            bars={[
              { label: 'Budget', value: figures.budgetMinor, display: figures.budget },
              { label: 'Won', value: figures.overall.wonMinor, display: figures.overall.won },
            ]}
          />
        ) : null}

        <h3>Per partner</h3>
        {figures.partners.length === 0 ? (
          <p className="empty">No partner has joined or been offered a lead of this campaign yet.</p>
        ) : (
          <>
            <div className="chart-pair">
              <BarChart
                title="Accepted leads per partner"
                description={figures.partners.map((p) => `${p.name}: ${p.accepted}`).join('; ')}
                bars={figures.acceptedBars}
              />
              <BarChart
                title={`Won value per partner (${figures.currency})`}
                description={figures.partners.map((p) => `${p.name}: ${p.won}`).join('; ')}
                bars={figures.wonBars}
              />
            </div>
            <div className="table-scroll" role="region" aria-label="Figures per partner" tabIndex={0}>
              <table className="table figures-table">
                <caption className="visually-hidden">
                  The campaign’s figures per partner, and for all partners together
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Partner</th>
                    <th scope="col" className="numeric">
                      Leads
                    </th>
                    <th scope="col" className="numeric">
                      Offered
                    </th>
                    <th scope="col" className="numeric">
                      Accepted
                    </th>
                    <th scope="col" className="numeric">
                      Median time to accept
                    </th>
                    <th scope="col" className="numeric">
                      Pipeline
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
                  {figures.partners.map((p) => (
                    <FigureLine key={p.partnerId} name={p.name} cells={p} />
                  ))}
                </tbody>
                <tfoot>
                  <FigureLine name="All partners" cells={figures.overall} />
                </tfoot>
              </table>
            </div>
          </>
        )}
        {figures.otherCurrencies.length > 0 ? (
          <>
            <h3>Leads in other currencies</h3>
            <p className="muted">
              Not converted and not in the figures above: Baton keeps no exchange rates.
            </p>
            <ul>
              {figures.otherCurrencies.map((c) => (
                <li key={c.currency}>
                  {c.currency}: {c.leads} {c.leads === 1 ? 'lead' : 'leads'}, pipeline {c.pipeline}, won{' '}
                  {c.won}
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <p>
          <a href={`/campaigns/${page.campaign.id}/export.csv`} download>
            Download the figures per partner (CSV)
          </a>
        </p>
      </section>

      {page.mayInvite ? (
        <section className="panel" aria-labelledby="suggestions-title">
          <h2 id="suggestions-title">Invite partners</h2>
          <p className="muted">Active partners not yet invited, those covering most of the targets first.</p>
          {page.suggestions.length === 0 ? (
            <p className="empty">Every active partner is invited already.</p>
          ) : (
            <Form method="post" className="form" aria-labelledby="suggestions-title">
              <CsrfField />
              <input type="hidden" name="intent" value="invite" />
              <fieldset
                className="choices suggestions"
                aria-describedby={errorsFor('invite').partnerIds ? 'partnerIds-error' : undefined}
              >
                <legend>Partners to invite</legend>
                {page.suggestions.map((s) => (
                  <div className="choice" key={s.partnerId}>
                    <input
                      type="checkbox"
                      id={`invite-${s.partnerId}`}
                      name="partnerIds"
                      value={s.partnerId}
                    />
                    <label htmlFor={`invite-${s.partnerId}`}>
                      {s.name} <span className="muted">({s.tier})</span>
                      <span className="subtle">
                        {s.overlap > 0 ? `Matches ${s.why}` : 'Matches none of the targets'}
                      </span>
                    </label>
                  </div>
                ))}
              </fieldset>
              {errorsFor('invite').partnerIds ? (
                <p id="partnerIds-error" className="field__error">
                  {errorsFor('invite').partnerIds}
                </p>
              ) : null}
              <button type="submit" className="button" disabled={busy}>
                Invite the chosen partners
              </button>
            </Form>
          )}
        </section>
      ) : null}

      <section className="panel" aria-labelledby="accounts-title">
        <h2 id="accounts-title">Target accounts</h2>
        <AccountsTable accounts={page.accounts} removable={page.mayEdit} />
        {page.mayEdit ? (
          <>
            <h3>Add an account</h3>
            <Form method="get" className="field-row" role="search" aria-label="Find a customer">
              <div className="field">
                <label htmlFor="q">Customer name</label>
                <input id="q" name="q" type="search" defaultValue={page.query} />
              </div>
              <div className="field field--button">
                <button type="submit" className="button button--secondary">
                  Search
                </button>
              </div>
            </Form>
            {errorsFor('addAccount').customerId ? (
              <p className="field__error" role="alert">
                {errorsFor('addAccount').customerId}
              </p>
            ) : null}
            {page.query !== '' && page.customerMatches.length === 0 ? (
              <p className="empty">No customer’s name contains “{page.query}”.</p>
            ) : null}
            {page.customerMatches.length > 0 ? (
              <ul className="customer-matches">
                {page.customerMatches.map((c) => (
                  <li key={c.customerId}>
                    <span>
                      {c.name}{' '}
                      <span className="muted">
                        ({c.country}
                        {c.domain ? `, ${c.domain}` : ''})
                      </span>
                    </span>
                    {c.alreadyTarget ? (
                      <span className="muted">Already a target</span>
                    ) : (
                      <Form method="post">
                        <CsrfField />
                        <input type="hidden" name="intent" value="addAccount" />
                        <input type="hidden" name="customerId" value={c.customerId} />
                        <button type="submit" className="button button--small">
                          Add<span className="visually-hidden"> {c.name}</span>
                        </button>
                      </Form>
                    )}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : null}
      </section>

      {page.mayEdit ? (
        <section className="panel" aria-labelledby="edit-title">
          <details open={editRefused}>
            <summary>
              <h2 id="edit-title" className="details-heading">
                Change the campaign
              </h2>
            </summary>
            <CampaignForm
              values={answer?.typed ?? page.editValues}
              errors={errorsFor('update')}
              intent="update"
              submitLabel="Save the changes"
              busy={busy}
            />
          </details>
        </section>
      ) : null}
    </>
  );
}

function FigureLine({ name, cells }: { name: string; cells: ReturnType<typeof figureCells> }) {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td className="numeric">{cells.leads}</td>
      <td className="numeric">{cells.offered}</td>
      <td className="numeric">{cells.accepted}</td>
      <td className="numeric nowrap">{cells.median}</td>
      <td className="numeric nowrap">{cells.pipeline}</td>
      <td className="numeric nowrap">{cells.won}</td>
      <td className="numeric">{cells.ofBudget}</td>
    </tr>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="stat">
      <p className="stat__label">{label}</p>
      <p className="stat__value">{value}</p>
      <p className="stat__hint">{hint}</p>
    </div>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}
