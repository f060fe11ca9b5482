import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { CsrfField } from '../components/csrf-field';
import { systemClock } from '../domain/clock';
import { DUPLICATE_REASON_LABELS, findLikelyDuplicates } from '../domain/customers/duplicates.server';
import { mergeCustomers, previewMerge, type MergeCounts } from '../domain/customers/merge.server';
import { isDomainError } from '../domain/errors';
import { getCustomerForMerge, searchLiveCustomers } from '../models/customers.server';
import customersStylesUrl from '../styles/customers.css?url';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import {
  domainErrorStatus,
  formFor,
  idParam,
  MAX_ID,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
  searchParamsOf,
} from '../utils/route-kit.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: customersStylesUrl },
];
export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page ? `Merge ${page.record.name} · Baton` : 'Merge customer records · Baton' },
];

const recordId = z.coerce.number().int().positive().max(MAX_ID);
const pickSchema = z.object({
  other: recordId.nullable().catch(null),
  keep: z.enum(['this', 'other']).catch('other'),
  q: z.string().trim().max(200).catch(''),
});

const describe = (row: { id: number; name: string; domain: string | null; country: string }) => ({
  id: row.id,
  name: row.name,
  domain: row.domain,
  country: row.country,
});

type Described = ReturnType<typeof describe>;
type MergePreview = { keepId: number; mergeId: number; otherId: number } & (
  { error: string } | { error: null; keep: Described; merge: Described; counts: MergeCounts }
);

// Channel managers and admins (merge:customer:any): pick the record to keep, see what moves,
// confirm. This page's record is one of the two; either may be the one kept.
export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'merge:customer:any');
  const customerId = idParam(params, 'customerId');
  const db = database();
  const found = await getCustomerForMerge(db, customerId);
  if (!found) throw notFound();
  const record = { ...describe(found.customer), owner: found.ownerPartnerName ?? 'Vendor' };
  if (found.customer.mergedIntoId !== null) {
    return {
      record,
      mergedIntoId: found.customer.mergedIntoId as number | null,
      suggestions: [],
      found: [],
      query: '',
      preview: null,
    };
  }
  const searchParams = searchParamsOf(request);
  const pick = pickSchema.parse({
    other: searchParams.get('other') || null,
    keep: searchParams.get('keep') ?? 'other',
    q: searchParams.get('q') ?? '',
  });
  const [check, searched] = await Promise.all([
    findLikelyDuplicates(db, {
      name: found.customer.name,
      domain: found.customer.domain,
      scope: null,
      excludeId: customerId,
    }),
    pick.q ? searchLiveCustomers(db, pick.q, customerId) : Promise.resolve([]),
  ]);
  const suggestionIds = new Set(check.duplicates.map((d) => d.id));

  let preview: MergePreview | null = null;
  if (pick.other !== null) {
    const keepId = pick.keep === 'this' ? customerId : pick.other;
    const mergeId = pick.keep === 'this' ? pick.other : customerId;
    const ids = { keepId, mergeId, otherId: pick.other };
    try {
      const { keep, merge, counts } = await previewMerge(db, { keepId, mergeId });
      preview = { ...ids, keep: describe(keep), merge: describe(merge), counts, error: null };
    } catch (error) {
      if (!isDomainError(error)) throw error;
      preview = { ...ids, error: error.message };
    }
  }
  return {
    record,
    mergedIntoId: null as number | null,
    query: pick.q,
    suggestions: check.duplicates.map((d) => ({ ...describe(d), why: DUPLICATE_REASON_LABELS[d.reason] })),
    found: searched.filter((row) => !suggestionIds.has(row.id)).map(describe),
    preview,
  };
});

type MergeAnswer = { formError: string };

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { visitor: user, form: formData } = await formFor(request, permissionTo('merge:customer:any'));
  const customerId = idParam(params, 'customerId');
  const parsed = z
    .object({ keepId: recordId, mergeId: recordId })
    .safeParse({ keepId: formData.get('keepId'), mergeId: formData.get('mergeId') });
  if (!parsed.success || (parsed.data.keepId !== customerId && parsed.data.mergeId !== customerId)) {
    return data<MergeAnswer>(
      { formError: 'Choose the record to keep from the list, then confirm the merge.' },
      { status: 400 },
    );
  }
  const { keepId, mergeId } = parsed.data;
  try {
    await mergeCustomers(database(), { keepId, mergeId, userId: user.id }, systemClock);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return data<MergeAnswer>(
      { formError: error.message },
      // The ids were checked above: what the domain refuses is the records' state (merged meanwhile).
      { status: domainErrorStatus(error, { invalidInputIsConflict: true }) },
    );
  }
  throw redirect(`/customers/${keepId}?merged=${mergeId}`);
});

export default function MergeCustomer() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const r = page.record;
  const pickHref = (otherId: number, keep: 'this' | 'other') =>
    `/customers/${r.id}/merge?${new URLSearchParams({ other: String(otherId), keep })}`;
  const candidates = [
    ...page.suggestions.map((s) => ({ ...s, why: s.why as string | null })),
    ...page.found.map((f) => ({ ...f, why: null as string | null })),
  ];

  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/customers">Customers</Link> › <Link to={`/customers/${r.id}`}>{r.name}</Link> › Merge
        </p>
        <h1>Merge {r.name} with a duplicate</h1>
        <p className="muted">
          Record #{r.id}
          {r.domain ? `, ${r.domain}` : ''}, {r.country}, owned by {r.owner}. The record merged away keeps its
          history; its opportunities, contacts and campaign target accounts move to the record kept.
        </p>
        {answer?.formError ? (
          <p className="notice notice--danger" role="alert">
            {answer.formError}
          </p>
        ) : null}
      </div>

      {page.mergedIntoId !== null ? (
        <p className="notice" role="status">
          This record was already merged into{' '}
          <Link to={`/customers/${page.mergedIntoId}`}>record #{page.mergedIntoId}</Link>.
        </p>
      ) : (
        <>
          {page.preview ? (
            <section className="panel" aria-labelledby="preview-title">
              <h2 id="preview-title">Preview</h2>
              {page.preview.error !== null ? (
                <p className="notice notice--danger" role="alert">
                  {page.preview.error}
                </p>
              ) : (
                <>
                  <p>
                    Keep{' '}
                    <strong>
                      #{page.preview.keep.id} {page.preview.keep.name}
                    </strong>
                    ; merge{' '}
                    <strong>
                      #{page.preview.merge.id} {page.preview.merge.name}
                    </strong>{' '}
                    into it.{' '}
                    <Link
                      to={pickHref(page.preview.otherId, page.preview.keepId === r.id ? 'other' : 'this')}
                    >
                      Keep the other one instead
                    </Link>
                  </p>
                  <ul>
                    <li>
                      {page.preview.counts.opportunities} opportunities move (each timeline records the merge)
                    </li>
                    <li>{page.preview.counts.contacts} contacts move</li>
                    <li>
                      {page.preview.counts.campaignAccounts} campaign target accounts move
                      {page.preview.counts.campaignAccountsAlreadyThere > 0
                        ? `; ${page.preview.counts.campaignAccountsAlreadyThere} are already targets on the kept record`
                        : ''}
                    </li>
                  </ul>
                  <Form method="post" className="form" aria-label="Confirm the merge">
                    <CsrfField />
                    <input type="hidden" name="keepId" value={page.preview.keep.id} />
                    <input type="hidden" name="mergeId" value={page.preview.merge.id} />
                    <button type="submit" className="button button--danger" disabled={busy}>
                      Merge #{page.preview.merge.id} into #{page.preview.keep.id}
                    </button>
                  </Form>
                </>
              )}
            </section>
          ) : null}

          <section className="panel" aria-labelledby="candidates-title">
            <h2 id="candidates-title">Pick the other record</h2>
            <Form method="get" className="field-row" role="search">
              <div className="field">
                <label htmlFor="q">Search by name or web domain</label>
                <input id="q" name="q" type="search" defaultValue={page.query} maxLength={200} />
              </div>
              <div className="field customers-search__submit">
                <button type="submit" className="button button--secondary">
                  Search
                </button>
              </div>
            </Form>
            {candidates.length === 0 ? (
              <p className="empty">No likely duplicate found; search for the other record.</p>
            ) : (
              <div className="table-scroll" role="region" aria-label="Records to merge with" tabIndex={0}>
                <table className="table">
                  <caption className="visually-hidden">Likely duplicates first, then search results</caption>
                  <thead>
                    <tr>
                      <th scope="col">Record</th>
                      <th scope="col">Domain</th>
                      <th scope="col">Country</th>
                      <th scope="col">Why</th>
                      <th scope="col">Choose</th>
                    </tr>
                  </thead>
                  <tbody>
                    {candidates.map((c) => (
                      <tr key={c.id}>
                        <th scope="row">
                          <Link to={`/customers/${c.id}`}>
                            #{c.id} {c.name}
                          </Link>
                        </th>
                        <td>{c.domain ?? '—'}</td>
                        <td>{c.country}</td>
                        <td>{c.why ?? 'Search result'}</td>
                        <td className="nowrap">
                          <Link to={pickHref(c.id, 'other')}>Keep #{c.id}</Link> ·{' '}
                          <Link to={pickHref(c.id, 'this')}>Keep #{r.id}</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
