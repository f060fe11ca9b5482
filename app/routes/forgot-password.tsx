import { data, type ActionFunctionArgs, type LinksFunction, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { TextField } from '../components/text-field';
import partnersStylesUrl from '../styles/partners.css?url';
import { requestPasswordReset, resetRequestSchema } from '../utils/password-reset.server';
import { defaultAuthDeps } from '../utils/session.server';
import { anyone, formFor, routeAction, routeLoader } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: partnersStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Forgot your password · Baton' }];

/** The one answer, whether or not an account uses the address: the form tells nobody who has one. */
export const RESET_REQUESTED =
  'If an account uses that address, we have sent it a link; it works once, for one hour.';

// Open to everyone, signed in or not: the page only asks for an address.
export const loader = routeLoader(async () => null);

type Answer = { sent: boolean; message: string | null; fieldErrors: { email?: string }; email: string };

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, anyone);
  const typed = typeof formData.get('email') === 'string' ? String(formData.get('email')) : '';
  const parsed = resetRequestSchema.safeParse({ email: formData.get('email') ?? undefined });
  if (!parsed.success) {
    return data<Answer>(
      { sent: false, message: null, fieldErrors: { email: parsed.error.issues[0]!.message }, email: typed },
      { status: 400 },
    );
  }
  await requestPasswordReset(defaultAuthDeps(), parsed.data.email);
  return data<Answer>({ sent: true, message: RESET_REQUESTED, fieldErrors: {}, email: '' });
});

export default function ForgotPassword() {
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const error = answer?.fieldErrors.email;
  return (
    <section className="narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Forgot your password?</h1>
      <p className="muted">
        Enter the email address you sign in with. We will send it a link to choose a new password.
      </p>
      {answer?.sent ? (
        <p className="notice" role="status">
          {answer.message}
        </p>
      ) : null}
      <Form method="post" className="form" noValidate>
        <CsrfField />
        <TextField
          id="email"
          name="email"
          label="Work email"
          type="email"
          autoComplete="username"
          required
          defaultValue={answer?.email}
          error={error}
        />
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Sending…' : 'Send me a link'}
        </button>
      </Form>
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
