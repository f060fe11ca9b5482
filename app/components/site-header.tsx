import { Form, Link, NavLink } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CsrfField } from './csrf-field';

const NAV_ITEMS = [
  { to: '/queue', label: 'Routing queue' },
  { to: '/sign-in', label: 'Sign in' },
];

/** The signed-in person and the sign-out button (a POST with a CSRF token, never a link). */
export function AccountMenu({ name, email }: { name: string; email: string }) {
  return (
    <Form
      method="post"
      action="/sign-out"
      className="site-account"
      style={{ display: 'flex', alignItems: 'center', gap: '0.5rem' }}
    >
      <CsrfField />
      <span className="site-account__name" title={email}>
        {name}
      </span>{' '}
      <button
        type="submit"
        className="site-nav__link site-account__sign-out"
        style={{ background: 'transparent', border: 0, font: 'inherit', cursor: 'pointer' }}
      >
        Sign out
      </button>
    </Form>
  );
}

/** `account`: the signed-in person's menu; null shows the sign-in link instead. */
export function SiteHeader({ account = null }: { account?: ReactNode }) {
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
            <rect x="3" y="13" width="26" height="6" rx="3" transform="rotate(-35 16 16)" />
          </svg>
          <span className="brand__name">Baton</span>
        </Link>
        <nav aria-label="Main">
          <ul className="site-nav">
            {NAV_ITEMS.filter((item) => !(account && item.to === '/sign-in')).map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} className="site-nav__link" prefetch="intent">
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        {account}
      </div>
    </header>
  );
}
