import {
  data,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
  type HeadersFunction,
} from '@remix-run/node';
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  type ShouldRevalidateFunction,
} from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { DeclineForm } from '../components/decline-form';
import { FactsList, factsFromPairs } from '../components/facts-list';
import { systemClock } from '../domain/clock';
import {
  checkEmailAction,
  // Not a React hook, whatever its name says: renamed so that neither reader nor linter thinks so.
  useEmailAction as answerFromEmail,
  type EmailActionOffer,
  type EmailActionProblem,
} from '../domain/notifications/email-actions.server';
import { DECLINE_REASON_LABELS } from '../domain/offers/reason-labels';
import { formatInZone, sizeSegmentLabel, valueBand } from '../models/inbox.server';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { env } from '../utils/env.server';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';
import { loopDeps } from '../utils/loop.server';
import { DECLINE_REASONS } from '../../db/schema';

/**
 * The page behind Accept / Decline in an offer email. Anonymous: the signed link stands in for
 * the session. Opening it changes nothing, because mail scanners open every link; only the
 * page's button acts, after the domain has checked the link again.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
// The link is a key to the offer: it must not travel on to any page this one links to.
// The address carries a secret (or shows mail): it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

export const meta: MetaFunction = () => [
  { title: 'Answer an offer · Baton' },
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

/** A link we did not make is not there; one that was good once is gone. */
const PROBLEM_STATUS: Record<EmailActionProblem, number> = {
  invalid: 404,
  expired: 410,
  used: 410,
  not_allowed: 410,
  not_pending: 410,
};

type Problem = { state: 'problem'; problem: EmailActionProblem; message: string };

const problemAnswer = (problem: EmailActionProblem, message: string) =>
  data<Problem>({ state: 'problem', problem, message }, { status: PROBLEM_STATUS[problem] });

/** The lead card as the page shows it: strings only, and never the customer's identity. */
function presentOffer(offer: EmailActionOffer) {
  return {
    need: offer.need,
    userName: offer.userName,
    deadline: formatInZone(offer.expiresAt, offer.userTimezone),
    facts: [
      ['Product line', offer.productLine],
      ['Value', valueBand(offer.valueMinor, offer.currency)],
      ['Country', offer.country],
      ['Industry', offer.industry],
      ['Size', sizeSegmentLabel(offer.sizeSegment)],
      ['Campaign', offer.campaignName ?? 'None'],
    ] satisfies [string, string][],
  };
}

export const loader = routeLoader(async ({ params }: LoaderFunctionArgs) => {
  const check = await checkEmailAction(database(), env().APP_SECRET, params.token ?? '', systemClock.now());
  if (!check.ok) return problemAnswer(check.problem, check.message);
  return data({
    state: 'confirm' as const,
    action: check.claims.action,
    offer: presentOffer(check.offer),
    declineReasons: DECLINE_REASONS.map((value) => ({ value, label: DECLINE_REASON_LABELS[value] })),
  });
});

type FieldErrors = Partial<Record<'reason' | 'note', string>>;
type ActionAnswer =
  | Problem
  | { state: 'invalid'; fieldErrors: FieldErrors; note: string; reason: string }
  | { state: 'done'; action: 'accept' | 'decline'; opportunityId: number };

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  // The signed link is already unguessable; the pre-session token still ties the press to this
  // page, so another site cannot make a visitor's browser answer with a link it has seen.
  const { form: formData } = await formFor(request, anyone);
  const text = (name: string) => (typeof formData.get(name) === 'string' ? String(formData.get(name)) : '');
  const reason = text('reason');
  const note = text('note');
  const result = await answerFromEmail(loopDeps(), env().APP_SECRET, params.token ?? '', {
    reason: reason || undefined,
    note: note.trim() || undefined,
  });
  if (result.ok) {
    // An explicit 200: without one, a page posted without JavaScript would take the status of the
    // loader that runs after the action, which now finds the link used (410).
    return data<ActionAnswer>(
      { state: 'done', action: result.action, opportunityId: result.opportunityId },
      { status: 200 },
    );
  }
  if (result.problem === 'invalid_input') {
    return data<ActionAnswer>(
      { state: 'invalid', fieldErrors: { [result.field]: result.message }, note, reason },
      { status: 400 },
    );
  }
  return problemAnswer(result.problem, result.message);
});

// After a press the page shows the action's answer; reloading the link's state would only say "used".
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod === 'POST' ? false : defaultShouldRevalidate;

export default function EmailActionPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';

  if (answer?.state === 'done') return <Done action={answer.action} opportunityId={answer.opportunityId} />;
  if (answer?.state === 'problem') return <LinkProblem message={answer.message} />;
  if (page.state === 'problem') return <LinkProblem message={page.message} />;

  const { offer } = page;
  const errors = answer?.state === 'invalid' ? answer.fieldErrors : {};
  const accepting = page.action === 'accept';
  return (
    <>
      <div className="page-heading">
        <h1>{accepting ? 'Accept this lead?' : 'Decline this lead?'}</h1>
        <p className="muted">
          You are answering as {offer.userName}. Nothing happens until you press the button below.
        </p>
      </div>

      <section className="panel" aria-labelledby="card-title">
        <h2 id="card-title">{offer.need}</h2>
        <p className="muted">
          Answer by <strong>{offer.deadline}</strong>. The customer&apos;s name and contacts open to you once
          you accept.
        </p>
        <FactsList facts={factsFromPairs(offer.facts)} layout="tiles" />
      </section>

      {accepting ? (
        <Form method="post" className="form">
          <CsrfField />
          <p className="muted">
            The lead becomes your company&apos;s and the customer&apos;s full record opens.
          </p>
          <button type="submit" className="button" disabled={busy}>
            Accept this lead
          </button>
        </Form>
      ) : (
        <DeclineForm
          errors={errors}
          typed={answer?.state === 'invalid' ? { reason: answer.reason, note: answer.note } : undefined}
          busy={busy}
        />
      )}
      <p>
        <Link to="/inbox">Open the inbox instead</Link> (you may need to sign in).
      </p>
    </>
  );
}

function Done({ action, opportunityId }: { action: 'accept' | 'decline'; opportunityId: number }) {
  return (
    <section className="narrow" aria-labelledby="done-title">
      <h1 id="done-title">{action === 'accept' ? 'Accepted' : 'Declined'}</h1>
      {action === 'accept' ? (
        <p role="status">
          Accepted. The customer record is open in My leads:{' '}
          <Link to={`/leads/${opportunityId}`}>open lead #{opportunityId}</Link> (you may need to sign in).
        </p>
      ) : (
        <p role="status">Declined; the lead moves on to another partner. Thank you for answering.</p>
      )}
      <p>
        <Link to="/inbox">Go to the inbox</Link>
      </p>
    </section>
  );
}

function LinkProblem({ message }: { message: string }) {
  return (
    <section className="narrow" aria-labelledby="problem-title">
      <h1 id="problem-title">This link cannot be used</h1>
      <p className="notice" role="alert">
        {message}
      </p>
      <p>
        <Link to="/inbox">Open the inbox</Link> or <Link to="/sign-in">sign in</Link> to see your offers.
      </p>
    </section>
  );
}
