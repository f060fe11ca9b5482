import type { LoaderFunctionArgs } from '@remix-run/node';
import { rejectedCsvOf } from '../models/imports.server';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { idParam, notFound, routeLoader } from '../utils/route-kit.server';
import { resourceHandler } from '../utils/security-headers.server';

const NO_ROWS = 'This import has no rejected rows to download.';

/** The rejected rows of an import, as CSV: the file's own columns, then its line and the reason. */
export const loader = resourceHandler(
  routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
    await requirePermission(request, 'read:import:any');
    const found = await rejectedCsvOf(database(), idParam(params, 'importId', NO_ROWS));
    if (!found) throw notFound(NO_ROWS);
    const base = found.fileName.replace(/\.[^.]*$/, '').replace(/[^\p{L}\p{N}._ -]+/gu, '_') || 'import';
    const name = `${base}-rejected.csv`;
    // A BOM so that Excel opens the UTF-8 as UTF-8 (Persian and Chinese names included).
    return new Response(`\uFEFF${found.csv}`, {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        'Cache-Control': 'private, no-store',
      },
    });
  }),
);
