import type { LoaderFunctionArgs } from '@remix-run/node';
import { campaignFigures } from '../domain/campaigns/figures.server';
import { figuresCsv } from '../domain/campaigns/figures-format';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { resourceHandler } from '../utils/security-headers.server';

const notFound = () =>
  new Response('There is no campaign at this address.', {
    status: 404,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });

/** A file name for the header: letters, digits and dashes only, so no quoting problem can arise. */
const fileName = (campaignId: number) => `campaign-${campaignId}-figures.csv`;

// A resource route: the campaign's figures per partner as a CSV download, for vendor staff only.
export const loader = resourceHandler(async ({ request, params }: LoaderFunctionArgs) => {
  await requirePermission(request, 'read:campaign:any');
  const raw = params.campaignId ?? '';
  const campaignId = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(campaignId) || campaignId > 2_147_483_647) throw notFound();
  const figures = await campaignFigures(database(), campaignId);
  if (!figures) throw notFound();
  return new Response(figuresCsv(figures), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="${fileName(campaignId)}"`,
      'Cache-Control': 'private, no-store',
    },
  });
});
