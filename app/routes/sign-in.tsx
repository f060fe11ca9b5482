import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { CsrfField } from '../components/csrf-field';
import { TextField } from '../components/text-field';
import { systemClock } from '../domain/clock';
import { clientAddress, signIn, type LockScope } from '../utils/auth.server';
import { clearPreSessionCsrfCookie } from '../utils/csrf.server';
import { getUser, homePathFor } from '../utils/permissions.server';
import { safeRedirect } from '../utils/safe-redirect';
import { sessionCookie } from '../utils/session.server';
import { retryAfterSeconds } from '../utils/throttle.server';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';

export const meta: MetaFunction = () => [{ title: 'Sign in · Baton' }];

export const WRONG_CREDENTIALS = 'That email and password do not match an active Baton account.';

const signInSchema = z.object({
  email: z
    .string({ error: 'Enter your work email.' })
    .trim()
    .min(1, 'Enter your work email.')
    .max(254, 'An email address has at most 254 characters.')
    .pipe(z.email({ error: 'Enter an email address such as name@company.com.' })),
  password: z
    .string({ error: 'Enter your password.' })
    .min(1, 'Enter your password.')
    .max(1024, 'A password has at most 1024 characters.'),
  redirectTo: z.string().optional(),
});

export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await getUser(request);
  if (user) throw redirect(homePathFor(user));
  return null;
});

type FieldErrors = Partial<Record<'email' | 'password', string>>;
type SignInAnswer = { fieldErrors: FieldErrors; formError: string | null; email: string };

export const action = routeAction(async ({ request, context }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, anyone);
  const parsed = signInSchema.safeParse({
    email: formData.get('email') ?? undefined,
    password: formData.get('password') ?? undefined,
    redirectTo: formData.get('redirectTo') ?? undefined,
  });
  const typedEmail = typeof formData.get('email') === 'string' ? String(formData.get('email')) : '';
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if ((field === 'email' || field === 'password') && !fieldErrors[field])
        fieldErrors[field] = issue.message;
    }
    return data<SignInAnswer>({ fieldErrors, formError: null, email: typedEmail }, { status: 400 });
  }

  const result = await signIn({
    email: parsed.data.email,
    password: parsed.data.password,
    clientAddress: clientAddress(request, context),
  });
  if (!result.ok && result.reason === 'locked') {
    const waitSeconds = retryAfterSeconds(result.retryAt, systemClock.now());
    return data<SignInAnswer>(
      {
        fieldErrors: {},
        formError: lockedMessage(result.scope, result.retryAt, waitSeconds),
        email: typedEmail,
      },
      { status: 429, headers: { 'Retry-After': String(waitSeconds) } },
    );
  }
  if (!result.ok) {
    return data<SignInAnswer>(
      { fieldErrors: {}, formError: WRONG_CREDENTIALS, email: typedEmail },
      { status: 401 },
    );
  }

  const headers = new Headers();
  headers.append('Set-Cookie', sessionCookie(result.token, result.expiresAt));
  headers.append('Set-Cookie', clearPreSessionCsrfCookie());
  throw redirect(safeRedirect(parsed.data.redirectTo, homePathFor(result)), { headers });
});

function lockedMessage(scope: LockScope, retryAt: Date, waitSeconds: number): string {
  const minutes = Math.ceil(waitSeconds / 60);
  const when = `try again after ${retryAt.toISOString().slice(11, 16)} UTC (in about ${minutes} minute${minutes === 1 ? '' : 's'})`;
  return scope === 'account'
    ? `Password sign-in for this account is paused after many failed attempts from many places: ${when}, or sign in now with a link sent to your email.`
    : `Too many failed sign-ins. For your account's safety, password sign-in from here is paused: ${when}, or sign in now with a link sent to your email.`;
}

/** The sign-in link's page, carrying the page that asked for sign-in along. */
const signInLinkPath = (redirectTo: string | null) =>
  redirectTo ? `/sign-in-link?${new URLSearchParams({ redirectTo })}` : '/sign-in-link';

export default function SignIn() {
  const answer = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const submitting = useNavigation().state === 'submitting';
  const errors = answer?.fieldErrors ?? {};
  return (
    <section className="narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {/* Set by the reset-password page once the new password is saved. */}
      {searchParams.get('password-changed') && !answer ? (
        <p className="notice" role="status">
          Your password has been changed and you were signed out everywhere. Sign in with the new password.
        </p>
      ) : null}
      <Form method="post" className="form" noValidate>
        <CsrfField />
        <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
        <TextField
          id="email"
          name="email"
          label="Work email"
          type="email"
          autoComplete="username"
          required
          defaultValue={answer?.email}
          error={errors.email}
        />
        <TextField
          id="password"
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
        />
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="form__status" role="alert" aria-live="assertive">
          {answer?.formError}
        </p>
        <p>
          <Link to={signInLinkPath(searchParams.get('redirectTo'))}>Email me a sign-in link</Link>
        </p>
        <p>
          <Link to="/forgot-password">Forgot your password?</Link>
        </p>
      </Form>
    </section>
  );
}
