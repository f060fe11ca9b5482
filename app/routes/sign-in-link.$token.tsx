import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import partnersStylesUrl from '../styles/partners.css?url';
import { clientAddress } from '../utils/auth.server';
import { clearPreSessionCsrfCookie } from '../utils/csrf.server';
import { env } from '../utils/env.server';
import { homePathFor } from '../utils/permissions.server';
import { defaultAuthDeps, sessionCookie } from '../utils/session.server';
import { checkSignInLink, SIGN_IN_LINK_PROBLEM, signInWithLink } from '../utils/sign-in-link.server';
import { safeRedirect } from '../utils/safe-redirect';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';

/**
 * The page behind the emailed sign-in link. Opening it signs nobody in, because mail scanners
 * open every link; only its button does, after the link is checked again.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];
// The address carries a key to the account: it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

export const meta: MetaFunction = () => [
  { title: 'Sign in with a link · Baton' },
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

type LinkProblem = { state: 'problem'; message: string };
// Used, expired, forged or for a disabled account look alike on purpose (see checkAccountLink).
const linkProblem = () =>
  data<LinkProblem>({ state: 'problem', message: SIGN_IN_LINK_PROBLEM }, { status: 410 });

type PressTheButton = { state: 'press'; message: string };
const PRESS_THE_BUTTON = 'To sign in, press the "Sign in to Baton" button on this page.';

export const loader = routeLoader(async ({ params }: LoaderFunctionArgs) => {
  const link = await checkSignInLink(defaultAuthDeps(), env().APP_SECRET, params.token ?? '');
  if (!link) return linkProblem();
  return data({ state: 'form' as const, email: link.email });
});

export const action = routeAction(async ({ request, params, context }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, anyone);
  // Only the page's own button signs in, never a bare POST to the link's address.
  if (formData.get('intent') !== 'sign-in') {
    return data<PressTheButton>({ state: 'press', message: PRESS_THE_BUTTON }, { status: 400 });
  }
  const result = await signInWithLink(defaultAuthDeps(), env().APP_SECRET, {
    token: params.token ?? '',
    clientAddress: clientAddress(request, context),
  });
  // Used in another tab meanwhile, or expired while the page was open.
  if (!result.ok) return linkProblem();
  const headers = new Headers();
  headers.append('Set-Cookie', sessionCookie(result.token, result.expiresAt));
  headers.append('Set-Cookie', clearPreSessionCsrfCookie());
  throw redirect(safeRedirect(result.redirectTo, homePathFor(result)), { headers });
});

export default function SignInWithLink() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const problem = answer?.state === 'problem' ? answer : page.state === 'problem' ? page : null;
  if (problem || page.state !== 'form') {
    return (
      <section className="narrow" aria-labelledby="sign-in-link-title">
        <h1 id="sign-in-link-title">This link does not work</h1>
        <p className="notice" role="alert">
          {problem?.message}
        </p>
        <p>
          <Link to="/sign-in-link">Ask for a new link</Link> or <Link to="/sign-in">sign in</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="narrow" aria-labelledby="sign-in-link-title">
      <h1 id="sign-in-link-title">Sign in with your link</h1>
      <p className="muted">
        For <strong>{page.email}</strong>. The link works once: pressing the button uses it up.
      </p>
      {answer?.state === 'press' ? (
        <p className="notice" role="alert">
          {answer.message}
        </p>
      ) : null}
      <Form method="post" className="form">
        <CsrfField />
        <button type="submit" name="intent" value="sign-in" className="button" disabled={submitting}>
          {submitting ? 'Signing in…' : 'Sign in to Baton'}
        </button>
      </Form>
    </section>
  );
}
