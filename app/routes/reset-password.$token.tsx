import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
  type HeadersFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { TextField } from '../components/text-field';
import { MIN_PASSWORD_LENGTH } from '../domain/partners/profile';
import partnersStylesUrl from '../styles/partners.css?url';
import { env } from '../utils/env.server';
import {
  checkPasswordReset,
  completePasswordReset,
  newPasswordSchema,
  RESET_LINK_PROBLEM,
} from '../utils/password-reset.server';
import { defaultAuthDeps } from '../utils/session.server';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];
// The link is a key to the account: it must not travel on to any page this one links to.
// The address carries a secret (or shows mail): it must not travel in a Referer header.
export const headers: HeadersFunction = () => ({ 'Referrer-Policy': 'no-referrer' });

export const meta: MetaFunction = () => [
  { title: 'Choose a new password · Baton' },
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex' },
];

type LinkProblem = { state: 'problem'; message: string };
// Used, replaced, expired or never made look alike on purpose (see checkPasswordReset).
const linkProblem = () =>
  data<LinkProblem>({ state: 'problem', message: RESET_LINK_PROBLEM }, { status: 410 });

export const loader = routeLoader(async ({ params }: LoaderFunctionArgs) => {
  const reset = await checkPasswordReset(defaultAuthDeps(), env().APP_SECRET, params.token ?? '');
  if (!reset) return linkProblem();
  return data({ state: 'form' as const, email: reset.email, minLength: MIN_PASSWORD_LENGTH });
});

type FieldErrors = Partial<Record<'password' | 'confirm', string>>;

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, anyone);
  const deps = defaultAuthDeps();
  const secret = env().APP_SECRET;
  const token = params.token ?? '';
  // A dead link says so before the form is judged: fixing the fields would not help.
  if (!(await checkPasswordReset(deps, secret, token))) return linkProblem();
  const parsed = newPasswordSchema.safeParse({
    password: formData.get('password') ?? undefined,
    confirm: formData.get('confirm') ?? undefined,
  });
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if ((field === 'password' || field === 'confirm') && !fieldErrors[field])
        fieldErrors[field] = issue.message;
    }
    return data({ state: 'invalid' as const, fieldErrors }, { status: 400 });
  }
  // Used in another tab meanwhile, or expired while the form was open.
  if (!(await completePasswordReset(deps, secret, token, parsed.data.password))) return linkProblem();
  // Every session of the account has ended; the sign-in page reads the flag and says why.
  throw redirect('/sign-in?password-changed=1');
});

export default function ResetPassword() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const problem = answer?.state === 'problem' ? answer : page.state === 'problem' ? page : null;
  if (problem || page.state !== 'form') {
    return (
      <section className="narrow" aria-labelledby="reset-title">
        <h1 id="reset-title">This link does not work</h1>
        <p className="notice" role="alert">
          {problem?.message}
        </p>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link> or <Link to="/sign-in">sign in</Link>.
        </p>
      </section>
    );
  }
  const errors: FieldErrors = answer?.state === 'invalid' ? answer.fieldErrors : {};
  return (
    <section className="narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <p className="muted">
        For <strong>{page.email}</strong>. Signing in anywhere else ends once the new password is set.
      </p>
      <Form method="post" className="form" noValidate>
        <CsrfField />
        {/* Lets a password manager file the new password under the right account. */}
        <input type="hidden" name="username" autoComplete="username" value={page.email} />
        <TextField
          id="password"
          name="password"
          label="New password"
          hint={`At least ${page.minLength} characters.`}
          type="password"
          autoComplete="new-password"
          required
          minLength={page.minLength}
          error={errors.password}
        />
        <TextField
          id="confirm"
          name="confirm"
          label="The new password again"
          type="password"
          autoComplete="new-password"
          required
          error={errors.confirm}
        />
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Saving…' : 'Set the new password'}
        </button>
      </Form>
    </section>
  );
}
