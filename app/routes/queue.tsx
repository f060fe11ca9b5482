import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect, useRef, type ReactNode } from 'react';
import { Countdown, formatUtc, useNow } from '../components/countdown';
import { formatMoney } from '../components/money';
import { declineReasonLabel, unroutableReasonLabel } from '../components/reason-labels';
import { systemClock } from '../domain/clock';
import { EXPIRING_SOON_HOURS, getRoutingQueue } from '../models/routing-queue.server';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';

export const meta: MetaFunction = () => [{ title: 'Routing queue · Baton' }];

const REVALIDATE_EVERY_MS = 15_000;

// Channel managers and admins only; anonymous visitors are sent to sign in, anyone else gets a 404.
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:routing-queue:any');
  const now = systemClock.now();
  const queue = await getRoutingQueue(database(), now);
  return {
    now: now.toISOString(),
    expiringSoonHours: EXPIRING_SOON_HOURS,
    counts: queue.counts,
    pendingOffers: queue.pendingOffers.map((offer) => ({
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
    unroutable: queue.unroutable.map((lead) => ({
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
    recentEndings: queue.recentEndings.map((ending) => ({
      offerId: ending.offerId,
      opportunityId: ending.opportunityId,
      outcome: ending.outcome,
      at: ending.at.toISOString(),
      round: ending.round,
      partnerName: ending.partnerName,
      need: ending.need,
      productLine: ending.productLine,
      declineReason: ending.declineReason,
      reason: ending.outcome === 'declined' ? declineReasonLabel(ending.declineReason) : 'No answer in time',
    })),
  };
}

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
  const { counts } = data;

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

      <section className="panel" aria-labelledby="pending-title">
        <h2 id="pending-title">Pending offers</h2>
        <p className="muted">
          Nearest deadline first.{' '}
          {counts.pending > data.pendingOffers.length
            ? `Showing the ${data.pendingOffers.length} nearest of ${counts.pending}.`
            : null}
        </p>
        {data.pendingOffers.length === 0 ? (
          <p className="empty">No offer is waiting for an answer.</p>
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
              {data.pendingOffers.map((offer) => (
                <tr key={offer.offerId}>
                  <td className="nowrap">
                    <Countdown
                      deadline={offer.expiresAt}
                      now={now}
                      soonWithinHours={data.expiringSoonHours}
                    />
                    <span className="subtle">{formatUtc(offer.expiresAt)}</span>
                  </td>
                  <td className="nowrap">#{offer.opportunityId}</td>
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
      </section>

      <section className="panel" aria-labelledby="unroutable-title">
        <h2 id="unroutable-title">Unroutable leads</h2>
        <p className="muted">
          No eligible partner was left, or the round limit was reached. Newest first.{' '}
          {counts.unroutable > data.unroutable.length
            ? `Showing the latest ${data.unroutable.length} of ${counts.unroutable}.`
            : null}
        </p>
        {data.unroutable.length === 0 ? (
          <p className="empty">Every lead has found a partner or is on its way to one.</p>
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
              {data.unroutable.map((lead) => (
                <tr key={lead.opportunityId}>
                  <td className="nowrap">#{lead.opportunityId}</td>
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
      </section>

      <section className="panel" aria-labelledby="endings-title">
        <h2 id="endings-title">Recent declines and expiries</h2>
        <p className="muted">
          The latest offers that ended without an acceptance; each lead moved on at once.
        </p>
        {data.recentEndings.length === 0 ? (
          <p className="empty">No offer has been declined or has expired yet.</p>
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
              {data.recentEndings.map((ending) => (
                <tr key={ending.offerId}>
                  <td className="nowrap">
                    <time dateTime={ending.at}>{formatUtc(ending.at)}</time>
                  </td>
                  <td>
                    <span className={`badge badge--${ending.outcome}`}>
                      {ending.outcome === 'declined' ? 'Declined' : 'Expired'}
                    </span>
                  </td>
                  <td>{ending.partnerName}</td>
                  <td className="nowrap">#{ending.opportunityId}</td>
                  <td className="need">{ending.need}</td>
                  <td className="numeric">{ending.round}</td>
                  <td>{ending.reason}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </section>
    </>
  );
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
