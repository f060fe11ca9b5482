import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { CsrfField } from '../components/csrf-field';
import { isDomainError } from '../domain/errors';
import { importColumns, startImport } from '../domain/imports/imports.server';
import { IMPORT_FIELDS, IMPORT_KIND_LABELS, IMPORT_MODES } from '../domain/imports/kinds';
import { IMPORT_MODE_LABELS, IMPORT_STATUS_LABELS } from '../domain/imports/labels';
import { formatInZone } from '../models/inbox.server';
import { campaignsOpenForImport, getImport, likelyDuplicatesInPreview } from '../models/imports.server';
import managerStylesUrl from '../styles/manager.css?url';
import importStylesUrl from '../styles/imports.css?url';
import { database } from '../utils/db.server';
import { enqueueImport } from '../utils/import-queue.server';
import { requirePermission } from '../utils/permissions.server';
import {
  domainErrorStatus,
  formFor,
  idParam,
  notFound,
  permissionTo,
  routeAction,
  routeLoader,
} from '../utils/route-kit.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: importStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Import · Baton' }];

const NO_IMPORT = 'There is no import at this address.';

export const loader = routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:import:any');
  const db = database();
  const found = await getImport(db, idParam(params, 'importId', NO_IMPORT));
  if (!found) throw notFound(NO_IMPORT);
  const when = (at: Date | null) => (at ? formatInZone(at, user.timezone) : null);
  const base = {
    id: found.id,
    kind: found.kind,
    kindLabel: IMPORT_KIND_LABELS[found.kind],
    fileName: found.fileName,
    status: found.status,
    statusLabel: IMPORT_STATUS_LABELS[found.status],
    mode: found.mode,
    modeLabel: IMPORT_MODE_LABELS[found.mode],
    campaignName: found.campaignName,
    totalRows: found.totalRows,
    processedRows: found.processedRows,
    importedRows: found.importedRows,
    rejectedRows: found.rejectedRows,
    error: found.error,
    report: found.report,
    hasRejectedCsv: found.hasRejectedCsv,
    createdByName: found.createdByName ?? 'Unknown user',
    created: when(found.createdAt),
    started: when(found.startedAt),
    finished: when(found.finishedAt),
  };
  // The preview is read only before the import starts: a running import's page is revalidated
  // every second and must not read the file each time.
  if (found.status !== 'uploaded') return { ...base, preview: null };
  const [head, campaigns] = await Promise.all([
    importColumns(db, found.id),
    found.kind === 'campaign_accounts' ? campaignsOpenForImport(db) : Promise.resolve([]),
  ]);
  const duplicates =
    found.kind === 'customers' ? await likelyDuplicatesInPreview(db, head.columns, head.rows) : [];
  return {
    ...base,
    preview: {
      headers: head.headers,
      columns: head.columns,
      rows: head.rows.map((row) => ({ line: row.line, fields: row.fields })),
      fields: IMPORT_FIELDS[found.kind].map((f) => ({
        key: f.key,
        label: f.label,
        required: f.required,
        hint: f.hint ?? null,
      })),
      campaigns,
      duplicates,
    },
  };
});

type StartAnswer = {
  fieldErrors: Record<string, string>;
  formError: string | null;
  values: Record<string, string>;
};

export const action = routeAction(async ({ request, params }: ActionFunctionArgs) => {
  const { form: formData } = await formFor(request, permissionTo('create:import:any'));
  const db = database();
  const found = await getImport(db, idParam(params, 'importId', NO_IMPORT));
  if (!found) throw notFound(NO_IMPORT);
  // Started already (a second click, another tab): the page shows how far it got.
  if (found.status !== 'uploaded') throw redirect(`/imports/${found.id}`);
  const values = Object.fromEntries(
    [...formData].filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'csrf'),
  );
  const keys = new Set(IMPORT_FIELDS[found.kind].map((f) => f.key));
  const columns: (string | null)[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const match = /^column-(\d{1,4})$/.exec(name);
    if (!match) continue;
    const index = Number(match[1]);
    if (value !== '' && !keys.has(value)) fieldErrors[name] = 'Choose a field from the list, or “Leave out”.';
    columns[index] = value === '' || !keys.has(value) ? null : value;
  }
  const campaignId = Number(values.campaignId ?? '');
  const answer = (status = 400) =>
    data<StartAnswer>({ fieldErrors, formError: fieldErrors.form ?? null, values }, { status });
  try {
    const started = await startImport(db, {
      importId: found.id,
      columns: Array.from(columns, (c) => c ?? null),
      mode: values.mode ?? '',
      campaignId: Number.isSafeInteger(campaignId) && campaignId > 0 ? campaignId : null,
    });
    if (!started.ok) {
      Object.assign(fieldErrors, started.fieldErrors);
      const missing: string[] = [];
      for (const problem of started.mappingProblems) {
        if (problem.column !== null) fieldErrors[`column-${problem.column}`] ??= problem.reason;
        else missing.push(problem.reason);
      }
      if (missing.length > 0) fieldErrors.mapping = missing.join(' ');
      return answer();
    }
    if (Object.keys(fieldErrors).length > 0) return answer();
  } catch (error) {
    if (!isDomainError(error)) throw error;
    fieldErrors.form = error.message;
    // The fields were checked above: what the domain refuses is the import's state (started meanwhile).
    return answer(domainErrorStatus(error, { invalidInputIsConflict: true }));
  }
  await enqueueImport(found.id);
  throw redirect(`/imports/${found.id}`);
});

export default function ImportPage() {
  const page = useLoaderData<typeof loader>();
  const inProgress = page.status === 'queued' || page.status === 'running';
  return (
    <>
      <div className="page-heading">
        <p className="muted">
          <Link to="/imports">Imports</Link> › {page.fileName}
        </p>
        <h1>
          {page.kindLabel} from {page.fileName}
        </h1>
        <p className="muted">
          Uploaded by {page.createdByName}, {page.created}.
          {page.totalRows !== null ? ` ${page.totalRows.toLocaleString('en-GB')} rows.` : ''}
        </p>
      </div>
      {page.preview ? <Preview /> : inProgress ? <Progress /> : <Result />}
    </>
  );
}

function Preview() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const submitting = useNavigation().state === 'submitting';
  const preview = page.preview!;
  const errors = answer?.fieldErrors ?? {};
  const typed = answer?.values ?? {};
  const errorProps = (name: string) =>
    errors[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {};
  return (
    <Form method="post" className="form" noValidate aria-labelledby="mapping-title">
      <CsrfField />
      <section aria-labelledby="mapping-title">
        <h2 id="mapping-title">Columns</h2>
        <p className="muted">
          Each column of the file goes to one field, or is left out. Required fields:{' '}
          {preview.fields
            .filter((f) => f.required)
            .map((f) => f.label)
            .join(', ') || 'none'}
          {page.kind !== 'customers' ? '; and the customer, by its Baton id or its domain.' : '.'}
        </p>
        {errors.mapping ? (
          <p id="mapping-error" className="field__error" role="alert">
            {errors.mapping}
          </p>
        ) : null}
        <div className="import-mapping">
          {preview.headers.map((header, index) => {
            const name = `column-${index}`;
            return (
              <div className="field" key={name}>
                <label htmlFor={name}>
                  Column {index + 1}: <strong>{header || '(no name)'}</strong>
                </label>
                <select
                  id={name}
                  name={name}
                  defaultValue={typed[name] ?? preview.columns[index] ?? ''}
                  {...errorProps(name)}
                >
                  <option value="">Leave out</option>
                  {preview.fields.map((f) => (
                    <option key={f.key} value={f.key}>
                      {f.label}
                      {f.required ? ' (required)' : ''}
                    </option>
                  ))}
                </select>
                {errors[name] ? (
                  <p id={`${name}-error`} className="field__error">
                    {errors[name]}
                  </p>
                ) : null}
              </div>
            );
          })}
        </div>
      </section>

      <section aria-labelledby="preview-title">
        <h2 id="preview-title">The first {preview.rows.length} rows</h2>
        <div className="table-scroll" role="region" aria-labelledby="preview-title" tabIndex={0}>
          <table className="table import-preview">
            <caption className="visually-hidden">The first rows of the file, as read</caption>
            <thead>
              <tr>
                <th scope="col" className="numeric">
                  Line
                </th>
                {preview.headers.map((header, index) => (
                  <th scope="col" key={index}>
                    {header || `Column ${index + 1}`}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preview.rows.map((row) => (
                <tr key={row.line}>
                  <td className="numeric">{row.line}</td>
                  {preview.headers.map((_, index) => (
                    <td key={index} dir="auto">
                      {row.fields[index] ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {preview.duplicates.length > 0 ? (
        <section aria-labelledby="duplicates-title" className="notice">
          <h2 id="duplicates-title">Likely duplicates</h2>
          <p>
            These rows of the preview look like customer records Baton already holds. Importing them makes new
            records; a channel manager can merge them afterwards.
          </p>
          <ul>
            {preview.duplicates.map((row) => (
              <li key={row.line}>
                Line {row.line}, <span dir="auto">{row.name}</span>:{' '}
                {row.matches.map((match, index) => (
                  <span key={match.id}>
                    {index > 0 ? '; ' : ''}
                    <Link to={`/customers/${match.id}`}>
                      <span dir="auto">{match.name}</span>
                    </Link>{' '}
                    ({match.reason.toLowerCase()})
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {page.kind === 'campaign_accounts' ? (
        <div className="field">
          <label htmlFor="campaignId">Campaign</label>
          <select
            id="campaignId"
            name="campaignId"
            defaultValue={typed.campaignId ?? ''}
            {...errorProps('campaignId')}
          >
            <option value="">Choose a campaign</option>
            {preview.campaigns.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          {errors.campaignId ? (
            <p id="campaignId-error" className="field__error">
              {errors.campaignId}
            </p>
          ) : null}
        </div>
      ) : null}

      <fieldset className="field field--choices" {...errorProps('mode')}>
        <legend>If some rows are not valid</legend>
        {IMPORT_MODES.map((mode) => (
          <div className="choice" key={mode}>
            <input
              type="radio"
              id={`mode-${mode}`}
              name="mode"
              value={mode}
              defaultChecked={(typed.mode ?? 'all_or_nothing') === mode}
            />
            <label htmlFor={`mode-${mode}`}>{IMPORT_MODE_LABELS[mode]}</label>
          </div>
        ))}
        {errors.mode ? (
          <p id="mode-error" className="field__error">
            {errors.mode}
          </p>
        ) : null}
      </fieldset>

      <button type="submit" className="button" disabled={submitting}>
        {submitting ? 'Starting…' : 'Start the import'}
      </button>
      <p className="form__status" role="alert" aria-live="assertive">
        {answer?.formError}
      </p>
    </Form>
  );
}

function Progress() {
  const page = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  // Polled, not pushed: the page can be left and come back to, and the state is in Postgres.
  useEffect(() => {
    const timer = setInterval(() => {
      if (revalidator.state === 'idle') revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [revalidator]);
  const total = page.totalRows ?? 0;
  const percent = total > 0 ? Math.min(100, Math.floor((100 * page.processedRows) / total)) : 0;
  return (
    <section className="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">{page.status === 'queued' ? 'Waiting for a worker' : 'Importing'}</h2>
      <label htmlFor="import-progress" className="import-progress__label">
        {page.processedRows.toLocaleString('en-GB')} of {total.toLocaleString('en-GB')} rows checked (
        {percent}%)
        {page.rejectedRows > 0 ? `, ${page.rejectedRows.toLocaleString('en-GB')} rejected so far` : ''}
      </label>
      <progress id="import-progress" className="import-progress" max={total || 1} value={page.processedRows}>
        {percent}%
      </progress>
      <p className="muted">
        {page.modeLabel}. You can leave this page; the import goes on, and{' '}
        <Link to="/imports">the list of imports</Link> shows how far it got.
      </p>
    </section>
  );
}

function Result() {
  const page = useLoaderData<typeof loader>();
  const completed = page.status === 'completed';
  return (
    <>
      <section className="panel" aria-labelledby="result-title">
        <h2 id="result-title">{page.statusLabel}</h2>
        {page.error ? (
          <p className="notice" role="alert">
            {page.error}
          </p>
        ) : null}
        <dl className="stats">
          <div className="stat">
            <dt className="stat__label">Rows</dt>
            <dd className="stat__value">{(page.totalRows ?? 0).toLocaleString('en-GB')}</dd>
          </div>
          <div className="stat">
            <dt className="stat__label">Imported</dt>
            <dd className="stat__value">{page.importedRows.toLocaleString('en-GB')}</dd>
          </div>
          <div className={page.rejectedRows > 0 ? 'stat stat--danger' : 'stat'}>
            <dt className="stat__label">Rejected</dt>
            <dd className="stat__value">{page.rejectedRows.toLocaleString('en-GB')}</dd>
          </div>
        </dl>
        <p className="muted">
          {page.modeLabel}
          {page.campaignName ? `; campaign ${page.campaignName}` : ''}.{' '}
          {!completed && page.status === 'rejected' ? 'Nothing was imported. ' : ''}
          {page.finished ? `Finished ${page.finished}.` : ''}
        </p>
        {page.hasRejectedCsv ? (
          <p>
            <a href={`/imports/${page.id}/rejected.csv`} download>
              Download the rejected rows (CSV, with line numbers and reasons)
            </a>
          </p>
        ) : null}
      </section>
      {page.report.length > 0 ? (
        <section aria-labelledby="report-title">
          <h2 id="report-title">Problems by line</h2>
          <p className="muted">
            {page.report.length >= 1000
              ? 'The first 1,000 problems; the download has every rejected row.'
              : ''}
          </p>
          <div className="table-scroll" role="region" aria-labelledby="report-title" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Problems found, by line of the file</caption>
              <thead>
                <tr>
                  <th scope="col" className="numeric">
                    Line
                  </th>
                  <th scope="col">Field</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {page.report.map((entry, index) => (
                  <tr key={index}>
                    <td className="numeric">{entry.line}</td>
                    <td>{entry.field ?? 'File'}</td>
                    <td dir="auto">{entry.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
