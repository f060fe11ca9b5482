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
import { Countdown, formatUtc, useNow } from '../components/countdown';
import { CsrfField } from '../components/csrf-field';
import { FactsList } from '../components/facts-list';
import { OfferByHandFields } from '../components/offer-by-hand-fields';
import { systemClock } from '../domain/clock';
import { TAKE_BACK_STATUSES } from '../domain/offers/take-back.server';
import { runOpportunityAction } from '../models/opportunity-actions.server';
import { DONE_ACTIONS, type ActionAnswer, type DoneAction, type Intent } from '../models/opportunity-intents';
import { getOpportunityPage, opportunityExists } from '../models/opportunity-page.server';
import { opportunityView } from '../models/opportunity-view.server';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { loopDeps } from '../utils/loop.server';
import { can, requirePermission } from '../utils/permissions.server';
import {
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';
import { useWayBack } from '../components/way-back';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `Lead #${page.opportunity.id} · Baton` : 'Lead · Baton' },
];

const NO_OPPORTUNITY = 'There is no opportunity with this number.';

// Channel managers and admins; everyone else gets a 404, as if the lead did not exist.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:opportunity:any');
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const now = systemClock.now();
  const page = await getOpportunityPage(database(), opportunityId, now);
  if (!page) throw notFound(NO_OPPORTUNITY);
  // A campaign coordinator may read the page but not act on it: no forms that would only refuse.
  const o = page.opportunity;
  const held = (TAKE_BACK_STATUSES as readonly string[]).includes(o.status) && o.acceptedPartnerId !== null;
  return {
    ...opportunityView(page, now),
    mayAct: can(user, 'update:opportunity:any'),
    takeBack:
      held && can(user, 'reassign:lead:any') && can(user, 'update:opportunity:any')
        ? { partnerId: o.acceptedPartnerId }
        : null,
  };
});

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('update:opportunity:any'));
  const opportunityId = idParam(params, 'opportunityId', NO_OPPORTUNITY);
  const db = database();
  if (!(await opportunityExists(db, opportunityId))) throw notFound(NO_OPPORTUNITY);
  const result = await runOpportunityAction(loopDeps(), {
    userId: user.id,
    opportunityId,
    fields: Object.fromEntries(formData),
  });
  if (!result.ok) return data<ActionAnswer>(result.answer, { status: result.status });
  throw redirect(`/opportunities/${opportunityId}?done=${result.intent}`);
});

const DONE_MESSAGES: Record<DoneAction, string> = {
  offer: 'The lead was offered to the partner you chose.',
  withdraw: 'The offer was withdrawn and its partner told by email; the lead has left routing.',
  reroute:
    'The offer was withdrawn and its partner told by email; the lead was routed again, as the timeline shows.',
  extend: 'The deadline was extended; the partner was told by email and in the portal.',
  takeBack:
    'The lead was taken back and routed again; its former partner was told by email and in the portal, with your reason.',
};

const STATUS_LABELS: Record<string, string> = {
  new: 'Waiting for routing',
  offered: 'Offered',
  accepted: 'Accepted',
  contacted: 'Contacted',
  proposal: 'Proposal',
  won: 'Won',
  lost: 'Lost',
  unroutable: 'Unroutable',
  withdrawn: 'Withdrawn',
};

export default function OpportunityPageView() {
  const back = useWayBack('opportunity');
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const now = useNow(page.now);
  const o = page.opportunity;
  const done = DONE_ACTIONS.find((i) => i === searchParams.get('done'));
  const errorsFor = (intent: Intent) =>
    result?.intent === intent ? result : { fieldErrors: {} as Record<string, string>, formError: null };

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to={back.to}>{back.label}</Link> › Lead #{o.id}
        </p>
        <h1>
          Lead #{o.id}: {o.need}
        </h1>
        <p>
          <span className={`badge badge--status-${o.status}`}>{STATUS_LABELS[o.status] ?? o.status}</span>{' '}
          {o.unroutableReason ? <span className="muted">({o.unroutableReason})</span> : null}
        </p>
        {done && !result ? (
          <p className="notice" role="status">
            {DONE_MESSAGES[done]}
          </p>
        ) : null}
        {result?.formError ? (
          <p className="notice notice--danger" role="alert">
            {result.formError}
          </p>
        ) : null}
      </div>

      <div className="manager-columns">
        <section className="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">The opportunity</h2>
          <FactsList
            facts={[
              { term: 'Value', value: o.value },
              { term: 'Product line', value: o.productLine },
              { term: 'Country', value: o.country },
              { term: 'Industry', value: o.industry },
              { term: 'Segment', value: o.sizeSegment.replace('_', ' ') },
              { term: 'Source', value: o.source },
              { term: 'Campaign', value: o.campaignName ?? 'None' },
              { term: 'Rounds', value: `${o.rounds} of ${page.roundLimit}` },
              { term: 'Partner', value: o.acceptedPartnerName },
              { term: 'Won for', value: o.wonValue },
              { term: 'Lost because', value: o.lostReason },
              {
                term: 'Created',
                value: <time dateTime={o.createdAt}>{formatUtc(o.createdAt)}</time>,
              },
            ]}
          />
        </section>

        <section className="panel" aria-labelledby="customer-title">
          <h2 id="customer-title">Customer</h2>
          <FactsList
            facts={[
              { term: 'Name', value: page.customer.name },
              { term: 'Domain', value: page.customer.domain ?? 'Not recorded' },
              { term: 'Country', value: page.customer.country },
              { term: 'Industry', value: page.customer.industry },
              { term: 'Segment', value: page.customer.sizeSegment.replace('_', ' ') },
              { term: 'Revenue potential', value: page.customer.revenuePotential },
            ]}
          />
        </section>
      </div>

      {page.mayAct ? (
        <section className="panel" aria-labelledby="actions-title">
          <h2 id="actions-title">Actions</h2>
          {page.pendingOffer ? (
            <p>
              Waiting for <strong>{page.pendingOffer.partnerName}</strong>, answer due{' '}
              <Countdown deadline={page.pendingOffer.expiresAt} now={now} soonWithinHours={4} />{' '}
              <span className="subtle">({formatUtc(page.pendingOffer.expiresAt)})</span>.
            </p>
          ) : null}
          <div className="action-forms">
            {page.canOfferByHand ? (
              <ActionForm intent="offer" title="Offer by hand" errors={errorsFor('offer')}>
                {page.partnerChoices.eligible.length + page.partnerChoices.skipped.length === 0 ? (
                  <p className="empty">
                    There is no active partner to offer this lead to.{' '}
                    <Link to="/partners">See the partners</Link>.
                  </p>
                ) : (
                  <>
                    <OfferByHandFields
                      choices={page.partnerChoices}
                      errors={errorsFor('offer').fieldErrors}
                      values={result?.intent === 'offer' ? result.values : undefined}
                    />
                    <button type="submit" className="button">
                      Offer the lead
                    </button>
                  </>
                )}
              </ActionForm>
            ) : null}
            {page.pendingOffer ? (
              <>
                <ActionForm intent="extend" title="Extend the deadline" errors={errorsFor('extend')}>
                  <input type="hidden" name="offerId" value={page.pendingOffer.id} />
                  <TextField
                    name="hours"
                    label="Hours to add (1–720)"
                    inputMode="numeric"
                    defaultValue="24"
                    error={errorsFor('extend').fieldErrors.hours}
                  />
                  <button type="submit" className="button">
                    Extend
                  </button>
                </ActionForm>
                <ConfirmLink
                  title="Re-route now"
                  to={`/opportunities/${o.id}/reroute`}
                  label="Re-route…"
                  text="Withdraws the offer and sends the lead to the next best partner; the next page says who that is and asks you to confirm."
                />
                <ConfirmLink
                  title="Withdraw the offer"
                  to={`/opportunities/${o.id}/withdraw`}
                  label="Withdraw…"
                  danger
                  text="Takes the offer back and stops routing this lead; the next page asks you to confirm."
                />
              </>
            ) : null}
            {page.takeBack ? (
              <ConfirmLink
                title="Take the lead back"
                to={`/opportunities/${o.id}/take-back`}
                label="Take back…"
                danger
                text={`Takes the lead from ${o.acceptedPartnerName ?? 'its partner'}, who loses access to the customer record, and routes it to the next best partner; the next page asks for your reason and confirmation.`}
              />
            ) : null}
            {!page.canOfferByHand && !page.pendingOffer && !page.takeBack ? (
              <p className="empty">Nothing to do: this lead is {STATUS_LABELS[o.status]?.toLowerCase()}.</p>
            ) : null}
          </div>
        </section>
      ) : null}

      <div className="manager-columns">
        <section className="panel" aria-labelledby="score-title">
          <h2 id="score-title">Why this partner</h2>
          {page.lastOffer ? (
            <>
              <p>
                {page.lastOffer.byHand
                  ? `Chosen by hand${page.lastOffer.offeredByName ? ` by ${page.lastOffer.offeredByName}` : ''}: `
                  : 'Chosen by routing: '}
                <strong>{page.lastOffer.partnerName}</strong>, round {page.lastOffer.round}, score{' '}
                <strong>{page.lastOffer.score}</strong> ({page.lastOffer.status}).
              </p>
              {page.lastOffer.override ? (
                <p className="notice" role="note">
                  {page.lastOffer.override}
                </p>
              ) : null}
              <ul className="reasons">
                {page.lastOffer.reasons.map((reason) => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </>
          ) : (
            <p className="empty">No offer has been made yet.</p>
          )}
        </section>

        <section className="panel" aria-labelledby="runners-up-title">
          <h2 id="runners-up-title">Runners-up</h2>
          <p className="muted">
            Who routing would offer this lead to next, in order, by the same rules and ranking it routes with.
          </p>
          {page.relationshipNotes.map((note) => (
            <p key={note} className="notice" role="note">
              {note}
            </p>
          ))}
          {page.joinedPartnersFirst ? (
            <p className="notice" role="note">
              This lead&apos;s campaign offers its leads to the partners that joined it before anyone else.
            </p>
          ) : null}
          {page.roundsLeft === 0 ? (
            <p className="empty">
              The lead has used all {page.roundLimit} rounds routing allows, so routing offers it to no one
              else.
            </p>
          ) : page.runnersUp.length === 0 ? (
            <p className="empty">No other partner is eligible, so routing offers this lead to no one else.</p>
          ) : (
            <ol className="runners-up">
              {page.runnersUp.map((runner) => (
                <li key={runner.partnerId}>
                  <strong>{runner.name}</strong> <span className="muted">({runner.tier})</span> — score{' '}
                  <strong>{runner.score}</strong>
                  <details>
                    <summary>Breakdown</summary>
                    <ul className="reasons">
                      {runner.reasons.map((reason) => (
                        <li key={reason}>{reason}</li>
                      ))}
                    </ul>
                  </details>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <section className="panel" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol className="timeline">
          {page.timeline.map((event) => (
            <li key={event.id} className={`timeline__item timeline__item--${event.kind}`}>
              <time dateTime={event.at}>{formatUtc(event.at)}</time>
              <span className="timeline__what">{event.what}</span>
              {event.who ? <span className="subtle">By {event.who}.</span> : null}
            </li>
          ))}
        </ol>
      </section>

      {page.offers.length > 0 ? (
        <section className="panel" aria-labelledby="offers-title">
          <h2 id="offers-title">Offers</h2>
          <div className="table-scroll" role="region" aria-label="Offers of this lead" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Offers of this lead, latest round first</caption>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    Round
                  </th>
                  <th scope="col">Partner</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="numeric">
                    Score
                  </th>
                  <th scope="col">Offered</th>
                  <th scope="col">Deadline</th>
                </tr>
              </thead>
              <tbody>
                {page.offers.map((offer) => (
                  <tr key={offer.id}>
                    <td className="numeric">{offer.round}</td>
                    <td>
                      {offer.partnerName}
                      {offer.byHand ? <span className="subtle"> (by hand)</span> : null}
                    </td>
                    <td>{offer.status}</td>
                    <td className="numeric">{offer.score}</td>
                    <td className="nowrap">{formatUtc(offer.offeredAt)}</td>
                    <td className="nowrap">{formatUtc(offer.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}

/** An action that takes something from a partner: a link to its own confirmation page. */
function ConfirmLink({
  title,
  to,
  label,
  text,
  danger = false,
}: {
  title: string;
  to: string;
  label: string;
  text: string;
  danger?: boolean;
}) {
  return (
    <div className="form action-form">
      <h3>{title}</h3>
      <p className="muted">{text}</p>
      <Link to={to} className={danger ? 'button button--danger' : 'button'}>
        {label}
      </Link>
    </div>
  );
}

function ActionForm({
  intent,
  title,
  errors,
  children,
}: {
  intent: Intent;
  title: string;
  errors: { formError: string | null; fieldErrors: Record<string, string> };
  children: ReactNode;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formData?.get('intent') === intent;
  return (
    <Form method="post" className="form action-form" aria-label={title} noValidate>
      <h3>{title}</h3>
      <CsrfField />
      <input type="hidden" name="intent" value={intent} />
      <fieldset disabled={busy}>{children}</fieldset>
      {errors.fieldErrors.offerId ? <p className="field__error">{errors.fieldErrors.offerId}</p> : null}
    </Form>
  );
}

function TextField({
  name,
  label,
  error,
  defaultValue,
  inputMode,
}: {
  name: string;
  label: string;
  error?: string;
  defaultValue?: string;
  inputMode?: 'numeric' | 'decimal' | 'text';
}) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        defaultValue={defaultValue}
        inputMode={inputMode}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
