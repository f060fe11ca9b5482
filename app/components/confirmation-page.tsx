import { Form, Link, useNavigation } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CsrfField } from './csrf-field';

/**
 * The one layout of every "are you sure?" page (withdraw, re-route, take back, offboard): what
 * will happen, in whole sentences, then the confirm button and a Cancel link back. A plain POST
 * form, so it works without JavaScript. With `stale` set there is nothing left to confirm: the
 * page says why and offers only the way back.
 */
export function ConfirmationPage({
  title,
  context,
  consequences,
  stale,
  formError,
  hiddenFields,
  children,
  confirmLabel,
  danger = true,
  cancelHref,
  cancelLabel = 'Cancel and go back',
  backLabel = 'Go back',
}: {
  title: string;
  /** A line above the title saying what the page is about, e.g. "Lead #12: Storage refresh". */
  context?: ReactNode;
  /** Each a sentence or two: who loses what, who gets told, where the lead goes. */
  consequences: ReactNode[];
  stale?: string | null;
  formError?: string | null;
  hiddenFields?: Record<string, string | number>;
  /** Fields the action needs from the person confirming (a reason). */
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  cancelHref: string;
  cancelLabel?: string;
  /** The way back when there is nothing to confirm. */
  backLabel?: string;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle' && navigation.formMethod?.toLowerCase() === 'post';
  return (
    <section className="confirmation" aria-labelledby="confirmation-title">
      {context ? <p className="muted">{context}</p> : null}
      <h1 id="confirmation-title">{title}</h1>
      {formError ? (
        <p className="notice notice--danger" role="alert">
          {formError}
        </p>
      ) : null}
      {stale ? (
        <>
          <p className="notice confirmation__stale" role="status">
            {stale}
          </p>
          <p>
            <Link to={cancelHref} className="button">
              {backLabel}
            </Link>
          </p>
        </>
      ) : (
        <>
          <h2 className="visually-hidden">What will happen</h2>
          <ul className="confirmation__consequences">
            {consequences.map((sentence, index) => (
              <li key={index}>{sentence}</li>
            ))}
          </ul>
          <Form method="post" className="form" noValidate>
            <CsrfField />
            {Object.entries(hiddenFields ?? {}).map(([name, value]) => (
              <input key={name} type="hidden" name={name} value={value} />
            ))}
            <fieldset disabled={busy}>
              {children}
              <div className="confirmation__actions">
                <button type="submit" className={danger ? 'button button--danger' : 'button'}>
                  {confirmLabel}
                </button>
                <Link to={cancelHref}>{cancelLabel}</Link>
              </div>
            </fieldset>
          </Form>
        </>
      )}
    </section>
  );
}
