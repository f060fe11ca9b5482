import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { listCustomers } from '../models/customers.server';
import { sizeSegmentLabel } from '../models/inbox.server';
import customersStylesUrl from '../styles/customers.css?url';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { can, partnerScope, requirePermission } from '../utils/permissions.server';
import { MAX_ID, routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: customersStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Customers · Baton' }];

const listQuerySchema = z.object({
  q: z.string().trim().max(200).catch(''),
  // A mangled page link starts again from the top rather than failing.
  after: z.coerce.number().int().positive().max(MAX_ID).nullable().catch(null),
});

function listHref(query: string, after: number | null) {
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (after !== null) params.set('after', String(after));
  const search = params.toString();
  return search ? `/customers?${search}` : '/customers';
}

// Vendor staff see every record; a partner's users the records their company may see.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:customer:own');
  const searchParams = searchParamsOf(request);
  const { q, after } = listQuerySchema.parse({
    q: searchParams.get('q') ?? '',
    after: searchParams.get('after') || null,
  });
  const scope = partnerScope(user);
  const list = await listCustomers(database(), { scope, query: q, after });
  return {
    query: q,
    paged: after !== null,
    partnerView: scope !== null,
    mayCreate: can(user, 'create:customer:own'),
    customers: list.customers.map((c) => ({
      id: c.id,
      name: c.name,
      domain: c.domain,
      country: c.country,
      industry: c.industry,
      sizeSegment: sizeSegmentLabel(c.sizeSegment),
      revenuePotential: c.revenuePotential,
      owner: c.owner,
    })),
    nextHref: list.nextAfter === null ? null : listHref(q, list.nextAfter),
    firstHref: listHref(q, null),
  };
});

export default function Customers() {
  const page = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-heading">
        <h1>Customers</h1>
        <p className="muted">
          {page.partnerView
            ? 'The records your company contributed, those behind leads you hold, and the target accounts of campaigns you joined.'
            : 'Every customer record, newest first. Merged duplicates are not listed.'}
        </p>
        {page.mayCreate ? (
          <p>
            <Link className="button" to="/customers/new">
              Add a customer
            </Link>
          </p>
        ) : null}
      </div>

      <section className="panel" aria-labelledby="customer-search-title">
        <h2 id="customer-search-title">Find a customer</h2>
        <Form method="get" className="field-row" role="search">
          <div className="field">
            <label htmlFor="q">Name or web domain</label>
            <input id="q" name="q" type="search" defaultValue={page.query} maxLength={200} />
          </div>
          <div className="field customers-search__submit">
            <button type="submit" className="button button--secondary">
              Search
            </button>
          </div>
        </Form>
      </section>

      <section className="panel" aria-labelledby="customers-title">
        <h2 id="customers-title" className="visually-hidden">
          Customer records
        </h2>
        {page.customers.length === 0 ? (
          <p className="empty">
            {page.query ? 'No customer record matches this search.' : 'No customer records yet.'}
          </p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Customer records" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Customer records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Domain</th>
                  <th scope="col">Country</th>
                  <th scope="col">Industry</th>
                  <th scope="col">Size</th>
                  <th scope="col">Potential</th>
                  <th scope="col">Owner</th>
                </tr>
              </thead>
              <tbody>
                {page.customers.map((customer) => (
                  <tr key={customer.id}>
                    <th scope="row">
                      <Link to={`/customers/${customer.id}`}>{customer.name}</Link>
                    </th>
                    <td>{customer.domain ?? '—'}</td>
                    <td>{customer.country}</td>
                    <td>{customer.industry}</td>
                    <td>{customer.sizeSegment}</td>
                    <td>{customer.revenuePotential}</td>
                    <td>{customer.owner}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.paged || page.nextHref ? (
          <nav aria-label="Pages" className="pager">
            {page.paged ? <Link to={page.firstHref}>First page</Link> : null}
            {page.nextHref ? <Link to={page.nextHref}>Next</Link> : null}
          </nav>
        ) : null}
      </section>
    </>
  );
}
