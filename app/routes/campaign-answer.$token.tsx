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
import { FactsList, factsFromPairs } from '../components/facts-list';
import {
  checkCampaignAnswer,
  // Not a React hook, whatever its name says: renamed so that neither reader nor linter thinks so.
  useCampaignAnswer as answerFromLink,
  type CampaignAnswerProblem,
} from '../domain/campaigns/campaign-answer-links.server';
import { systemClock } from '../domain/clock';
import resellerStylesUrl from '../styles/reseller.css?url';
import { database } from '../utils/db.server';
import { env } from '../utils/env.server';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';
import { campaignFacts } from '../../emails/campaign-invitation';

/**
 * The page behind Join / Decline in a campaign invitation email. Anonymous: the signed link
 * stands in for the session. Opening it changes nothing, because mail scanners open every link;
 * only the page's button answers, after the domain has checked the link again.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: resellerStylesUrl }];
// The link is a key to the invitation: it must not travel on to any page this one links to.
// The address carries a secret (or shows mail): it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

export const meta: MetaFunction = () => [
  { title: 'Answer a campaign invitation · Baton' },
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

/** A link we did not make is not there; one that was good once is gone. */
const PROBLEM_STATUS: Record<CampaignAnswerProblem, number> = {
  invalid: 404,
  expired: 410,
  not_allowed: 410,
  answered: 410,
  completed: 410,
};

type Problem = { state: 'problem'; problem: CampaignAnswerProblem; message: string };

const problemAnswer = (problem: CampaignAnswerProblem, message: string) =>
  data<Problem>({ state: 'problem', problem, message }, { status: PROBLEM_STATUS[problem] });

export const loader = routeLoader(async ({ params }: LoaderFunctionArgs) => {
  const check = await checkCampaignAnswer(
    database(),
    env().APP_SECRET,
    params.token ?? '',
    systemClock.now(),
  );
  if (!check.ok) return problemAnswer(check.problem, check.message);
  const { campaign, partnerName, userName } = check.invitation;
  return data({
    state: 'confirm' as const,
    answer: check.claims.answer,
    campaignName: campaign.name,
    partnerName,
    userName,
    // Exactly what the invitation email showed, in its words: the link opens nothing more.
    facts: campaignFacts(campaign)
      .filter((fact) => fact.label !== 'Campaign')
      .map((fact): [string, string] => [fact.label, fact.value]),
  });
});

type ActionAnswer =
  | Problem
  | { state: 'unconfirmed'; message: string }
  | { state: 'done'; status: 'joined' | 'declined'; campaignId: number };

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  // The signed link is already unguessable; the pre-session token still ties the press to this
  // page, so another site cannot make a visitor's browser answer with a link it has seen.
  const { form: formData } = await formFor(request, anyone);
  const token = params.token ?? '';
  const check = await checkCampaignAnswer(database(), env().APP_SECRET, token, systemClock.now());
  if (!check.ok) return problemAnswer(check.problem, check.message);
  // The button names the answer it gives; only a press that names the link's own answer acts, so
  // a bare POST (a form-following scanner, a probe) cannot answer for the company.
  if (formData.get('answer') !== check.claims.answer) {
    return data<ActionAnswer>(
      {
        state: 'unconfirmed',
        message: 'Nothing was answered: press the button on this page to give your answer.',
      },
      { status: 400 },
    );
  }
  const result = await answerFromLink(database(), env().APP_SECRET, token, systemClock);
  if (!result.ok) return problemAnswer(result.problem, result.message);
  // An explicit 200: without one, a page posted without JavaScript would take the status of the
  // loader that runs after the action, which now finds the invitation answered (410).
  return data<ActionAnswer>(
    { state: 'done', status: result.status, campaignId: result.campaignId },
    { status: 200 },
  );
});

// After a press the page shows the action's answer; reloading the link's state would only say "answered".
export const shouldRevalidate: ShouldRevalidateFunction = ({ formMethod, defaultShouldRevalidate }) =>
  formMethod === 'POST' ? false : defaultShouldRevalidate;

export default function CampaignAnswerPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';

  if (answer?.state === 'done') return <Done status={answer.status} campaignId={answer.campaignId} />;
  if (answer?.state === 'problem') return <LinkProblem message={answer.message} />;
  if (page.state === 'problem') return <LinkProblem message={page.message} />;

  const joining = page.answer === 'join';
  return (
    <>
      <div className="page-heading">
        <h1>{joining ? 'Join this campaign?' : 'Decline this invitation?'}</h1>
        <p className="muted">
          You are answering for {page.partnerName} as {page.userName}. Nothing happens until you press the
          button below.
        </p>
      </div>

      <section className="panel" aria-labelledby="campaign-title">
        <h2 id="campaign-title">{page.campaignName}</h2>
        <FactsList facts={factsFromPairs(page.facts)} layout="tiles" />
      </section>

      <Form method="post" className="form">
        <CsrfField />
        <p className="muted">
          {joining
            ? 'Your company sees the campaign’s target accounts, and routing offers it the campaign’s leads first.'
            : 'Your company will not take part in this campaign. The answer is for the whole company.'}
        </p>
        {answer?.state === 'unconfirmed' ? (
          <p className="notice" role="alert">
            {answer.message}
          </p>
        ) : null}
        <button
          type="submit"
          name="answer"
          value={page.answer}
          className={joining ? 'button' : 'button button--secondary'}
          disabled={busy}
        >
          {joining ? 'Join the campaign' : 'Decline the invitation'}
        </button>
      </Form>
      <p>
        <Link to="/campaigns">Open the campaigns instead</Link> (you may need to sign in).
      </p>
    </>
  );
}

function Done({ status, campaignId }: { status: 'joined' | 'declined'; campaignId: number }) {
  return (
    <section className="narrow" aria-labelledby="done-title">
      <h1 id="done-title">{status === 'joined' ? 'Joined' : 'Declined'}</h1>
      <p role="status">
        {status === 'joined'
          ? 'Your company has joined the campaign. Its target accounts and leads are on the campaign’s page.'
          : 'Your company has declined the invitation. Thank you for answering.'}
      </p>
      <p>
        <Link to={`/campaigns/${campaignId}`}>Open the campaign</Link> (you may need to sign in).
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
        <Link to="/campaigns">Open the campaigns</Link> or <Link to="/sign-in">sign in</Link> to see your
        invitations.
      </p>
    </section>
  );
}
