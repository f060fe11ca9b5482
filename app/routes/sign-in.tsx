import type { MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';

export const meta: MetaFunction = () => [{ title: 'Sign in · Baton' }];

const SIGN_IN_UNAVAILABLE =
  'Sign-in is not available yet: it arrives in the next release. Nothing was sent or stored.';

/**
 * A placeholder: the credentials are not read, checked or kept. The answer says so plainly
 * rather than pretending to sign anyone in.
 */
export function action() {
  return { ok: false as const, message: SIGN_IN_UNAVAILABLE };
}

export default function SignIn() {
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  return (
    <section className="narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p className="notice">
        Sign-in arrives in the next release. Until then this form does not sign you in.
      </p>
      <Form method="post" className="form">
        <div className="field">
          <label htmlFor="email">Work email</label>
          <input id="email" name="email" type="email" autoComplete="username" required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button type="submit" className="button" disabled={submitting}>
          {submitting ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="form__status" role="status" aria-live="polite">
          {answer?.message}
        </p>
      </Form>
    </section>
  );
}
