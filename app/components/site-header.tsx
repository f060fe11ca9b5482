import { Form, Link, useLocation } from '@remix-run/react';
import { useEffect, useRef, type ReactNode } from 'react';
import { currentItem, navGroupsFor, type NavGroup, type NavItem, type Role } from '../utils/site-map';
import { CsrfField } from './csrf-field';

/** The signed-in person and the sign-out button (a POST with a CSRF token, never a link). */
export function AccountMenu({ name, email }: { name: string; email: string }) {
  return (
    <Form method="post" action="/sign-out" className="site-account">
      <CsrfField />
      <span className="site-account__name" title={email}>
        {name}
      </span>
      <button type="submit" className="site-account__sign-out">
        Sign out
      </button>
    </Form>
  );
}

/** The demo's mailbox, for every visitor, where the page exists (never in production). */
const DEMO_GROUP: NavGroup = { label: 'Demo', items: [{ to: '/dev/mail', label: 'Caught mail' }] };

/** One rendering of the navigation; `copy` keeps the group labels' ids apart. */
function SiteNav({ groups, copy, className }: { groups: NavGroup[]; copy: string; className: string }) {
  const { pathname } = useLocation();
  const current = currentItem(
    groups.flatMap((group) => group.items),
    pathname,
  );
  const ariaCurrent = (item: NavItem) =>
    current?.to === item.to ? (current.kind === 'page' ? 'page' : 'true') : undefined;
  return (
    <nav aria-label="Main" className={className}>
      {groups.map((group, index) => {
        const labelId = `${copy}-nav-group-${index}`;
        return (
          <div className="site-nav__group" key={group.label}>
            <p className="site-nav__group-label" id={labelId}>
              {group.label}
            </p>
            <ul className="site-nav__list" aria-labelledby={labelId}>
              {group.items.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className="site-nav__link"
                    aria-current={ariaCurrent(item)}
                    prefetch="intent"
                  >
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

/**
 * The phone's menu: a <details> disclosure, so that it opens and closes without JavaScript.
 * With JavaScript, Escape closes it (back to its button), and so does moving to another page,
 * which in the browser happens without a reload that would close it.
 */
function PhoneMenu({ children }: { children: ReactNode }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const { key } = useLocation();
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [key]);
  useEffect(() => {
    const details = menu.current;
    if (!details) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !details.open) return;
      details.open = false;
      details.querySelector('summary')?.focus();
    };
    details.addEventListener('keydown', onKeyDown);
    return () => details.removeEventListener('keydown', onKeyDown);
  }, []);
  return (
    <details className="site-menu" ref={menu}>
      <summary className="site-menu__button">
        <svg className="site-menu__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M3 6h18M3 12h18M3 18h18" />
        </svg>
        Menu
      </summary>
      <div className="site-menu__panel">{children}</div>
    </details>
  );
}

/**
 * The portal's navigation: a column at the inline start on wide screens, a menu button on
 * phones; both list the same groups, from the one list in utils/site-map.ts.
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
  const groups = mailCapture ? [...navGroupsFor(role), DEMO_GROUP] : navGroupsFor(role);
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <div className="site-header__bar">
          <Link to="/" className="brand">
            <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect x="3" y="13" width="26" height="6" rx="3" transform="rotate(-35 16 16)" />
            </svg>
            <span className="brand__name">Baton</span>
          </Link>
          <PhoneMenu>
            <SiteNav groups={groups} copy="menu" className="site-nav" />
            {account}
          </PhoneMenu>
        </div>
        <div className="site-header__side">
          <SiteNav groups={groups} copy="side" className="site-nav" />
          {account}
        </div>
      </div>
    </header>
  );
}
