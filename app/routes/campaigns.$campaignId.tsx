import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { PartnerView, StaffView } from '../components/campaign-page-views';
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
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import {
  formFor,
  idParam,
  notFound,
  peekField,
  routeAction,
  routeLoader,
  searchParamsOf,
} from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: campaignsStylesUrl },
];
export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `${page.campaign.name} · Campaigns · Baton` : 'Campaign · Baton' },
];

const NO_CAMPAIGN = 'There is no campaign at this address.';

/** Another company's campaign is logged and answered exactly like a missing one. */
async function refuseCampaign(user: SessionUser, campaignId: number): Promise<never> {
  if (await campaignExists(database(), campaignId)) notFoundForForeign(user, 'campaign', campaignId);
  throw notFound(NO_CAMPAIGN);
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
  if (!row) throw notFound(NO_CAMPAIGN);
  const { campaign } = row;
  const mayEdit = can(user, 'update:campaign:any');
  const mayInvite = can(user, 'invite:campaign:any');
  const query = (searchParamsOf(request).get('q') ?? '').trim().slice(0, 100);
  const [figures, invited, suggestions, accounts, customerMatches] = await Promise.all([
    campaignFigures(db, campaignId),
    invitedPartners(db, campaignId),
    mayInvite && campaign.status !== 'completed' ? suggestPartners(db, campaignId) : Promise.resolve([]),
    targetAccounts(db, campaignId),
    mayEdit ? searchCustomersToTarget(db, campaignId, query) : Promise.resolve([]),
  ]);
  if (!figures) throw notFound(NO_CAMPAIGN);
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
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:campaign:own');
  const campaignId = idParam(params, 'campaignId', NO_CAMPAIGN);
  const scope = partnerScope(user);
  return scope ? partnerPage(user, scope.partnerId, campaignId) : staffPage(user, campaignId, request);
});

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  // Each action needs its own permission; a form without a known action is the coordinator's.
  const { visitor: user, form } = await formFor(request, async (request) =>
    requirePermission(request, INTENT_PERMISSIONS[intentOf(await peekField(request, 'intent')) ?? 'update']),
  );
  const intent = intentOf(form.get('intent'));
  const campaignId = idParam(params, 'campaignId', NO_CAMPAIGN);
  if (intent === null) {
    return data<CampaignActionAnswer>(
      { intent: null, fieldErrors: {}, formError: 'Unknown action; reload the page and try again.' },
      { status: 400 },
    );
  }
  const scope = partnerScope(user);
  const db = database();
  // Staff act on any campaign, partners only on their own invitation (scoped in the domain).
  if (!scope && !(await campaignExists(db, campaignId))) throw notFound(NO_CAMPAIGN);
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
});

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
