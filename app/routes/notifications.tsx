import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import {
  EMAIL_STATUS_LABELS,
  EMAIL_STATUSES,
  getNotificationLog,
  LOG_PAGE_SIZE,
  NOTIFICATION_KIND_LABELS,
  notificationLogQuerySchema,
  type NotificationLogQuery,
} from '../models/notification-log.server';
import { formatInZone } from '../models/inbox.server';
import managerStylesUrl from '../styles/manager.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { routeLoader, searchParamsOf } from '../utils/route-kit.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: managerStylesUrl }];
export const meta: MetaFunction = () => [{ title: 'Notification log · Baton' }];

const FILTER_FIELDS = ['status', 'kind'] as const;
type FilterField = (typeof FILTER_FIELDS)[number];
type FieldErrors = Partial<Record<FilterField | 'after', string>>;

/** The same filters, from another cursor on (or from the top without one). */
function logHref(values: Record<FilterField, string>, after: number | null) {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) if (values[field]) params.set(field, values[field]);
  if (after !== null) params.set('after', String(after));
  const query = params.toString();
  return query ? `/notifications?${query}` : '/notifications';
}

// Channel managers and admins; anonymous visitors are sent to sign in, anyone else gets a 404.
export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:notification-log:any');
  const searchParams = searchParamsOf(request);
  const raw = {
    status: searchParams.get('status') ?? '',
    kind: searchParams.get('kind') ?? '',
    after: searchParams.get('after') ?? '',
  };
  const values = { status: raw.status.slice(0, 40), kind: raw.kind.slice(0, 40) };
  const parsed = notificationLogQuerySchema.safeParse(raw);
  const fieldErrors: FieldErrors = {};
  let query: NotificationLogQuery | null = null;
  if (parsed.success) query = parsed.data;
  else {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'status') as FilterField | 'after';
      fieldErrors[field] ??= issue.message;
    }
  }
  // With a bad filter the list stays empty rather than showing rows nobody asked for.
  const log = await getNotificationLog(database(), query);
  return data(
    {
      values,
      fieldErrors,
      paged: query?.after !== undefined,
      pageSize: LOG_PAGE_SIZE,
      timezone: user.timezone,
      counts: EMAIL_STATUSES.map((status) => ({
        status,
        label: EMAIL_STATUS_LABELS[status],
        count: log.counts[status],
      })),
      statusOptions: EMAIL_STATUSES.map((value) => ({ value, label: EMAIL_STATUS_LABELS[value] })),
      kindOptions: Object.entries(NOTIFICATION_KIND_LABELS).map(([value, label]) => ({ value, label })),
      next: log.next,
      rows: log.rows.map((row) => ({
        id: row.id,
        created: formatInZone(row.createdAt, user.timezone),
        createdAt: row.createdAt.toISOString(),
        kind: NOTIFICATION_KIND_LABELS[row.kind],
        recipientName: row.recipientName ?? 'Unknown user',
        recipientEmail: row.recipientEmail ?? '',
        status: row.status,
        statusLabel: EMAIL_STATUS_LABELS[row.status as keyof typeof EMAIL_STATUS_LABELS] ?? row.status,
        attempts: row.attempts,
        lastError: row.lastError,
        sent: row.sentAt ? formatInZone(row.sentAt, user.timezone) : null,
        sentAt: row.sentAt?.toISOString() ?? null,
      })),
    },
    { status: query ? 200 : 400 },
  );
});

const STATUS_BADGES: Record<string, string> = {
  failed: 'badge badge--danger',
  skipped: 'badge badge--expired',
};

export default function NotificationLog() {
  const page = useLoaderData<typeof loader>();
  const { values, fieldErrors } = page;
  const invalid = (id: FilterField) =>
    fieldErrors[id] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};
  return (
    <>
      <div className="page-heading">
        <h1>Notification log</h1>
        <p className="muted">
          Every email Baton made, newest first, {page.pageSize} to a page. Times are in your time zone,{' '}
          {page.timezone}.
        </p>
      </div>

      <section aria-labelledby="counts-title">
        <h2 id="counts-title" className="visually-hidden">
          Emails by status
        </h2>
        <dl className="stats">
          {page.counts.map((entry) => (
            <div
              key={entry.status}
              className={entry.status === 'failed' && entry.count > 0 ? 'stat stat--danger' : 'stat'}
            >
              <dt className="stat__label">{entry.label}</dt>
              <dd className="stat__value">{entry.count.toLocaleString('en-GB')}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="panel" aria-labelledby="filters-title">
        <h2 id="filters-title">Filters</h2>
        <Form key={JSON.stringify(values)} method="get" className="form" noValidate>
          {fieldErrors.after ? (
            <p id="after-error" className="field__error" role="alert">
              {fieldErrors.after}
            </p>
          ) : null}
          <div className="field-row">
            <Field id="status" label="Status" error={fieldErrors.status}>
              <select id="status" name="status" defaultValue={values.status} {...invalid('status')}>
                <option value="">Any status</option>
                {page.statusOptions.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="kind" label="Kind" error={fieldErrors.kind}>
              <select id="kind" name="kind" defaultValue={values.kind} {...invalid('kind')}>
                <option value="">Any kind</option>
                {page.kindOptions.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <button type="submit" className="button">
            Apply filters
          </button>{' '}
          <Link to="/notifications">Clear</Link>
        </Form>
      </section>

      <section className="panel" aria-labelledby="log-title">
        <h2 id="log-title">Emails</h2>
        {page.paged ? (
          <p>
            <Link to={logHref(values, null)}>Back to the first page</Link>
          </p>
        ) : null}
        {page.rows.length === 0 ? (
          <p className="empty">No email matches.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Emails, newest first" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Emails, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Recipient</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="numeric">
                    Attempts
                  </th>
                  <th scope="col">Last error</th>
                  <th scope="col">Sent</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row) => (
                  <tr key={row.id}>
                    <td className="nowrap">
                      <time dateTime={row.createdAt}>{row.created}</time>
                    </td>
                    <td>{row.kind}</td>
                    <td>
                      {row.recipientName}
                      <span className="subtle">{row.recipientEmail}</span>
                    </td>
                    <td>
                      <span className={STATUS_BADGES[row.status] ?? 'badge'}>{row.statusLabel}</span>
                    </td>
                    <td className="numeric">{row.attempts}</td>
                    <td className="need">{row.lastError ?? ''}</td>
                    <td className="nowrap">
                      {row.sentAt ? <time dateTime={row.sentAt}>{row.sent}</time> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.next !== null ? (
          <p>
            <Link to={logHref(values, page.next)} rel="next">
              Next page →
            </Link>
          </p>
        ) : null}
      </section>
    </>
  );
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
