import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type * as QueueRoute from '../../app/routes/queue';
import type * as SignInRoute from '../../app/routes/sign-in';
import type * as Permissions from '../../app/utils/permissions.server';
import type { USER_ROLES } from '../../db/schema';
import { makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makePartner } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let queueRoute: typeof QueueRoute;
let signInRoute: typeof SignInRoute;
let permissions: typeof Permissions;
let closeDatabase: () => Promise<void>;
let cookieOf: Record<(typeof USER_ROLES)[number], string>;
let partnerId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  [queueRoute, signInRoute, permissions] = await Promise.all([
    import('../../app/routes/queue'),
    import('../../app/routes/sign-in'),
    import('../../app/utils/permissions.server'),
  ]);
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
  partnerId = (await makePartner(database.db)).id;
  const cookie = async (role: (typeof USER_ROLES)[number], withPartner = false) => {
    const user = await makeUser(database.db, { role, partnerId: withPartner ? partnerId : null });
    return (await sessionCookieFor(database.db, user.id)).cookie;
  };
  cookieOf = {
    partner_rep: await cookie('partner_rep', true),
    partner_admin: await cookie('partner_admin', true),
    channel_manager: await cookie('channel_manager'),
    campaign_coordinator: await cookie('campaign_coordinator'),
    admin: await cookie('admin'),
  };
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

const loadQueue = async (headers: Record<string, string> = {}) =>
  unwrap<{ counts?: unknown }>(
    await settle(() =>
      queueRoute.loader({
        request: new Request('http://localhost/queue', { headers }),
        params: {},
        context: {},
      }),
    ),
  );

describe('the routing queue', () => {
  it('sends an anonymous visitor to sign in, and back afterwards', async () => {
    const answer = await loadQueue();
    expect(answer.status).toBe(302);
    expect(answer.headers.get('Location')).toBe('/sign-in?redirectTo=%2Fqueue');
  });

  it('is not there (404) for partner users and campaign coordinators, and the refusal is logged', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const role of ['partner_rep', 'partner_admin', 'campaign_coordinator'] as const) {
        const answer = await loadQueue({ Cookie: cookieOf[role] });
        expect(answer.status, role).toBe(404);
        expect(answer.data).toBeUndefined();
      }
      expect(warn).toHaveBeenCalledTimes(3);
      expect(String(warn.mock.calls[0]![0])).toContain('read:routing-queue:any');
    } finally {
      warn.mockRestore();
    }
  });

  it('opens for channel managers and admins', async () => {
    for (const role of ['channel_manager', 'admin'] as const) {
      const answer = await loadQueue({ Cookie: cookieOf[role] });
      expect(answer.status, role).toBe(200);
      expect(answer.data.counts).toBeDefined();
    }
  });
});

describe('the sign-in page', () => {
  it('sends someone already signed in to their home page', async () => {
    const answer = unwrap(
      await settle(() =>
        signInRoute.loader({
          request: new Request('http://localhost/sign-in', { headers: { Cookie: cookieOf.channel_manager } }),
          params: {},
          context: {},
        }),
      ),
    );
    expect(answer.headers.get('Location')).toBe('/queue');
  });
});

describe('requireRole and requirePermission', () => {
  const request = (cookie: string) =>
    new Request('http://localhost/anything', { headers: { Cookie: cookie } });

  it('return the user whose role fits, and refuse others with 404', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const rep = await permissions.requireRole(request(cookieOf.partner_rep), [
        'partner_rep',
        'partner_admin',
      ]);
      expect(rep).toMatchObject({ role: 'partner_rep', partnerId });
      const refused = await settle(() => permissions.requireRole(request(cookieOf.partner_rep), ['admin']));
      expect((refused as Response).status).toBe(404);

      const own = await permissions.requirePermission(request(cookieOf.partner_admin), 'update:partner:own');
      expect(own.role).toBe('partner_admin');
      const repCannot = await settle(() =>
        permissions.requirePermission(request(cookieOf.partner_rep), 'update:partner:own'),
      );
      expect((repCannot as Response).status).toBe(404);
      // An admin holds every `any`, which also covers the `own` form.
      const admin = await permissions.requirePermission(request(cookieOf.admin), 'read:offer:own');
      expect(admin.role).toBe('admin');
    } finally {
      warn.mockRestore();
    }
  });
});
