import type { USER_ROLES } from '../../db/enums';

/**
 * What each role finds in the navigation, where it lands, and where a page's way back leads:
 * one list, so that sign-in, the error pages and the breadcrumbs can only send a viewer to a page
 * the navigation already offers them. The server checks permission again on every request;
 * tests/integration/route-permissions.test.ts requests every item with each role's session.
 * No server import here: the header and the breadcrumbs render it in the browser too.
 */

export type Role = (typeof USER_ROLES)[number];

export interface NavItem {
  to: string;
  label: string;
}
export interface NavGroup {
  label: string;
  items: NavItem[];
}
/** A role's start page, with the sentence that leads back to it from an error page. */
export interface Home extends NavItem {
  goBack: string;
}

const QUEUE: NavItem = { to: '/queue', label: 'Routing queue' };
const PIPELINE: NavItem = { to: '/pipeline', label: 'Pipeline' };
const NEW_OPPORTUNITY: NavItem = { to: '/opportunities/new', label: 'New opportunity' };
const REGISTRATIONS: NavItem = { to: '/registrations', label: 'Registrations' };
const CUSTOMERS: NavItem = { to: '/customers', label: 'Customers' };
const PARTNERS: NavItem = { to: '/partners', label: 'Partners' };
const IMPORTS: NavItem = { to: '/imports', label: 'Imports' };
const CAMPAIGNS: NavItem = { to: '/campaigns', label: 'Campaigns' };
const NEW_CAMPAIGN: NavItem = { to: '/campaigns/new', label: 'New campaign' };
const ROUTING_SETTINGS: NavItem = { to: '/settings/routing', label: 'Routing settings' };
const EMAIL_SETTINGS: NavItem = { to: '/settings/notifications', label: 'Email settings' };
const STAFF: NavItem = { to: '/staff', label: 'Staff' };
const NOTIFICATION_LOG: NavItem = { to: '/notifications', label: 'Notification log' };
const INBOX: NavItem = { to: '/inbox', label: 'Inbox' };
const MY_LEADS: NavItem = { to: '/leads', label: 'My leads' };
const COMPANY: NavItem = { to: '/company', label: 'Company profile' };
const COMPANY_USERS: NavItem = { to: '/company/users', label: 'Users' };
const SIGN_IN: NavItem = { to: '/sign-in', label: 'Sign in' };

const partnerGroups = (admin: boolean): NavGroup[] => [
  { label: 'Leads', items: [INBOX, MY_LEADS, REGISTRATIONS] },
  { label: 'Customers and campaigns', items: [CUSTOMERS, CAMPAIGNS] },
  { label: 'Company', items: admin ? [COMPANY, COMPANY_USERS] : [COMPANY] },
];

/** The navigation of a role, in groups; null: not signed in. */
export function navGroupsFor(role: Role | null): NavGroup[] {
  switch (role) {
    case null:
      return [{ label: 'Baton', items: [SIGN_IN] }];
    case 'partner_rep':
      return partnerGroups(false);
    case 'partner_admin':
      return partnerGroups(true);
    case 'channel_manager':
      return [
        { label: 'Opportunities', items: [QUEUE, PIPELINE, NEW_OPPORTUNITY, REGISTRATIONS] },
        { label: 'Accounts', items: [CUSTOMERS, PARTNERS, IMPORTS] },
        { label: 'Marketing', items: [CAMPAIGNS] },
        { label: 'Settings', items: [ROUTING_SETTINGS, EMAIL_SETTINGS, NOTIFICATION_LOG] },
      ];
    case 'campaign_coordinator':
      return [
        { label: 'Marketing', items: [CAMPAIGNS, NEW_CAMPAIGN] },
        { label: 'Opportunities', items: [PIPELINE, NEW_OPPORTUNITY] },
        { label: 'Accounts', items: [CUSTOMERS, PARTNERS, IMPORTS] },
      ];
    case 'admin':
      return [
        { label: 'Opportunities', items: [QUEUE, PIPELINE, NEW_OPPORTUNITY, REGISTRATIONS] },
        { label: 'Accounts', items: [CUSTOMERS, PARTNERS, IMPORTS] },
        { label: 'Marketing', items: [CAMPAIGNS, NEW_CAMPAIGN] },
        { label: 'Settings', items: [ROUTING_SETTINGS, STAFF, NOTIFICATION_LOG] },
      ];
  }
}

/** Every page the role's navigation offers, in order. */
export function navItemsFor(role: Role | null): NavItem[] {
  return navGroupsFor(role).flatMap((group) => group.items);
}

const HOMES: Record<Role, Home> = {
  partner_rep: { ...INBOX, goBack: 'Go to your inbox' },
  partner_admin: { ...INBOX, goBack: 'Go to your inbox' },
  channel_manager: { ...QUEUE, goBack: 'Go to the routing queue' },
  admin: { ...QUEUE, goBack: 'Go to the routing queue' },
  // The queue is the channel managers' desk; a coordinator's work starts at the campaigns.
  campaign_coordinator: { ...CAMPAIGNS, goBack: 'Go to the campaigns' },
};

/** Where the role lands after signing in, and where an error page sends it back to. */
export function homeFor(role: Role | null): Home {
  return role === null ? { ...SIGN_IN, goBack: 'Go to the sign-in page' } : HOMES[role];
}

/**
 * The lists that the pages below them lead back to, most fitting first. The queue is where a
 * manager meets a lead; the pipeline lists every lead, for every vendor role.
 */
const PARENTS = {
  opportunity: [QUEUE, PIPELINE],
  newOpportunity: [QUEUE, PIPELINE],
} as const satisfies Record<string, readonly NavItem[]>;
export type PageWithParent = keyof typeof PARENTS;

/** A page's way back: the first of its lists that the role's navigation offers, else its home. */
export function parentFor(role: Role | null, page: PageWithParent): NavItem {
  const offered = new Set(navItemsFor(role).map((item) => item.to));
  return PARENTS[page].find((list) => offered.has(list.to)) ?? homeFor(role);
}

/**
 * The item a path belongs to: the one it equals (`page`), else the longest whose section it is
 * in (`section`: /campaigns/7 is in Campaigns), for aria-current.
 */
export function currentItem(
  items: readonly NavItem[],
  pathname: string,
): { to: string; kind: 'page' | 'section' } | null {
  const exact = items.find((item) => item.to === pathname);
  if (exact) return { to: exact.to, kind: 'page' };
  const section = items
    .filter((item) => pathname.startsWith(`${item.to}/`))
    .sort((a, b) => b.to.length - a.to.length)[0];
  return section ? { to: section.to, kind: 'section' } : null;
}
