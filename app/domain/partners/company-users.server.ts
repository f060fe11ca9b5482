import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { partners, users } from '../../../db/schema';
import { DomainError, notFound } from '../errors';
import type { PartnerScope } from '../partner-scope';
import { fieldErrorsOf, type FieldErrors } from './field-errors';
import { newCompanyUserSchema } from './profile';

/** The company's own users, never anyone else's: the scope is the WHERE. */
export async function listCompanyUsers(db: Database, scope: PartnerScope) {
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.partnerId, scope.partnerId))
    .orderBy(sql`${users.disabledAt} IS NOT NULL`, asc(users.name), asc(users.id));
}

export type AddedUser = { ok: true; userId: number } | { ok: false; fieldErrors: FieldErrors };

/**
 * A new rep or admin of the company, signing in with a temporary password that the admin hands
 * over. Only the hash is stored; the user takes the company's time zone.
 */
export async function addCompanyUser(
  db: Database,
  scope: PartnerScope,
  input: unknown,
  /** The web layer's password hashing (app/utils/password.server.ts). */
  auth: { hashPassword: (password: string) => Promise<string> },
): Promise<AddedUser> {
  const parsed = newCompanyUserSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error) };
  const person = parsed.data;
  const [taken] = await db
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.email})`, person.email.toLowerCase()));
  if (taken) return { ok: false, fieldErrors: { email: 'This email already has a Baton account.' } };
  const [company] = await db
    .select({ timezone: partners.timezone })
    .from(partners)
    .where(eq(partners.id, scope.partnerId));
  if (!company) throw notFound('partner', scope.partnerId);
  const passwordHash = await auth.hashPassword(person.temporaryPassword);
  try {
    const [row] = await db
      .insert(users)
      .values({
        name: person.name,
        email: person.email,
        role: person.role,
        partnerId: scope.partnerId,
        passwordHash,
        timezone: company.timezone,
      })
      .returning({ id: users.id });
    return { ok: true, userId: row!.id };
  } catch (error) {
    // Two admins adding the same address at once: the unique index decides.
    if (isUniqueViolation(error))
      return { ok: false, fieldErrors: { email: 'This email already has a Baton account.' } };
    throw error;
  }
}

/**
 * Disables one of the company's users; every session of theirs ends at once. A foreign or
 * unknown id is not found. Admins cannot disable themselves, so a company never locks out the
 * person doing the locking by a slip of the mouse.
 */
export async function disableCompanyUser(
  /** `disableAccount` marks the user disabled and ends their sessions (app/utils/session.server.ts). */
  deps: { db: Database; disableAccount: (userId: number) => Promise<void> },
  scope: PartnerScope,
  input: { userId: number; actorUserId: number },
): Promise<void> {
  const [user] = await deps.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, input.userId), eq(users.partnerId, scope.partnerId)));
  if (!user) throw notFound('user', input.userId);
  if (user.id === input.actorUserId)
    throw new DomainError('invalid_input', 'You cannot disable your own account.', 'userId');
  await deps.disableAccount(user.id);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === '23505';
}
