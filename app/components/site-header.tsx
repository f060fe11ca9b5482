import { Link, NavLink } from '@remix-run/react';

const NAV_ITEMS = [
  { to: '/queue', label: 'Routing queue' },
  { to: '/sign-in', label: 'Sign in' },
];

export function SiteHeader() {
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
            {NAV_ITEMS.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} className="site-nav__link" prefetch="intent">
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </header>
  );
}
