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
import { z } from 'zod';
import { Countdown, formatUtc, useNow } from '../components/countdown';
import { CsrfField } from '../components/csrf-field';
import { formatMoney } from '../components/money';
import { declineReasonLabel, unroutableReasonLabel } from '../domain/offers/reason-labels';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { extendAndSchedule, offerByHandAndSchedule, withdraw } from '../domain/routing/loop.server';
import {
  getOpportunityPage,
  opportunityExists,
  pendingOfferIdOf,
  type OpportunityPage,
} from '../models/opportunity-page.server';
import managerStylesUrl from '../styles/manager.css?url';
import { requireCsrf } from '../utils/csrf.server';
import { database } from '../utils/db.server';
import { loopDeps } from '../utils/loop.server';
import { can, requirePermission } from '../utils/permissions.server';
import type { DECLINE_REASONS } from '../../db/schema';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `Lead #${page.opportunity.id} · Baton` : 'Lead · Baton' },
];

const notFound = () =>
  new Response('There is no opportunity with this number.', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });

/** A positive whole number from the URL, or a 404: `/opportunities/abc` is simply not there. */
function opportunityIdOf(param: string | undefined): number {
  const id = /^[1-9]\d{0,9}$/.test(param ?? '') ? Number(param) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw notFound();
  return id;
}

// Channel managers and admins; everyone else gets a 404, as if the lead did not exist.
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:opportunity:any');
  const opportunityId = opportunityIdOf(params.opportunityId);
  const now = systemClock.now();
  const page = await getOpportunityPage(database(), opportunityId, now);
  if (!page) throw notFound();
  // A campaign coordinator may read the page but not act on it: no forms that would only refuse.
  return { ...toView(page, now), mayAct: can(user, 'update:opportunity:any') };
}

function toView(page: OpportunityPage, now: Date) {
  const o = page.opportunity;
  return {
    now: now.toISOString(),
    opportunity: {
      id: o.id,
      need: o.need,
      productLine: o.productLine,
      value: formatMoney(o.valueMinor, o.currency),
      country: o.country,
      industry: o.industry,
      sizeSegment: o.sizeSegment,
      source: o.source,
      status: o.status,
      rounds: o.rounds,
      unroutableReason: o.unroutableReason ? unroutableReasonLabel(o.unroutableReason) : null,
      createdAt: o.createdAt.toISOString(),
      campaignName: page.campaignName,
      acceptedPartnerName: page.acceptedPartnerName,
    },
    roundLimit: page.roundLimit,
    customer: {
      name: page.customer.name,
      domain: page.customer.domain,
      country: page.customer.country,
      industry: page.customer.industry,
      sizeSegment: page.customer.sizeSegment,
      revenuePotential: page.customer.revenuePotential,
    },
    timeline: page.timeline.map((event) => ({
      id: event.id,
      at: event.at.toISOString(),
      kind: event.kind,
      who: event.actorName ?? (event.kind === 'declined' || event.kind === 'accepted' ? null : 'Baton'),
      what: describeEvent(event),
    })),
    offers: page.offers.map((offer) => ({
      id: offer.id,
      round: offer.round,
      status: offer.status,
      partnerName: offer.partnerName,
      score: offer.score,
      byHand: offer.byHand !== null,
      offeredAt: offer.offeredAt.toISOString(),
      expiresAt: offer.expiresAt.toISOString(),
      respondedAt: offer.respondedAt?.toISOString() ?? null,
    })),
    lastOffer: page.lastOffer && {
      id: page.lastOffer.id,
      partnerName: page.lastOffer.partnerName,
      status: page.lastOffer.status,
      round: page.lastOffer.round,
      score: page.lastOffer.score,
      byHand: page.lastOffer.byHand !== null,
      reasons: page.lastOffer.reasons,
    },
    pendingOffer: page.pendingOffer && {
      id: page.pendingOffer.id,
      partnerName: page.pendingOffer.partnerName,
      expiresAt: page.pendingOffer.expiresAt.toISOString(),
    },
    runnersUp: page.runnersUp,
    canOfferByHand: page.canOfferByHand,
    partnerChoices: page.partnerChoices,
  };
}

type TimelineEvent = OpportunityPage['timeline'][number];

/** One line of the timeline, in words. */
export function describeEvent(event: TimelineEvent): string {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const partner = event.partnerName ?? 'a partner';
  switch (event.kind) {
    case 'created':
      return `Lead created (source: ${String(detail.source ?? 'form')}).`;
    case 'offered': {
      const round = typeof detail.round === 'number' ? ` in round ${detail.round}` : '';
      const score = typeof detail.score === 'number' ? `, score ${detail.score}` : '';
      const deadline =
        typeof detail.expiresAt === 'string' ? `; answer due ${formatUtc(detail.expiresAt)}` : '';
      return `${detail.byHand ? 'Offered by hand' : 'Offered'} to ${partner}${round}${score}${deadline}.`;
    }
    case 'accepted':
      return `${partner} accepted the lead.`;
    case 'declined': {
      const reason = declineReasonLabel((detail.reason ?? null) as (typeof DECLINE_REASONS)[number] | null);
      const note = typeof detail.note === 'string' && detail.note ? ` (“${detail.note}”)` : '';
      return `${partner} declined: ${reason}${note}.`;
    }
    case 'expired':
      return `The offer to ${partner} expired without an answer.`;
    case 'withdrawn':
      return detail.reroute
        ? `The offer to ${partner} was withdrawn to route the lead again.`
        : `The offer to ${partner} was withdrawn; the lead left routing.`;
    case 'unroutable':
      return `Marked unroutable: ${unroutableReasonLabel(typeof detail.reason === 'string' ? detail.reason : null)}.`;
    case 'deadline_extended':
      return typeof detail.to === 'string'
        ? `The deadline of ${partner}’s offer was moved to ${formatUtc(detail.to)}.`
        : `The deadline of ${partner}’s offer was extended.`;
    case 'status_changed':
      return typeof detail.to === 'string'
        ? `${partner} moved the lead to “${detail.to}”.`
        : `${partner} updated the lead.`;
  }
}

const offerId = z.coerce
  .number({ error: 'This form has no offer; reload the page.' })
  .int('This form has no offer; reload the page.')
  .positive('This form has no offer; reload the page.');

const actionSchema = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('offer'),
    partnerId: z.coerce
      .number({ error: 'Choose a partner.' })
      .int('Choose a partner.')
      .positive('Choose a partner.'),
  }),
  z.object({ intent: z.literal('withdraw'), offerId }),
  z.object({ intent: z.literal('reroute'), offerId }),
  z.object({
    intent: z.literal('extend'),
    offerId,
    hours: z.coerce
      .number({ error: 'Enter a number of hours from 1 to 720.' })
      .int('Enter a whole number of hours from 1 to 720.')
      .min(1, 'Extend by at least 1 hour.')
      .max(720, 'Extend by at most 720 hours (30 days).'),
  }),
]);

type Intent = z.infer<typeof actionSchema>['intent'];
type ActionAnswer = { intent: Intent | null; fieldErrors: Record<string, string>; formError: string | null };
const INTENTS: readonly Intent[] = ['offer', 'withdraw', 'reroute', 'extend'];

const answer = (status: number, body: ActionAnswer) => data<ActionAnswer>(body, { status });

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:opportunity:any');
  const opportunityId = opportunityIdOf(params.opportunityId);
  const formData = await request.formData();
  await requireCsrf(request, formData);
  const db = database();
  if (!(await opportunityExists(db, opportunityId))) throw notFound();

  const rawIntent = formData.get('intent');
  const intent = INTENTS.find((i) => i === rawIntent) ?? null;
  const parsed = actionSchema.safeParse(Object.fromEntries(formData));
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form');
      fieldErrors[field] ??= issue.message;
    }
    const formError = intent === null ? 'Unknown action; reload the page and try again.' : null;
    return answer(400, { intent, fieldErrors, formError });
  }
  const input = parsed.data;

  if (input.intent !== 'offer') {
    // The page may be stale: act only on the offer that is pending now.
    const pending = await pendingOfferIdOf(db, opportunityId);
    if (pending !== input.offerId) {
      return answer(409, {
        intent: input.intent,
        fieldErrors: {},
        formError:
          pending === null
            ? 'This lead has no pending offer any more; the page has been refreshed.'
            : 'The pending offer changed meanwhile; the page has been refreshed.',
      });
    }
  }

  const deps = loopDeps();
  try {
    switch (input.intent) {
      case 'offer':
        await offerByHandAndSchedule(deps, { opportunityId, partnerId: input.partnerId, userId: user.id });
        break;
      case 'withdraw':
      case 'reroute':
        await withdraw(deps, {
          offerId: input.offerId,
          userId: user.id,
          reroute: input.intent === 'reroute',
        });
        break;
      case 'extend':
        await extendAndSchedule(deps, { offerId: input.offerId, hours: input.hours, userId: user.id });
        break;
    }
  } catch (error) {
    if (!isDomainError(error)) throw error;
    if (error.code === 'not_found' && input.intent === 'offer') {
      return answer(400, {
        intent: input.intent,
        fieldErrors: { partnerId: 'There is no such partner; choose one from the list.' },
        formError: null,
      });
    }
    const status =
      error.code === 'invalid_input' || error.field ? 400 : error.code === 'not_found' ? 404 : 409;
    return answer(status, {
      intent: input.intent,
      fieldErrors: error.field ? { [error.field]: error.message } : {},
      formError: error.field ? null : error.message,
    });
  }
  throw redirect(`/opportunities/${opportunityId}?done=${input.intent}`);
}

const DONE_MESSAGES: Record<Intent, string> = {
  offer: 'The lead was offered to the partner you chose.',
  withdraw: 'The offer was withdrawn; the lead has left routing.',
  reroute: 'The offer was withdrawn and the lead routed again.',
  extend: 'The deadline was extended.',
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
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const now = useNow(page.now);
  const o = page.opportunity;
  const done = INTENTS.find((i) => i === searchParams.get('done'));
  const errorsFor = (intent: Intent) =>
    result?.intent === intent ? result : { fieldErrors: {} as Record<string, string>, formError: null };

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/queue">Routing queue</Link> › Lead #{o.id}
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
          <dl className="facts">
            <Fact term="Value">{o.value}</Fact>
            <Fact term="Product line">{o.productLine}</Fact>
            <Fact term="Country">{o.country}</Fact>
            <Fact term="Industry">{o.industry}</Fact>
            <Fact term="Segment">{o.sizeSegment.replace('_', ' ')}</Fact>
            <Fact term="Source">{o.source}</Fact>
            <Fact term="Campaign">{o.campaignName ?? 'None'}</Fact>
            <Fact term="Rounds">
              {o.rounds} of {page.roundLimit}
            </Fact>
            {o.acceptedPartnerName ? <Fact term="Partner">{o.acceptedPartnerName}</Fact> : null}
            <Fact term="Created">
              <time dateTime={o.createdAt}>{formatUtc(o.createdAt)}</time>
            </Fact>
          </dl>
        </section>

        <section className="panel" aria-labelledby="customer-title">
          <h2 id="customer-title">Customer</h2>
          <dl className="facts">
            <Fact term="Name">{page.customer.name}</Fact>
            <Fact term="Domain">{page.customer.domain ?? 'Not recorded'}</Fact>
            <Fact term="Country">{page.customer.country}</Fact>
            <Fact term="Industry">{page.customer.industry}</Fact>
            <Fact term="Segment">{page.customer.sizeSegment.replace('_', ' ')}</Fact>
            <Fact term="Revenue potential">{page.customer.revenuePotential}</Fact>
          </dl>
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
              <ActionForm intent="offer" title="Offer to a partner" errors={errorsFor('offer')}>
                {page.partnerChoices.length === 0 ? (
                  <p className="empty">No active partner covers this country and product line.</p>
                ) : (
                  <SelectField
                    name="partnerId"
                    label="Partner"
                    error={errorsFor('offer').fieldErrors.partnerId}
                    options={page.partnerChoices.map((p) => ({
                      value: String(p.partnerId),
                      label: p.score === null ? `${p.name} (full or paused)` : `${p.name} (score ${p.score})`,
                    }))}
                  />
                )}
                <button type="submit" className="button" disabled={page.partnerChoices.length === 0}>
                  Offer the lead
                </button>
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
                <ActionForm intent="reroute" title="Re-route now" errors={errorsFor('reroute')}>
                  <input type="hidden" name="offerId" value={page.pendingOffer.id} />
                  <p className="muted">Withdraws the offer and sends the lead to the next best partner.</p>
                  <button type="submit" className="button">
                    Re-route now
                  </button>
                </ActionForm>
                <ActionForm intent="withdraw" title="Withdraw the offer" errors={errorsFor('withdraw')}>
                  <input type="hidden" name="offerId" value={page.pendingOffer.id} />
                  <p className="muted">Takes the offer back and stops routing this lead.</p>
                  <button type="submit" className="button button--danger">
                    Withdraw
                  </button>
                </ActionForm>
              </>
            ) : null}
            {!page.canOfferByHand && !page.pendingOffer ? (
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
                {page.lastOffer.byHand ? 'Chosen by hand: ' : 'Chosen by routing: '}
                <strong>{page.lastOffer.partnerName}</strong>, round {page.lastOffer.round}, score{' '}
                <strong>{page.lastOffer.score}</strong> ({page.lastOffer.status}).
              </p>
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
            The best eligible partners who have not had this lead, as routing ranks them now.
          </p>
          {page.runnersUp.length === 0 ? (
            <p className="empty">No other eligible partner.</p>
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

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{term}</dt>
      <dd>{children}</dd>
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

function SelectField({
  name,
  label,
  error,
  options,
}: {
  name: string;
  label: string;
  error?: string;
  options: { value: string; label: string }[];
}) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
