import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect, useRef, type ReactNode } from 'react';
import { Countdown, formatUtc, useNow } from '../components/countdown';
import { QueueFilters } from '../components/queue-filters';
import { formatMoney } from '../components/money';
import { declineReasonLabel, unroutableReasonLabel } from '../domain/offers/reason-labels';
import { systemClock } from '../domain/clock';
import {
  EXPIRING_SOON_HOURS,
  getRoutingQueue,
  QUEUE_PAGE_SIZE,
  queueQuerySchema,
  RECENT_ENDINGS_DAYS,
  type QueueQuery,
  type QueueStatus,
} from '../models/routing-queue.server';
import { getQueueFilterOptions, resolvePartner } from '../models/queue-filter-options.server';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Routing queue · Baton' }];

const REVALIDATE_EVERY_MS = 15_000;

// The page's own copy of the statuses: the component may not import the .server module.
const statusLabels = (expiringSoonHours: number): Record<QueueStatus, string> => ({
  pending: 'Pending offers',
  expiring: `Expiring within ${expiringSoonHours} h`,
  unroutable: 'Unroutable',
  ended: 'Recently declined or expired',
});

/** The filter fields, as the form names them; `after` is the page cursor. */
const FILTER_FIELDS = ['status', 'country', 'partner', 'productLine', 'campaign', 'q'] as const;
type FilterField = (typeof FILTER_FIELDS)[number];
type FieldErrors = Partial<Record<FilterField | 'after', string>>;

/** The query string of the same filters, on another page of one list. */
function pageHref(values: Record<FilterField, string>, status: QueueStatus, after: string) {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    if (field !== 'status' && values[field]) params.set(field, values[field]);
  }
  params.set('status', status);
  params.set('after', after);
  return `/queue?${params.toString()}`;
}

// Channel managers and admins only; anonymous visitors are sent to sign in, anyone else gets a 404.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  await requirePermission(request, 'read:routing-queue:any');
  const now = systemClock.now();
  const db = database();
  const searchParams = searchParamsOf(request);
  const raw = Object.fromEntries(
    [...FILTER_FIELDS, 'after'].map((field) => [field, searchParams.get(field) ?? '']),
  ) as Record<FilterField | 'after', string>;
  const values = Object.fromEntries(
    FILTER_FIELDS.map((field) => [field, raw[field].slice(0, 200)]),
  ) as Record<FilterField, string>;

  const fieldErrors: FieldErrors = {};
  const parsed = queueQuerySchema.safeParse(raw);
  let query: QueueQuery | null = null;
  // The partner the filter names, shown beside the field so the manager sees whom it matched.
  let partner: { id: number; name: string } | null = null;
  const options = await getQueueFilterOptions(db);
  if (parsed.success) {
    query = parsed.data;
    const typed = query.partner !== undefined ? String(query.partner) : query.partnerName;
    if (typed !== undefined) {
      const choice = await resolvePartner(db, typed);
      if (choice.ok) {
        partner = choice.partner;
        query = { ...query, partner: choice.partner.id, partnerName: undefined };
      } else {
        fieldErrors.partner = choice.message;
      }
    }
    if (query.campaign !== undefined && !options.campaigns.some((c) => c.id === query?.campaign)) {
      fieldErrors.campaign = 'Choose a campaign from the list.';
    }
  } else {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'status') as FilterField | 'after';
      fieldErrors[field] ??= issue.message;
    }
  }
  const valid = query !== null && Object.keys(fieldErrors).length === 0;
  // With a bad filter the lists stay empty rather than showing rows the manager did not ask for.
  const lists = await getRoutingQueue(db, now, valid ? query : null);

  const answer = {
    now: now.toISOString(),
    expiringSoonHours: EXPIRING_SOON_HOURS,
    recentEndingsDays: RECENT_ENDINGS_DAYS,
    pageSize: QUEUE_PAGE_SIZE,
    values,
    fieldErrors,
    status: valid && query ? (query.status ?? null) : null,
    paged: valid && query?.cursor !== undefined,
    options,
    partner,
    counts: lists.counts,
    pendingOffers: lists.pendingOffers && {
      next: lists.pendingOffers.next,
      rows: lists.pendingOffers.rows.map((offer) => ({
        offerId: offer.offerId,
        opportunityId: offer.opportunityId,
        need: offer.need,
        productLine: offer.productLine,
        country: offer.country,
        valueMinor: offer.valueMinor,
        currency: offer.currency,
        value: formatMoney(offer.valueMinor, offer.currency),
        partnerName: offer.partnerName,
        round: offer.round,
        offeredAt: offer.offeredAt.toISOString(),
        expiresAt: offer.expiresAt.toISOString(),
      })),
    },
    unroutable: lists.unroutable && {
      next: lists.unroutable.next,
      rows: lists.unroutable.rows.map((lead) => ({
        opportunityId: lead.opportunityId,
        need: lead.need,
        productLine: lead.productLine,
        country: lead.country,
        value: formatMoney(lead.valueMinor, lead.currency),
        rounds: lead.rounds,
        unroutableReason: lead.unroutableReason,
        reason: unroutableReasonLabel(lead.unroutableReason),
        since: lead.since.toISOString(),
      })),
    },
    recentEndings: lists.recentEndings && {
      next: lists.recentEndings.next,
      rows: lists.recentEndings.rows.map((ending) => ({
        eventId: ending.eventId,
        offerId: ending.offerId,
        opportunityId: ending.opportunityId,
        outcome: ending.outcome,
        at: ending.at.toISOString(),
        round: ending.round,
        partnerName: ending.partnerName,
        need: ending.need,
        productLine: ending.productLine,
        declineReason: ending.declineReason,
        reason:
          ending.outcome === 'declined' ? declineReasonLabel(ending.declineReason) : 'No answer in time',
      })),
    },
  };
  return data(answer, { status: valid ? 200 : 400 });
});

/** Reloads the loader's data every `everyMs` while the tab is visible, and on returning to it. */
function useRevalidateEvery(everyMs: number) {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  useEffect(() => {
    latest.current = revalidator;
  });
  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState === 'visible' && latest.current.state === 'idle') {
        latest.current.revalidate();
      }
    };
    const timer = setInterval(refresh, everyMs);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, [everyMs]);
}

export default function RoutingQueue() {
  const data = useLoaderData<typeof loader>();
  const now = useNow(data.now);
  useRevalidateEvery(REVALIDATE_EVERY_MS);
  const { counts, values, fieldErrors } = data;
  const STATUS_LABELS = statusLabels(data.expiringSoonHours);
  const firstPage = data.paged ? (
    <p>
      <Link
        to={`/queue?${new URLSearchParams(
          Object.entries(values).filter(([, value]) => value !== ''),
        ).toString()}`}
      >
        Back to the first page
      </Link>
    </p>
  ) : null;

  return (
    <>
      <div className="page-heading">
        <h1>Routing queue</h1>
        <p className="muted">
          Live: deadlines count down every second and the lists refresh every {REVALIDATE_EVERY_MS / 1000}{' '}
          seconds. Last refreshed <time dateTime={data.now}>{formatUtc(data.now)}</time>.
        </p>
      </div>

      <section aria-labelledby="summary-title">
        <h2 id="summary-title" className="visually-hidden">
          Summary
        </h2>
        <dl className="stats">
          <Stat label="Pending offers" value={counts.pending} hint="waiting for a partner's answer" />
          <Stat
            label={`Expiring within ${data.expiringSoonHours} h`}
            value={counts.expiringSoon}
            hint="pending offers close to their deadline"
            tone={counts.expiringSoon > 0 ? 'warning' : undefined}
          />
          <Stat
            label="Unroutable"
            value={counts.unroutable}
            hint="no partner left: needs a channel manager"
            tone={counts.unroutable > 0 ? 'danger' : undefined}
          />
          <Stat label="Accepted" value={counts.accepted} hint="taken by a partner, not yet worked" />
        </dl>
      </section>

      <QueueFilters
        values={values}
        fieldErrors={fieldErrors}
        statusLabels={STATUS_LABELS}
        options={data.options}
        partner={data.partner}
      />

      {data.pendingOffers ? (
        <section className="panel" aria-labelledby="pending-title">
          <h2 id="pending-title">
            {data.status === 'expiring' ? STATUS_LABELS.expiring : STATUS_LABELS.pending}
          </h2>
          <p className="muted">Nearest deadline first, {data.pageSize} to a page.</p>
          {firstPage}
          {data.pendingOffers.rows.length === 0 ? (
            <p className="empty">No offer waiting for an answer matches.</p>
          ) : (
            <Table label="Pending offers, nearest deadline first">
              <thead>
                <tr>
                  <th scope="col">Deadline</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Need</th>
                  <th scope="col">Product line</th>
                  <th scope="col">Country</th>
                  <th scope="col" className="numeric">
                    Value
                  </th>
                  <th scope="col">Partner</th>
                  <th scope="col" className="numeric">
                    Round
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.pendingOffers.rows.map((offer) => (
                  <tr key={offer.offerId}>
                    <td className="nowrap">
                      <Countdown
                        deadline={offer.expiresAt}
                        now={now}
                        soonWithinHours={data.expiringSoonHours}
                      />
                      <span className="subtle">{formatUtc(offer.expiresAt)}</span>
                    </td>
                    <td className="nowrap">
                      <Link to={`/opportunities/${offer.opportunityId}`}>#{offer.opportunityId}</Link>
                    </td>
                    <td className="need">{offer.need}</td>
                    <td>{offer.productLine}</td>
                    <td>{offer.country}</td>
                    <td className="numeric nowrap">{offer.value}</td>
                    <td>{offer.partnerName}</td>
                    <td className="numeric">{offer.round}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <NextLink
            next={data.pendingOffers.next}
            href={(after) => pageHref(values, data.status === 'expiring' ? 'expiring' : 'pending', after)}
          />
        </section>
      ) : null}

      {data.unroutable ? (
        <section className="panel" aria-labelledby="unroutable-title">
          <h2 id="unroutable-title">Unroutable leads</h2>
          <p className="muted">
            No eligible partner was left, or the round limit was reached. Newest first, {data.pageSize} to a
            page.
          </p>
          {firstPage}
          {data.unroutable.rows.length === 0 ? (
            <p className="empty">No unroutable lead matches.</p>
          ) : (
            <Table label="Unroutable leads, newest first">
              <thead>
                <tr>
                  <th scope="col">Lead</th>
                  <th scope="col">Need</th>
                  <th scope="col">Product line</th>
                  <th scope="col">Country</th>
                  <th scope="col" className="numeric">
                    Value
                  </th>
                  <th scope="col" className="numeric">
                    Rounds
                  </th>
                  <th scope="col">Reason</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {data.unroutable.rows.map((lead) => (
                  <tr key={lead.opportunityId}>
                    <td className="nowrap">
                      <Link to={`/opportunities/${lead.opportunityId}`}>#{lead.opportunityId}</Link>
                    </td>
                    <td className="need">{lead.need}</td>
                    <td>{lead.productLine}</td>
                    <td>{lead.country}</td>
                    <td className="numeric nowrap">{lead.value}</td>
                    <td className="numeric">{lead.rounds}</td>
                    <td>
                      <span className="badge badge--danger">{lead.reason}</span>
                    </td>
                    <td className="nowrap">
                      <time dateTime={lead.since}>{formatUtc(lead.since)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <NextLink next={data.unroutable.next} href={(after) => pageHref(values, 'unroutable', after)} />
        </section>
      ) : null}

      {data.recentEndings ? (
        <section className="panel" aria-labelledby="endings-title">
          <h2 id="endings-title">Recent declines and expiries</h2>
          <p className="muted">
            Offers that ended without an acceptance in the last {data.recentEndingsDays} days, latest first;
            each lead moved on at once.
          </p>
          {firstPage}
          {data.recentEndings.rows.length === 0 ? (
            <p className="empty">No recent decline or expiry matches.</p>
          ) : (
            <Table label="Recent declines and expiries, latest first">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Need</th>
                  <th scope="col" className="numeric">
                    Round
                  </th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {data.recentEndings.rows.map((ending) => (
                  <tr key={ending.eventId}>
                    <td className="nowrap">
                      <time dateTime={ending.at}>{formatUtc(ending.at)}</time>
                    </td>
                    <td>
                      <span className={`badge badge--${ending.outcome}`}>
                        {ending.outcome === 'declined' ? 'Declined' : 'Expired'}
                      </span>
                    </td>
                    <td>{ending.partnerName}</td>
                    <td className="nowrap">
                      <Link to={`/opportunities/${ending.opportunityId}`}>#{ending.opportunityId}</Link>
                    </td>
                    <td className="need">{ending.need}</td>
                    <td className="numeric">{ending.round}</td>
                    <td>{ending.reason}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          )}
          <NextLink next={data.recentEndings.next} href={(after) => pageHref(values, 'ended', after)} />
        </section>
      ) : null}
    </>
  );
}

function NextLink({ next, href }: { next: string | null; href: (after: string) => string }) {
  return next ? (
    <p>
      <Link to={href(next)} rel="next">
        Next page →
      </Link>
    </p>
  ) : null;
}

function Stat({
  label,
  value,
  hint,
  tone,
}: {
  label: string;
  value: number;
  hint: string;
  tone?: 'warning' | 'danger';
}) {
  return (
    <div className={tone ? `stat stat--${tone}` : 'stat'}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{value.toLocaleString('en-GB')}</dd>
      <dd className="stat__hint">{hint}</dd>
    </div>
  );
}

/** A table that scrolls sideways on narrow screens; the scroll area is focusable for keyboards. */
function Table({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      <table className="table">
        <caption className="visually-hidden">{label}</caption>
        {children}
      </table>
    </div>
  );
}
