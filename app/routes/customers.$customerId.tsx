import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { CsrfField } from '../components/csrf-field';
import { formatMoney } from '../components/money';
import { FactsList } from '../components/facts-list';
import { systemClock } from '../domain/clock';
import {
  addContact,
  contributedBy,
  customerExists,
  newContactSchema,
  recordContactView,
} from '../domain/customers/records.server';
import { customerVisibleTo, survivorOf } from '../domain/customers/visibility.server';
import { isDomainError } from '../domain/errors';
import { contactViewsOf, getCustomerPage } from '../models/customers.server';
import { formatInZone, sizeSegmentLabel } from '../models/inbox.server';
import customersStylesUrl from '../styles/customers.css?url';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { can, notFoundForForeign, partnerScope, requirePermission } from '../utils/permissions.server';
import {
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';
import type { SessionUser } from '../utils/session.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: customersStylesUrl },
];
export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `${page.customer.name} · Customers · Baton` : 'Customer · Baton' },
];

/**
 * Not on the page: a merged record sends the viewer on to the record it became, if they may
 * see that one; a record of someone else's is logged and answered like a missing one.
 */
async function notShown(user: SessionUser, customerId: number): Promise<never> {
  const db = database();
  const survivorId = await survivorOf(db, customerId);
  if (survivorId !== null && (await customerVisibleTo(db, partnerScope(user), survivorId))) {
    throw redirect(`/customers/${survivorId}`);
  }
  if (await customerExists(db, customerId)) notFoundForForeign(user, 'customer', customerId);
  throw notFound();
}

const STATUS_LABELS: Record<string, string> = {
  new: 'Waiting for routing',
  offered: 'Offered',
  accepted: 'Accepted',
  contacted: 'Contacted',
  proposal: 'Proposal',
  won: 'Won',
  lost: 'Lost',
  unroutable: 'Unroutable',
  withdrawn: 'Withdrawn',
  registered: 'Registration pending',
  registration_declined: 'Registration declined',
};

// Vendor staff see every record; a partner's users only those their company may see, and each
// time they are shown its contacts it is recorded.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:customer:own');
  const customerId = idParam(params, 'customerId');
  const scope = partnerScope(user);
  const db = database();
  const page = await getCustomerPage(db, { scope, customerId });
  if (!page) return notShown(user, customerId);
  if (scope) {
    await recordContactView(db, { customerId, userId: user.id, partnerId: scope.partnerId }, systemClock);
  }
  const views = can(user, 'read:contact-views:any') ? await contactViewsOf(db, customerId) : null;
  const c = page.customer;
  const opportunityHref = (id: number) =>
    scope ? `/leads/${id}` : can(user, 'read:opportunity:any') ? `/opportunities/${id}` : null;
  return {
    customer: {
      id: c.id,
      name: c.name,
      domain: c.domain,
      country: c.country,
      industry: c.industry,
      sizeSegment: sizeSegmentLabel(c.sizeSegment),
      revenuePotential: c.revenuePotential,
      address: c.address,
      owner: page.owner,
    },
    contacts: page.contacts.map((contact) => ({
      id: contact.id,
      name: contact.name,
      title: contact.title,
      email: contact.email,
      phone: contact.phone,
      consentToContact: contact.consentToContact,
    })),
    partnerView: scope !== null,
    opportunities: page.opportunities.map((o) => ({
      id: o.id,
      need: o.need,
      productLine: o.productLine,
      status: STATUS_LABELS[o.status] ?? o.status,
      value: formatMoney(o.valueMinor, o.currency),
      // Partners only see their own leads here, so a holder's name is only ever shown to staff.
      holder: scope ? null : o.holderName,
      updated: formatInZone(o.updatedAt, user.timezone),
      href: opportunityHref(o.id),
    })),
    contactViews:
      views?.map((view) => ({
        id: view.id,
        at: formatInZone(view.viewedAt, user.timezone),
        atIso: view.viewedAt.toISOString(),
        who: `${view.userName} (${view.userEmail})`,
        partner: view.partnerName,
      })) ?? null,
    mayAddContact: scope
      ? can(user, 'update:customer:own') && c.ownerPartnerId === scope.partnerId
      : can(user, 'update:customer:any'),
    mayMerge: can(user, 'merge:customer:any'),
  };
});

type ContactField = 'name' | 'title' | 'email' | 'phone' | 'consentToContact';
type ContactAnswer = {
  fieldErrors: Partial<Record<ContactField, string>>;
  formError: string | null;
  values: Record<string, string>;
};

// Adds a contact: vendor staff with update:customer:any to any record, a partner's users to the
// records their company contributed.
export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('update:customer:own'));
  const customerId = idParam(params, 'customerId');
  const scope = partnerScope(user);
  if (!scope && !can(user, 'update:customer:any')) notFoundForForeign(user, 'customer', customerId);
  // Before any validation: a partner's form for a record it may not change answers 404 like a
  // missing one, never a field error that would confirm the record exists.
  if (scope && !(await contributedBy(database(), scope, customerId))) {
    if (await customerExists(database(), customerId)) notFoundForForeign(user, 'customer', customerId);
    throw notFound();
  }
  const text = (name: string) => {
    const value = formData.get(name);
    return typeof value === 'string' ? value : '';
  };
  const values = {
    name: text('name'),
    title: text('title'),
    email: text('email'),
    phone: text('phone'),
    consentToContact: text('consentToContact'),
  };
  const parsed = newContactSchema.safeParse({
    ...values,
    consentToContact: values.consentToContact === 'yes',
  });
  if (!parsed.success) {
    const fieldErrors: ContactAnswer['fieldErrors'] = {};
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name') as ContactField;
      fieldErrors[field] ??= issue.message;
    }
    return data<ContactAnswer>({ fieldErrors, formError: null, values }, { status: 400 });
  }
  try {
    await addContact(database(), { customerId, editor: scope, contact: parsed.data });
  } catch (error) {
    if (!isDomainError(error, 'not_found')) throw error;
    if (await customerExists(database(), customerId)) notFoundForForeign(user, 'customer', customerId);
    throw notFound();
  }
  throw redirect(`/customers/${customerId}?added=contact`);
});

export default function CustomerPage() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const busy = useNavigation().state === 'submitting';
  const c = page.customer;
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.values ?? {};
  const merged = searchParams.get('merged');
  const added = searchParams.get('added') === 'contact';

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/customers">Customers</Link> › {c.name}
        </p>
        <h1>{c.name}</h1>
        {merged && /^\d+$/.test(merged) ? (
          <p className="notice" role="status">
            Customer record #{merged} was merged into this one.
          </p>
        ) : null}
        {added && !answer ? (
          <p className="notice" role="status">
            The contact was added.
          </p>
        ) : null}
        {page.mayMerge ? (
          <p>
            <Link to={`/customers/${c.id}/merge`}>Merge with a duplicate…</Link>
          </p>
        ) : null}
      </div>

      <div className="manager-columns">
        <section className="panel" aria-labelledby="record-title">
          <h2 id="record-title">The record</h2>
          <FactsList
            facts={[
              { term: 'Name', value: c.name },
              { term: 'Web domain', value: c.domain ?? 'Not recorded' },
              { term: 'Country', value: c.country },
              { term: 'Industry', value: c.industry },
              { term: 'Size', value: c.sizeSegment },
              { term: 'Revenue potential', value: c.revenuePotential },
              { term: 'Address', value: c.address ?? 'Not recorded' },
              { term: 'Owner', value: c.owner },
            ]}
          />
        </section>

        <section className="panel" aria-labelledby="contacts-title">
          <h2 id="contacts-title">Contacts</h2>
          {page.partnerView ? (
            <p className="subtle">Your views of these contacts are recorded for the vendor.</p>
          ) : null}
          {page.contacts.length === 0 ? (
            <p className="empty">No contacts are recorded for this customer.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Contacts" tabIndex={0}>
              <table className="table">
                <caption className="visually-hidden">Contacts of {c.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Title</th>
                    <th scope="col">Email</th>
                    <th scope="col">Phone</th>
                    <th scope="col">Consent</th>
                  </tr>
                </thead>
                <tbody>
                  {page.contacts.map((contact) => (
                    <tr key={contact.id}>
                      <th scope="row">{contact.name}</th>
                      <td>{contact.title ?? '—'}</td>
                      <td>{contact.email ? <a href={`mailto:${contact.email}`}>{contact.email}</a> : '—'}</td>
                      <td>{contact.phone ? <a href={`tel:${contact.phone}`}>{contact.phone}</a> : '—'}</td>
                      <td>{contact.consentToContact ? 'Agreed to be contacted' : 'No consent'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      {page.mayAddContact ? (
        <Form method="post" className="form panel" noValidate aria-labelledby="add-contact-title">
          <h2 id="add-contact-title">Add a contact</h2>
          <CsrfField />
          <div className="field-row">
            <TextField name="name" label="Name" error={errors.name} defaultValue={typed.name} />
            <TextField
              name="title"
              label="Title (optional)"
              error={errors.title}
              defaultValue={typed.title}
            />
            <TextField
              name="email"
              label="Email (optional)"
              type="email"
              error={errors.email}
              defaultValue={typed.email}
            />
            <TextField
              name="phone"
              label="Phone (optional)"
              type="tel"
              error={errors.phone}
              defaultValue={typed.phone}
            />
          </div>
          <div className="choice">
            <input
              type="checkbox"
              id="field-consentToContact"
              name="consentToContact"
              value="yes"
              defaultChecked={typed.consentToContact === 'yes'}
            />
            <label htmlFor="field-consentToContact">This person agreed to be contacted</label>
          </div>
          <button type="submit" className="button" disabled={busy}>
            Add the contact
          </button>
        </Form>
      ) : null}

      <section className="panel" aria-labelledby="opportunities-title">
        <h2 id="opportunities-title">
          {page.partnerView ? 'Your leads with this customer' : 'Opportunities'}
        </h2>
        {page.opportunities.length === 0 ? (
          <p className="empty">
            {page.partnerView ? 'Your company holds no lead of this customer.' : 'No opportunity yet.'}
          </p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Opportunities" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Opportunities of {c.name}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Lead</th>
                  <th scope="col">Need</th>
                  <th scope="col">Product line</th>
                  <th scope="col">Status</th>
                  {page.partnerView ? null : <th scope="col">Partner</th>}
                  <th scope="col" className="numeric">
                    Value
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.opportunities.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">{o.href ? <Link to={o.href}>#{o.id}</Link> : `#${o.id}`}</th>
                    <td className="need">{o.need}</td>
                    <td>{o.productLine}</td>
                    <td>{o.status}</td>
                    {page.partnerView ? null : <td>{o.holder ?? '—'}</td>}
                    <td className="numeric nowrap">{o.value}</td>
                    <td className="nowrap">{o.updated}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {page.contactViews ? (
        <section className="panel" aria-labelledby="views-title">
          <h2 id="views-title">Who at the partners looked at the contacts</h2>
          {page.contactViews.length === 0 ? (
            <p className="empty">No partner user has viewed these contacts.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Contact views" tabIndex={0}>
              <table className="table">
                <caption className="visually-hidden">Contact views, latest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">Partner</th>
                  </tr>
                </thead>
                <tbody>
                  {page.contactViews.map((view) => (
                    <tr key={view.id}>
                      <td className="nowrap">
                        <time dateTime={view.atIso}>{view.at}</time>
                      </td>
                      <td>{view.who}</td>
                      <td>{view.partner}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ) : null}
    </>
  );
}

function TextField({
  name,
  label,
  error,
  defaultValue,
  type = 'text',
}: {
  name: string;
  label: string;
  error?: string;
  defaultValue?: string;
  type?: 'text' | 'email' | 'tel';
}) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
