import { redirect } from '@remix-run/node';
import type { PartnerScope } from '../domain/partner-scope';
import { homeFor } from './site-map';
import { getCurrentSession, type AuthDeps, type SessionUser, type UserRole } from './session.server';

/**
 * Every permission there is, as `action:entity:access`. `own` means the records of the user's
 * own partner company; `any` means every company's. Routes name one of these, so a typo is a
 * type error rather than a silently open door.
 */
export const PERMISSIONS = [
  'read:offer:own',
  'read:offer:any',
  'answer:offer:own',
  'read:lead:own',
  'read:lead:any',
  'update:lead:own',
  'read:customer:own',
  'read:customer:any',
  'create:customer:any',
  'read:partner:own',
  'read:partner:any',
  'update:partner:own',
  'update:partner:any',
  'read:user:own',
  'read:user:any',
  'create:user:own',
  'create:user:any',
  'update:user:own',
  'update:user:any',
  'read:routing-queue:any',
  'read:opportunity:any',
  'create:opportunity:any',
  'update:opportunity:any',
  'read:routing-settings:any',
  'update:routing-settings:any',
  'read:campaign:any',
  'create:campaign:any',
  'update:campaign:any',
  'read:notification-log:any',
  // Customer records: partners create their own; merging duplicates is the vendor's.
  'create:customer:own',
  'update:customer:own',
  'update:customer:any',
  'merge:customer:any',
  'read:contact-views:any',
  // Deal registration: a partner registers its own opportunity; a channel manager decides.
  'create:registration:own',
  'read:registration:own',
  'read:registration:any',
  'decide:registration:any',
  // Taking an accepted lead back from its partner.
  'reassign:lead:any',
  // Campaigns a partner was invited to: see them, join or decline (admins answer for the company).
  'read:campaign:own',
  'answer:campaign:own',
  'invite:campaign:any',
  // CSV imports.
  'create:import:any',
  'read:import:any',
  // A user's own email choices. Not `any`: nobody sets another person's email for them.
  'read:email-settings:own',
  'update:email-settings:own',
  // The portal's notices to a partner's users (a deadline extended, a lead taken back).
  'read:notice:own',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const PARTNER_REP: readonly Permission[] = [
  'read:offer:own',
  'answer:offer:own',
  'read:lead:own',
  'update:lead:own',
  'read:customer:own',
  'create:customer:own',
  'update:customer:own',
  'read:partner:own',
  'create:registration:own',
  'read:registration:own',
  'read:campaign:own',
  'read:notice:own',
];
const CHANNEL_MANAGER: readonly Permission[] = [
  'read:routing-queue:any',
  'read:offer:any',
  'read:lead:any',
  'read:opportunity:any',
  'create:opportunity:any',
  'update:opportunity:any',
  'read:customer:any',
  'create:customer:any',
  'read:partner:any',
  'update:partner:any',
  'read:routing-settings:any',
  'update:routing-settings:any',
  'read:campaign:any',
  'read:notification-log:any',
  'update:customer:any',
  'merge:customer:any',
  'read:contact-views:any',
  'read:registration:any',
  'decide:registration:any',
  'reassign:lead:any',
  'create:import:any',
  'read:import:any',
  // Only channel managers get per-event email that a daily digest can replace.
  'read:email-settings:own',
  'update:email-settings:own',
];

/** The whole access model: who may do what. Change access here, never in a route. */
export const ROLE_PERMISSIONS: Record<UserRole, readonly Permission[]> = {
  partner_rep: PARTNER_REP,
  partner_admin: [
    ...PARTNER_REP,
    'update:partner:own',
    'read:user:own',
    'create:user:own',
    'update:user:own',
    'answer:campaign:own',
  ],
  channel_manager: CHANNEL_MANAGER,
  campaign_coordinator: [
    'read:campaign:any',
    'create:campaign:any',
    'update:campaign:any',
    'read:partner:any',
    'read:customer:any',
    'create:customer:any',
    'read:opportunity:any',
    'create:opportunity:any',
    'invite:campaign:any',
    'create:import:any',
    'read:import:any',
  ],
  // Every vendor-wide permission. Answering an offer and working a lead stay the partner's own acts.
  admin: PERMISSIONS.filter((p) => p.endsWith(':any')),
};

export const PARTNER_ROLES: readonly UserRole[] = ['partner_rep', 'partner_admin'];
export const isPartnerUser = (user: Pick<SessionUser, 'role'>) => PARTNER_ROLES.includes(user.role);

/** Whether the user holds the permission; `:own` is also satisfied by the matching `:any`. */
export function can(user: Pick<SessionUser, 'role'>, permission: Permission): boolean {
  const held = ROLE_PERMISSIONS[user.role];
  if (held.includes(permission)) return true;
  if (!permission.endsWith(':own')) return false;
  return held.includes(permission.replace(/:own$/, ':any') as Permission);
}

/** Where a user lands after signing in: their role's home (utils/site-map.ts). */
export function homePathFor(user: Pick<SessionUser, 'role'>): string {
  return homeFor(user.role).to;
}

/** The signed-in user, or null. */
export async function getUser(request: Request, deps?: AuthDeps): Promise<SessionUser | null> {
  return (await getCurrentSession(request, deps))?.user ?? null;
}

/** The signed-in user; an anonymous request is sent to sign in and brought back afterwards. */
export async function requireUser(request: Request, deps?: AuthDeps): Promise<SessionUser> {
  const user = await getUser(request, deps);
  if (user) return user;
  const url = new URL(request.url);
  const back = `${url.pathname}${url.search}`;
  throw redirect(back === '/' ? '/sign-in' : `/sign-in?${new URLSearchParams({ redirectTo: back })}`);
}

// Refusals answer 404, not 403: a page or record someone may not see is, for them, not there,
// and the answer tells a partner nothing about what exists at another company.
function notFound(): Response {
  return new Response('There is no page at this address.', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

function refuse(user: SessionUser, request: Request, wanted: string): never {
  console.warn(
    `[permissions] refused user ${user.id} (${user.role}) ${wanted} at ${new URL(request.url).pathname}`,
  );
  throw notFound();
}

/** The signed-in user if their role is one of `roles`; otherwise a 404 (anonymous: sign-in). */
export async function requireRole(
  request: Request,
  roles: readonly UserRole[],
  deps?: AuthDeps,
): Promise<SessionUser> {
  const user = await requireUser(request, deps);
  if (!roles.includes(user.role)) refuse(user, request, `role ${roles.join('|')}`);
  return user;
}

/**
 * Opens every loader and action: the signed-in user holding `permission`; otherwise a 404
 * (anonymous: sign-in). For an `:own` permission the caller then scopes its query with
 * `partnerScope(user)`, so that a foreign id is simply not found.
 */
export async function requirePermission(
  request: Request,
  permission: Permission,
  deps?: AuthDeps,
): Promise<SessionUser> {
  const user = await requireUser(request, deps);
  if (!can(user, permission)) refuse(user, request, permission);
  return user;
}

/** The domain's scope for a partner's user (their company only); null for vendor staff. */
export function partnerScope(user: SessionUser): PartnerScope | null {
  if (!isPartnerUser(user)) return null;
  // The users table's check constraint guarantees a partner user has a partner.
  if (user.partnerId === null) throw new Error(`partner user ${user.id} has no partner`);
  return { partnerId: user.partnerId };
}

/** An id from the request, quoted and cut short: it may be 100 KB of control characters. */
const logSafe = (id: number | string) =>
  typeof id === 'number' ? String(id) : JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);

/**
 * For a record that exists but belongs to another company: logged, then answered exactly like
 * a record that does not exist.
 */
export function notFoundForForeign(user: SessionUser, what: string, id: number | string): never {
  console.warn(
    `[permissions] user ${user.id} (${user.role}, partner ${user.partnerId ?? '-'}) asked for foreign ${what} ${logSafe(id)}`,
  );
  throw notFound();
}
