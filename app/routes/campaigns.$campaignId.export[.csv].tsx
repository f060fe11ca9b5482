import type { LoaderFunctionArgs } from '@remix-run/node';
import { campaignFigures } from '../domain/campaigns/figures.server';
import { figuresCsv } from '../domain/campaigns/figures-format';
import { database } from '../utils/db.server';
import { requirePermission } from '../utils/permissions.server';
import { idParam, notFound, routeLoader } from '../utils/route-kit.server';
import { resourceHandler } from '../utils/security-headers.server';

const NO_CAMPAIGN = 'There is no campaign at this address.';

/** A file name for the header: letters, digits and dashes only, so no quoting problem can arise. */
const fileName = (campaignId: number) => `campaign-${campaignId}-figures.csv`;

// A resource route: the campaign's figures per partner as a CSV download, for vendor staff only.
export const loader = resourceHandler(
  routeLoader(async ({ request, params }: LoaderFunctionArgs) => {
    await requirePermission(request, 'read:campaign:any');
    const campaignId = idParam(params, 'campaignId', NO_CAMPAIGN);
    const figures = await campaignFigures(database(), campaignId);
    if (!figures) throw notFound(NO_CAMPAIGN);
    return new Response(figuresCsv(figures), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8; header=present',
        'Content-Disposition': `attachment; filename="${fileName(campaignId)}"`,
        'Cache-Control': 'private, no-store',
      },
    });
  }),
);
