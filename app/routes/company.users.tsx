import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { formatUtc } from '../components/countdown';
import { CsrfField } from '../components/csrf-field';
import { SelectField } from '../components/select-field';
import { TextField } from '../components/text-field';
import { systemClock } from '../domain/clock';
import { isDomainError } from '../domain/errors';
import {
  addCompanyUser,
  disableCompanyUser,
  listCompanyUsers,
} from '../domain/partners/company-users.server';
import { COMPANY_USER_ROLES, COMPANY_USER_ROLE_LABELS, MIN_PASSWORD_LENGTH } from '../domain/partners/labels';
import { database } from '../utils/db.server';
import { notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import { hashPassword } from '../utils/password.server';
import { formFor, peekField, routeAction, routeLoader } from '../utils/route-kit.server';
import { disableUser, type SessionUser } from '../utils/session.server';

export const meta: MetaFunction = () => [{ title: 'Company users · Baton' }];

function ownCompany(user: SessionUser) {
  const scope = partnerScope(user);
  if (!scope) notFoundForForeign(user, 'company users page', '-');
  return scope;
}

// Partner admins only: reps and vendor staff get a 404.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:user:own');
  const scope = ownCompany(user);
  const people = await listCompanyUsers(database(), scope);
  return {
    me: user.id,
    users: people.map((person) => ({
      id: person.id,
      name: person.name,
      email: person.email,
      role: person.role,
      disabledAt: person.disabledAt?.toISOString() ?? null,
    })),
  };
});

const ADD_FIELDS = ['name', 'email', 'role'] as const;
type UsersAnswer = {
  intent: 'add' | 'disable';
  ok: boolean;
  message: string;
  fieldErrors: Record<string, string>;
  values: Record<string, string>;
};

const disableSchema = z.object({ userId: z.coerce.number().int().positive() });

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  // Disabling a user and adding one are separate permissions; the form's intent says which.
  const { visitor, form } = await formFor(request, async (request) => {
    const disabling = (await peekField(request, 'intent')) === 'disable';
    const user = await requirePermission(request, disabling ? 'update:user:own' : 'create:user:own');
    return { user, scope: ownCompany(user) };
  });
  const { user, scope } = visitor;
  if (form.get('intent') === 'disable') {
    const parsed = disableSchema.safeParse({ userId: form.get('userId') });
    if (!parsed.success) notFoundForForeign(user, 'user', String(form.get('userId')));
    try {
      const db = database();
      const disableAccount = (userId: number) => disableUser(userId, { db, clock: systemClock });
      await disableCompanyUser({ db, disableAccount }, scope, {
        userId: parsed.data.userId,
        actorUserId: user.id,
      });
    } catch (error) {
      if (isDomainError(error, 'not_found')) notFoundForForeign(user, 'user', parsed.data.userId);
      if (isDomainError(error, 'invalid_input'))
        return data<UsersAnswer>(
          { intent: 'disable', ok: false, message: error.message, fieldErrors: {}, values: {} },
          { status: 400 },
        );
      throw error;
    }
    return data<UsersAnswer>({
      intent: 'disable',
      ok: true,
      message: 'The user is disabled and has been signed out everywhere.',
      fieldErrors: {},
      values: {},
    });
  }

  const input = {
    name: form.get('name') ?? '',
    email: form.get('email') ?? '',
    role: form.get('role') ?? '',
    temporaryPassword: form.get('temporaryPassword') ?? '',
  };
  const added = await addCompanyUser(database(), scope, input, { hashPassword });
  if (!added.ok) {
    const values: Record<string, string> = {};
    for (const key of ADD_FIELDS) values[key] = typeof input[key] === 'string' ? input[key] : '';
    return data<UsersAnswer>(
      {
        intent: 'add',
        ok: false,
        message: 'Nobody was added: correct the fields marked below.',
        fieldErrors: added.fieldErrors,
        values,
      },
      { status: 400 },
    );
  }
  return data<UsersAnswer>({
    intent: 'add',
    ok: true,
    message: 'User added. Hand them the temporary password in person or by phone, never by email.',
    fieldErrors: {},
    values: {},
  });
});

export default function CompanyUsers() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const navigation = useNavigation();
  const adding = navigation.formData?.get('intent') === 'add';
  const refused = answer?.intent === 'add' && !answer.ok ? answer : undefined;
  const errors = refused?.fieldErrors ?? {};
  return (
    <>
      <section className="panel" aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
        {answer?.intent === 'disable' ? (
          <p className={answer.ok ? 'form__status' : 'form__status form__status--error'} role="status">
            {answer.message}
          </p>
        ) : null}
        <div className="table-scroll" role="region" aria-label="Company users" tabIndex={0}>
          <table className="table">
            <caption className="visually-hidden">Company users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.users.map((person) => (
                <tr key={person.id}>
                  <td>{person.name}</td>
                  <td>{person.email}</td>
                  <td>
                    {COMPANY_USER_ROLE_LABELS[person.role as keyof typeof COMPANY_USER_ROLE_LABELS] ??
                      person.role}
                  </td>
                  <td>
                    {person.disabledAt ? (
                      <span className="badge badge--danger">Disabled {formatUtc(person.disabledAt)}</span>
                    ) : (
                      'Active'
                    )}
                  </td>
                  <td>
                    {person.disabledAt || person.id === page.me ? null : (
                      <Form method="post">
                        <CsrfField />
                        <input type="hidden" name="intent" value="disable" />
                        <input type="hidden" name="userId" value={person.id} />
                        <button type="submit" className="button button--secondary button--small">
                          Disable<span className="visually-hidden"> {person.name}</span>
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="add-title">
        <h2 id="add-title">Add a user</h2>
        <Form method="post" className="form" noValidate key={refused ? 'refused' : 'fresh'}>
          <CsrfField />
          <input type="hidden" name="intent" value="add" />
          <TextField
            id="name"
            name="name"
            label="Name"
            autoComplete="off"
            defaultValue={refused?.values.name}
            error={errors.name}
          />
          <TextField
            id="email"
            name="email"
            label="Work email"
            type="email"
            autoComplete="off"
            defaultValue={refused?.values.email}
            error={errors.email}
          />
          <SelectField
            id="role"
            name="role"
            label="Role"
            options={COMPANY_USER_ROLES.map((role) => ({
              value: role,
              label: COMPANY_USER_ROLE_LABELS[role],
            }))}
            defaultValue={refused?.values.role || 'partner_rep'}
            error={errors.role}
          />
          <TextField
            id="temporaryPassword"
            name="temporaryPassword"
            label="Temporary password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters. Only a hash of it is kept.`}
            type="password"
            autoComplete="new-password"
            error={errors.temporaryPassword}
          />
          <button type="submit" className="button" disabled={adding}>
            {adding ? 'Adding…' : 'Add user'}
          </button>
          {answer?.intent === 'add' ? (
            <p className={answer.ok ? 'form__status' : 'form__status form__status--error'} role="status">
              {answer.message}
            </p>
          ) : null}
        </Form>
      </section>
    </>
  );
}
