import { Form, Link, NavLink } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CsrfField } from './csrf-field';

type Role = 'partner_rep' | 'partner_admin' | 'channel_manager' | 'campaign_coordinator' | 'admin';
type NavItem = { to: string; label: string };

const QUEUE: NavItem = { to: '/queue', label: 'Routing queue' };
const NEW_OPPORTUNITY: NavItem = { to: '/opportunities/new', label: 'New opportunity' };
const REGISTRATIONS: NavItem = { to: '/registrations', label: 'Registrations' };
const CUSTOMERS: NavItem = { to: '/customers', label: 'Customers' };
const CAMPAIGNS: NavItem = { to: '/campaigns', label: 'Campaigns' };
const PARTNERS: NavItem = { to: '/partners', label: 'Partners' };
const IMPORTS: NavItem = { to: '/imports', label: 'Imports' };
const ROUTING_SETTINGS: NavItem = { to: '/settings/routing', label: 'Routing settings' };
const NOTIFICATION_LOG: NavItem = { to: '/notifications', label: 'Notification log' };
const EMAIL_SETTINGS: NavItem = { to: '/settings/notifications', label: 'Email settings' };

const STAFF_ITEMS: NavItem[] = [
  QUEUE,
  NEW_OPPORTUNITY,
  REGISTRATIONS,
  CUSTOMERS,
  CAMPAIGNS,
  PARTNERS,
  IMPORTS,
  ROUTING_SETTINGS,
  NOTIFICATION_LOG,
];
const PARTNER_ITEMS: NavItem[] = [
  { to: '/inbox', label: 'Inbox' },
  { to: '/leads', label: 'My leads' },
  REGISTRATIONS,
  CUSTOMERS,
  CAMPAIGNS,
  { to: '/company', label: 'Company' },
];

/** Only the pages the role may open; the server checks again on every request. */
export function navItemsFor(role: Role | null): NavItem[] {
  switch (role) {
    case null:
      return [{ to: '/sign-in', label: 'Sign in' }];
    case 'partner_rep':
      return PARTNER_ITEMS;
    case 'partner_admin':
      return [...PARTNER_ITEMS, { to: '/company/users', label: 'Users' }];
    case 'campaign_coordinator':
      return [CAMPAIGNS, NEW_OPPORTUNITY, CUSTOMERS, PARTNERS, IMPORTS];
    case 'channel_manager':
      return [...STAFF_ITEMS, EMAIL_SETTINGS];
    case 'admin':
      return STAFF_ITEMS;
  }
}

/** The signed-in person and the sign-out button (a POST with a CSRF token, never a link). */
export function AccountMenu({ name, email }: { name: string; email: string }) {
  return (
    <Form method="post" action="/sign-out" className="site-account">
      <CsrfField />
      <span className="site-account__name" title={email}>
        {name}
      </span>{' '}
      <button type="submit" className="site-nav__link site-account__sign-out">
        Sign out
      </button>
    </Form>
  );
}

/** The demo's mailbox, for every visitor, where the page exists (never in production). */
const CAUGHT_MAIL: NavItem = { to: '/dev/mail', label: 'Caught mail' };

/**
 * `account`: the signed-in person's menu; without a role only the sign-in link shows.
 * `mailCapture`: whether the caught-mail page exists here.
 */
export function SiteHeader({
  account = null,
  role = null,
  mailCapture = false,
}: {
  account?: ReactNode;
  role?: Role | null;
  mailCapture?: boolean;
}) {
  const items = mailCapture ? [...navItemsFor(role), CAUGHT_MAIL] : navItemsFor(role);
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
            {items.map((item) => (
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
