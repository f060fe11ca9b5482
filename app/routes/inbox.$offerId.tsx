import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Countdown, useNow } from '../components/countdown';
import { CsrfField } from '../components/csrf-field';
import { DeclineForm } from '../components/decline-form';
import { FactsList, factsFromPairs } from '../components/facts-list';
import { DECLINE_REASON_LABELS } from '../domain/offers/reason-labels';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import { accept, declineAndReroute } from '../domain/routing/loop.server';
import { explainBreakdown } from '../domain/routing/scoring';
import { getOffer, offerExists, presentLeadCard } from '../models/inbox.server';
import { EXPIRING_SOON_HOURS } from '../models/routing-queue.server';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { loopDeps } from '../utils/loop.server';
import { notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import {
  domainErrorStatus,
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';
import { DECLINE_REASONS } from '../../db/schema';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Offer · Baton' }];

const declineFormSchema = z.object({
  reason: z.enum(DECLINE_REASONS, { error: 'Choose why you are declining this lead.' }),
  note: z.string().trim().max(2000, 'Keep the note to 2000 characters or fewer.').optional(),
});

/** The user's partner and the offer id of the address; a 404 for anything else. */
function scopeAndOfferId(user: SessionUser, params: Record<string, string | undefined>) {
  const scope = partnerScope(user);
  if (!scope) throw notFound();
  return { scope, offerId: idParam(params, 'offerId') };
}

/** A foreign offer is logged and answered exactly like a missing one. */
async function refuseOffer(user: SessionUser, offerId: number): Promise<never> {
  if (await offerExists(database(), offerId)) notFoundForForeign(user, 'offer', offerId);
  throw notFound();
}

export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:offer:own');
  const { scope, offerId } = scopeAndOfferId(user, params);
  const offer = await getOffer(database(), { offerId, partnerId: scope.partnerId });
  if (!offer) return refuseOffer(user, offerId);
  const now = systemClock.now();
  return {
    now: now.toISOString(),
    expiringSoonHours: EXPIRING_SOON_HOURS,
    offer: presentLeadCard(offer, user.timezone),
    open: offer.status === 'pending' && offer.expiresAt.getTime() > now.getTime(),
    reasons: explainBreakdown(offer.scoreBreakdown),
    declineReasons: DECLINE_REASONS.map((value) => ({ value, label: DECLINE_REASON_LABELS[value] })),
  };
});

type FieldErrors = Partial<Record<'reason' | 'note', string>>;
type AnswerProblem = { fieldErrors: FieldErrors; formError: string | null; note: string };

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('answer:offer:own'));
  const { scope, offerId } = scopeAndOfferId(user, params);
  // Another company's offer is a 404 before anything else, whatever the form holds.
  if (!(await getOffer(database(), { offerId, partnerId: scope.partnerId })))
    return refuseOffer(user, offerId);
  const typedNote = typeof formData.get('note') === 'string' ? String(formData.get('note')) : '';
  const problem = (status: number, fieldErrors: FieldErrors, formError: string | null = null) =>
    data<AnswerProblem>({ fieldErrors, formError, note: typedNote }, { status });

  try {
    const intent = formData.get('intent');
    if (intent === 'accept') {
      const accepted = await accept(loopDeps(), { offerId, userId: user.id, scope });
      return redirect(`/leads/${accepted.opportunityId}`);
    }
    if (intent === 'decline') {
      const parsed = declineFormSchema.safeParse({
        reason: formData.get('reason') || undefined,
        note: typedNote.trim() === '' ? undefined : typedNote,
      });
      if (!parsed.success) {
        const fieldErrors: FieldErrors = {};
        for (const issue of parsed.error.issues) {
          const field = issue.path[0];
          if ((field === 'reason' || field === 'note') && !fieldErrors[field])
            fieldErrors[field] = issue.message;
        }
        return problem(400, fieldErrors);
      }
      await declineAndReroute(loopDeps(), { offerId, userId: user.id, scope, ...parsed.data });
      return redirect('/inbox');
    }
    return problem(400, {}, 'Choose whether to accept or decline this lead.');
  } catch (error) {
    if (isDomainError(error, 'not_found')) return refuseOffer(user, offerId);
    if (isDomainError(error, 'invalid_input')) {
      const field = error.field === 'note' ? 'note' : 'reason';
      return problem(400, { [field]: error.message });
    }
    // Too late, or already answered: the domain's message says which, and nothing changed.
    if (isDomainError(error)) return problem(domainErrorStatus(error), {}, error.message);
    throw error;
  }
});

export default function OfferPage() {
  const { offer, open, reasons, ...data } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const now = useNow(data.now);
  const busy = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};

  return (
    <>
      <p>
        <Link to="/inbox">← Back to the inbox</Link>
      </p>
      <div className="page-heading">
        <h1>{offer.need}</h1>
        <p className="lead-card__deadline">
          {open ? (
            <>
              <Countdown deadline={offer.expiresAt} now={now} soonWithinHours={data.expiringSoonHours} />
              <span className="subtle">Answer by {offer.deadline}</span>
            </>
          ) : offer.status === 'pending' ? (
            <span className="badge badge--expired">The response window closed at {offer.deadline}</span>
          ) : (
            <span className="badge">This offer is {offer.status}</span>
          )}
        </p>
      </div>

      <section className="panel" aria-labelledby="card-title">
        <h2 id="card-title">The lead</h2>
        <p className="muted">The customer&apos;s name and contacts open to you once you accept.</p>
        <FactsList facts={factsFromPairs(offer.facts)} layout="tiles" />
      </section>

      <section className="panel" aria-labelledby="why-title">
        <h2 id="why-title">Why you got this lead</h2>
        <ul className="reasons">
          {reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      </section>

      {answer?.formError ? (
        <p className="notice" role="alert">
          {answer.formError}
        </p>
      ) : null}

      {open ? (
        <div className="answer-forms">
          <Form method="post" className="form">
            <CsrfField />
            <h2>Accept</h2>
            <p className="muted">The lead becomes yours and the customer&apos;s full record opens.</p>
            <button type="submit" name="intent" value="accept" className="button" disabled={busy}>
              Accept this lead
            </button>
          </Form>

          <DeclineForm
            intent="decline"
            title="Decline"
            errors={errors}
            typed={{ note: answer?.note }}
            busy={busy}
          />
        </div>
      ) : null}
    </>
  );
}
