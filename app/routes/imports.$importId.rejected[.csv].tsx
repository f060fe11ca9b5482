import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { rejectedCsvOf } from '../models/imports.server';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { resourceHandler } from '../utils/security-headers.server';

const paramsSchema = z.object({ importId: z.coerce.number().int().positive().max(2_147_483_647) });

/** The rejected rows of an import, as CSV: the file's own columns, then its line and the reason. */
export const loader = resourceHandler(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'read:import:any');
  const parsed = paramsSchema.safeParse(params);
  const found = parsed.success ? await rejectedCsvOf(database(), parsed.data.importId) : null;
  if (!found) {
    return new Response('This import has no rejected rows to download.', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    });
  }
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
});
