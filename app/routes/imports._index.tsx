import {
  data,
  MaxPartSizeExceededError,
  redirect,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { CsrfField } from '../components/csrf-field';
import { isDomainError } from '../domain/errors';
import { MAX_IMPORT_BYTES } from '../domain/imports/import-limits';
import { createImport } from '../domain/imports/imports.server';
import { IMPORT_KIND_LABELS, IMPORT_KINDS } from '../domain/imports/kinds';
import { IMPORT_STATUS_LABELS } from '../domain/imports/labels';
import { formatInZone } from '../models/inbox.server';
import { recentImports } from '../models/imports.server';
import managerStylesUrl from '../styles/manager.css?url';
import importStylesUrl from '../styles/imports.css?url';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { formFor, permissionTo, routeAction, routeLoader } from '../utils/route-kit.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: managerStylesUrl },
  { rel: 'stylesheet', href: importStylesUrl },
];
export const meta: MetaFunction = () => [{ title: 'Imports · Baton' }];

const MAX_MB = MAX_IMPORT_BYTES / 1024 / 1024;

export const loader = routeLoader(async ({ request }: LoaderFunctionArgs) => {
  const user = await requirePermission(request, 'read:import:any');
  const rows = await recentImports(database());
  return {
    kinds: IMPORT_KINDS.map((value) => ({ value, label: IMPORT_KIND_LABELS[value] })),
    maxMb: MAX_MB,
    imports: rows.map((row) => ({
      id: row.id,
      kind: IMPORT_KIND_LABELS[row.kind],
      fileName: row.fileName,
      status: row.status,
      statusLabel: IMPORT_STATUS_LABELS[row.status],
      totalRows: row.totalRows,
      processedRows: row.processedRows,
      importedRows: row.importedRows,
      rejectedRows: row.rejectedRows,
      createdByName: row.createdByName ?? 'Unknown user',
      createdAt: row.createdAt.toISOString(),
      created: formatInZone(row.createdAt, user.timezone),
    })),
  };
});

type FieldErrors = Partial<Record<'kind' | 'file', string>>;
const refuse = (fieldErrors: FieldErrors, kind = '') => data({ fieldErrors, kind }, { status: 400 });

const kindSchema = z.enum(IMPORT_KINDS, { error: 'Choose what the file holds.' });
// Browsers label CSV files variously (Excel on Windows says application/vnd.ms-excel).
const CSV_TYPES = [
  '',
  'text/csv',
  'text/plain',
  'application/csv',
  'application/vnd.ms-excel',
  'text/comma-separated-values',
];

const readUpload = (request: Request) =>
  unstable_parseMultipartFormData(
    request,
    unstable_createMemoryUploadHandler({ maxPartSize: MAX_IMPORT_BYTES }),
  );

export const action = routeAction(async ({ request }: ActionFunctionArgs) => {
  const multipart = (request.headers.get('Content-Type') ?? '').startsWith('multipart/form-data');
  let formData: FormData;
  let user: Awaited<ReturnType<typeof requirePermission>>;
  try {
    // Not an upload: still read as a form, so that a forged post is refused as forged (403).
    ({ visitor: user, form: formData } = await formFor(
      request,
      permissionTo('create:import:any'),
      multipart ? readUpload : undefined,
    ));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      return refuse({ file: `The file is larger than ${MAX_MB} MB; split it into smaller files.` });
    }
    throw error;
  }
  if (!multipart) return refuse({ file: 'Choose a CSV file to upload.' });
  const kind = kindSchema.safeParse(formData.get('kind'));
  const file = formData.get('file');
  const fieldErrors: FieldErrors = {};
  if (!kind.success) fieldErrors.kind = kind.error.issues[0]!.message;
  if (!(file instanceof Blob) || file.size === 0) {
    fieldErrors.file = 'Choose a CSV file to upload; this one is empty or missing.';
  } else {
    const name = 'name' in file && typeof file.name === 'string' ? file.name : '';
    if (!/\.(csv|txt)$/i.test(name) || !CSV_TYPES.includes(file.type.split(';')[0]!.trim())) {
      fieldErrors.file =
        'This is not a CSV file. Save the sheet as “CSV UTF-8 (comma delimited)” and upload that.';
    }
  }
  const kindValue = kind.success ? kind.data : '';
  if (!kind.success || Object.keys(fieldErrors).length > 0) return refuse(fieldErrors, kindValue);
  const upload = file as File;
  try {
    const { importId } = await createImport(database(), {
      kind: kind.data,
      fileName: upload.name,
      bytes: new Uint8Array(await upload.arrayBuffer()),
      userId: user.id,
    });
    throw redirect(`/imports/${importId}`);
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const field = error.field === 'kind' ? 'kind' : 'file';
    // The domain's message names the field ("file: …"); the page shows it next to that field.
    return refuse({ [field]: error.message.replace(/^\w+: /, '') }, kindValue);
  }
});

export default function Imports() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>();
  const uploading = useNavigation().state === 'submitting';
  const revalidator = useRevalidator();
  const anyInProgress = page.imports.some((i) => i.status === 'queued' || i.status === 'running');
  // While an import runs, its row keeps up (every two seconds; the import's own page every second).
  useEffect(() => {
    if (!anyInProgress) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle') revalidator.revalidate();
    }, 2000);
    return () => clearInterval(timer);
  }, [anyInProgress, revalidator]);
  const errors: FieldErrors = answer?.fieldErrors ?? {};
  const invalid = (name: keyof FieldErrors) =>
    errors[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {};

  return (
    <>
      <div className="page-heading">
        <h1>Imports</h1>
        <p className="muted">
          Customers, contacts, opportunities and campaign target accounts from a CSV file. You see the first
          rows and choose the columns before anything is imported.
        </p>
      </div>

      <section className="panel" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload a file</h2>
        <Form method="post" encType="multipart/form-data" className="form" noValidate>
          <CsrfField />
          <div className="field-row">
            <div className="field">
              <label htmlFor="kind">The file holds</label>
              <select id="kind" name="kind" defaultValue={answer?.kind ?? ''} {...invalid('kind')}>
                <option value="">Choose</option>
                {page.kinds.map((kind) => (
                  <option key={kind.value} value={kind.value}>
                    {kind.label}
                  </option>
                ))}
              </select>
              {errors.kind ? (
                <p id="kind-error" className="field__error">
                  {errors.kind}
                </p>
              ) : null}
            </div>
            <div className="field">
              <label htmlFor="file">CSV file (UTF-8, up to {page.maxMb} MB)</label>
              <input id="file" name="file" type="file" accept=".csv,text/csv" {...invalid('file')} />
              {errors.file ? (
                <p id="file-error" className="field__error">
                  {errors.file}
                </p>
              ) : null}
            </div>
          </div>
          <p className="field__hint">
            The first line must name the columns. Commas separate fields; quote a field that holds a comma, a
            quote or a line break.
          </p>
          <button type="submit" className="button" disabled={uploading}>
            {uploading ? 'Uploading…' : 'Upload and preview'}
          </button>
        </Form>
      </section>

      <section aria-labelledby="recent-title">
        <h2 id="recent-title">Recent imports</h2>
        {page.imports.length === 0 ? (
          <p className="empty">No imports yet.</p>
        ) : (
          <div className="table-scroll" role="region" aria-labelledby="recent-title" tabIndex={0}>
            <table className="table">
              <caption className="visually-hidden">Recent imports, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Holds</th>
                  <th scope="col">State</th>
                  <th scope="col" className="numeric">
                    Rows
                  </th>
                  <th scope="col" className="numeric">
                    Imported
                  </th>
                  <th scope="col" className="numeric">
                    Rejected
                  </th>
                  <th scope="col">Uploaded</th>
                </tr>
              </thead>
              <tbody>
                {page.imports.map((row) => (
                  <tr key={row.id}>
                    <td>
                      <Link to={`/imports/${row.id}`}>{row.fileName}</Link>
                    </td>
                    <td>{row.kind}</td>
                    <td>
                      <span className={`badge import-status--${row.status}`}>{row.statusLabel}</span>
                      {row.status === 'running' && row.totalRows ? (
                        <span className="muted">
                          {' '}
                          {Math.floor((100 * row.processedRows) / row.totalRows)}%
                        </span>
                      ) : null}
                    </td>
                    <td className="numeric">{row.totalRows?.toLocaleString('en-GB') ?? '–'}</td>
                    <td className="numeric">{row.importedRows.toLocaleString('en-GB')}</td>
                    <td className="numeric">{row.rejectedRows.toLocaleString('en-GB')}</td>
                    <td>
                      {row.createdByName}, <time dateTime={row.createdAt}>{row.created}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
