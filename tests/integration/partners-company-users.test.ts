import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type * as CompanyUsersRoute from '../../app/routes/company.users';
import { verifyPassword } from '../../app/utils/password.server';
import type * as SessionModule from '../../app/utils/session.server';
import { sessions, users } from '../../db/schema';
import { formPost, makeUser, sessionCookieFor, settle, unwrap } from '../support/auth-fixtures';
import { makePartner } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
let usersRoute: typeof CompanyUsersRoute;
let getCurrentSession: typeof SessionModule.getCurrentSession;
let closeDatabase: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL = inject('redisUrl');
  usersRoute = await import('../../app/routes/company.users');
  getCurrentSession = (await import('../../app/utils/session.server')).getCurrentSession;
  closeDatabase = (await import('../../app/utils/db.server')).closeDatabase;
});
afterAll(async () => {
  await closeDatabase?.();
  await database.drop();
});

type Answer = { ok: boolean; message: string; fieldErrors: Record<string, string> };

async function companyWithAdmin() {
  const company = await makePartner(database.db, { timezone: 'Europe/Oslo' });
  const admin = await makeUser(database.db, { role: 'partner_admin', partnerId: company.id });
  const { cookie, session } = await sessionCookieFor(database.db, admin.id);
  return { company, admin, cookie, csrf: session.csrfToken };
}

const post = (fields: Record<string, string>, cookie: string) =>
  settle(() =>
    usersRoute.action({
      request: formPost('http://localhost/company/users', fields, { Cookie: cookie }),
      params: {},
      context: {},
    }),
  );

const load = (cookie: string) =>
  settle(() =>
    usersRoute.loader({
      request: new Request('http://localhost/company/users', { headers: { Cookie: cookie } }),
      params: {},
      context: {},
    }),
  );

describe('a partner admin and the company’s users', () => {
  it('lists only the company’s own users', async () => {
    const { company, admin, cookie } = await companyWithAdmin();
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: company.id });
    const elsewhere = await makePartner(database.db);
    await makeUser(database.db, { role: 'partner_rep', partnerId: elsewhere.id });
    await makeUser(database.db, { role: 'channel_manager' });
    const page = unwrap<{ users: { id: number }[] }>(await load(cookie));
    expect(page.data.users.map((u) => u.id).sort()).toEqual([admin.id, rep.id].sort());
  });

  it('adds a rep whose temporary password is stored only as a hash, in the company’s time zone', async () => {
    const { company, cookie, csrf } = await companyWithAdmin();
    const answer = unwrap<Answer>(
      await post(
        {
          csrf,
          intent: 'add',
          name: 'Kari Nordmann',
          email: 'kari@fjord.example',
          role: 'partner_rep',
          temporaryPassword: 'fjord-temporary-2026',
        },
        cookie,
      ),
    );
    expect(answer.status).toBe(200);
    const [row] = await database.db.select().from(users).where(eq(users.email, 'kari@fjord.example'));
    expect(row).toMatchObject({ role: 'partner_rep', partnerId: company.id, timezone: 'Europe/Oslo' });
    expect(row!.passwordHash).not.toContain('fjord-temporary-2026');
    expect(await verifyPassword('fjord-temporary-2026', row!.passwordHash)).toBe(true);
  });

  it('refuses bad fields next to each, and an email already in use, adding nobody', async () => {
    const { cookie, csrf } = await companyWithAdmin();
    const taken = await makeUser(database.db);
    const count = async () => (await database.db.select({ id: users.id }).from(users)).length;
    const before = await count();
    const bad = unwrap<Answer>(
      await post(
        { csrf, intent: 'add', name: '', email: 'not-an-email', role: 'admin', temporaryPassword: 'short' },
        cookie,
      ),
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.data.fieldErrors).sort()).toEqual(['email', 'name', 'role', 'temporaryPassword']);
    expect(bad.data.fieldErrors.role).toBe('Choose partner rep or partner admin.');
    expect(bad.data.fieldErrors.temporaryPassword).toContain('at least 12 characters');
    const duplicate = unwrap<Answer>(
      await post(
        {
          csrf,
          intent: 'add',
          name: 'Someone',
          email: taken.email.toUpperCase(),
          role: 'partner_rep',
          temporaryPassword: 'long enough password',
        },
        cookie,
      ),
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.data.fieldErrors.email).toBe('This email already has a Baton account.');
    expect(await count()).toBe(before);
  });

  it('disabling a user ends their session at once', async () => {
    const { company, cookie, csrf } = await companyWithAdmin();
    const rep = await makeUser(database.db, { role: 'partner_rep', partnerId: company.id });
    const repSession = await sessionCookieFor(database.db, rep.id);
    const request = () => new Request('http://localhost/company', { headers: { Cookie: repSession.cookie } });
    expect(await getCurrentSession(request())).not.toBeNull();

    const answer = unwrap<Answer>(await post({ csrf, intent: 'disable', userId: String(rep.id) }, cookie));
    expect(answer.status).toBe(200);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, rep.id))).toHaveLength(0);
    expect(await getCurrentSession(request())).toBeNull();
    const [row] = await database.db.select().from(users).where(eq(users.id, rep.id));
    expect(row!.disabledAt).not.toBeNull();
  });

  it('cannot disable another company’s user (404, nothing changes), nor its own account', async () => {
    const { admin, cookie, csrf } = await companyWithAdmin();
    const elsewhere = await makePartner(database.db);
    const foreign = await makeUser(database.db, { role: 'partner_admin', partnerId: elsewhere.id });
    const foreignSession = await sessionCookieFor(database.db, foreign.id);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const answer = await post({ csrf, intent: 'disable', userId: String(foreign.id) }, cookie);
      expect((answer as Response).status).toBe(404);
      expect(String(warn.mock.calls.at(-1)?.[0])).toContain(`foreign user ${foreign.id}`);
    } finally {
      warn.mockRestore();
    }
    const [row] = await database.db.select().from(users).where(eq(users.id, foreign.id));
    expect(row!.disabledAt).toBeNull();
    expect(
      await database.db.select().from(sessions).where(eq(sessions.id, foreignSession.session.id)),
    ).toHaveLength(1);

    const self = unwrap<Answer>(await post({ csrf, intent: 'disable', userId: String(admin.id) }, cookie));
    expect(self.status).toBe(400);
    expect(self.data.message).toBe('You cannot disable your own account.');
  });

  it('is not there (404) for partner reps and vendor staff', async () => {
    const { company } = await companyWithAdmin();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const [role, partnerId] of [
        ['partner_rep', company.id],
        ['channel_manager', null],
        ['admin', null],
      ] as const) {
        const user = await makeUser(database.db, { role, partnerId });
        const { cookie, session } = await sessionCookieFor(database.db, user.id);
        expect(((await load(cookie)) as Response).status, role).toBe(404);
        const added = await post(
          {
            csrf: session.csrfToken,
            intent: 'add',
            name: 'X',
            email: `x-${role}@example.com`,
            role: 'partner_rep',
            temporaryPassword: 'long enough password',
          },
          cookie,
        );
        expect((added as Response).status, role).toBe(404);
      }
    } finally {
      warn.mockRestore();
    }
  });
});
