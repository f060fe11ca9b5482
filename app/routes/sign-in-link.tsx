import {
  data,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { systemClock } from '../domain/clock';
import partnersStylesUrl from '../styles/partners.css?url';
import { clientAddress } from '../utils/auth.server';
import { defaultAuthDeps } from '../utils/session.server';
import { requestSignInLink, signInLinkRequestSchema } from '../utils/sign-in-link.server';
import { retryAfterSeconds } from '../utils/throttle.server';
import { safeRedirect } from '../utils/safe-redirect';
import { anyone, formFor, routeAction, routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Email me a sign-in link · Baton' }];

/** The one answer, whether or not an account uses the address: the form tells nobody who has one. */
export const SIGN_IN_LINK_SENT =
  'If an active account uses that address, we have sent it a sign-in link; it works once, for 15 minutes.';

export function tooManyLinksMessage(retryAt: Date, waitSeconds: number): string {
  const minutes = Math.ceil(waitSeconds / 60);
  return `That address has asked for sign-in links too often. Ask again after ${retryAt.toISOString().slice(11, 16)} UTC (in about ${minutes} minute${minutes === 1 ? '' : 's'}); a link already sent still works until it expires.`;
}

// Open to everyone, signed in or not: the page only asks for an address. The page that asked
// for sign-in comes along, to be opened once the link has signed its reader in.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  return { redirectTo: safeRedirect(searchParamsOf(request).get('redirectTo'), '') };
});

type Answer = {
  sent: boolean;
  message: string | null;
  formError: string | null;
  fieldErrors: { email?: string };
  email: string;
};

export const action = routeAction(async ({ request, context }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, anyone);
  const typed = typeof formData.get('email') === 'string' ? String(formData.get('email')) : '';
  const parsed = signInLinkRequestSchema.safeParse({
    email: formData.get('email') ?? undefined,
    redirectTo: formData.get('redirectTo') ?? undefined,
  });
  if (!parsed.success) {
    const emailIssue = parsed.error.issues.find((issue) => issue.path[0] === 'email');
    return data<Answer>(
      {
        sent: false,
        message: null,
        formError: emailIssue
          ? null
          : 'The page to open after signing in is not valid; open the sign-in page again.',
        fieldErrors: emailIssue ? { email: emailIssue.message } : {},
        email: typed,
      },
      { status: 400 },
    );
  }
  const result = await requestSignInLink(defaultAuthDeps(), {
    email: parsed.data.email,
    clientAddress: clientAddress(request, context),
    redirectTo: safeRedirect(parsed.data.redirectTo, '') || null,
  });
  if (!result.ok) {
    const waitSeconds = retryAfterSeconds(result.retryAt, systemClock.now());
    return data<Answer>(
      {
        sent: false,
        message: null,
        formError: tooManyLinksMessage(result.retryAt, waitSeconds),
        fieldErrors: {},
        email: typed,
      },
      { status: 429, headers: { 'Retry-After': String(waitSeconds) } },
    );
  }
  return data<Answer>({
    sent: true,
    message: SIGN_IN_LINK_SENT,
    formError: null,
    fieldErrors: {},
    email: '',
  });
});

export default function SignInLink() {
  const { redirectTo } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const error = answer?.fieldErrors.email;
  return (
    <section className="narrow" aria-labelledby="sign-in-link-title">
      <h1 id="sign-in-link-title">Email me a sign-in link</h1>
      <p className="muted">
        Enter the email address you sign in with. We will send it a link that signs you in without a password,
        even while password sign-in is paused after failed attempts.
      </p>
      {answer?.sent ? (
        <p className="notice" role="status">
          {answer.message}
        </p>
      ) : null}
      <Form method="post" className="form" noValidate>
        <CsrfField />
        <input type="hidden" name="redirectTo" value={redirectTo} />
        <div className="field">
          <label htmlFor="email">Work email</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            defaultValue={answer?.email}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'email-error' : undefined}
          />
          {error ? (
            <p id="email-error" className="field__error">
              {error}
            </p>
          ) : null}
        </div>
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Sending…' : 'Send me a sign-in link'}
        </button>
        <p className="form__status" role="alert" aria-live="assertive">
          {answer?.formError}
        </p>
      </Form>
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
