import { asc, eq, ilike, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { campaigns, partners } from '../../db/schema';
import { MAX_SERIAL_ID } from './keyset-cursor.server';
import { containsPattern } from './like-pattern';

/**
 * The campaigns the filter form offers. Partners are typed, not listed: at 10,000 partners a
 * list would put every name into every page (hundreds of KB) and cost more than the queue itself.
 */
export async function getQueueFilterOptions(db: Database) {
  const campaignOptions = await db
    .select({ id: campaigns.id, name: campaigns.name })
    .from(campaigns)
    .orderBy(asc(campaigns.name), asc(campaigns.id));
  return { campaigns: campaignOptions };
}

export type PartnerChoice =
  { ok: true; partner: { id: number; name: string } } | { ok: false; message: string };

/** How many look-alike names a "be more specific" message lists. */
const PARTNER_SUGGESTIONS = 5;

/**
 * The partner a manager typed: its number (`123` or `#123`, as links from other pages give it)
 * or its name, whole or in part and in any case. A part of a name must match exactly one
 * partner unless one partner has exactly that name.
 */
export async function resolvePartner(db: Database, typed: string): Promise<PartnerChoice> {
  const text = typed.trim();
  if (/^#?\d{1,10}$/.test(text)) {
    const id = Number(text.replace('#', ''));
    const [partner] =
      id >= 1 && id <= MAX_SERIAL_ID
        ? await db.select({ id: partners.id, name: partners.name }).from(partners).where(eq(partners.id, id))
        : [];
    return partner ? { ok: true, partner } : { ok: false, message: `There is no partner number ${id}.` };
  }
  const matches = await db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(ilike(partners.name, containsPattern(text)))
    .orderBy(sql`lower(${partners.name}) = lower(${text}) desc`, asc(partners.name), asc(partners.id))
    .limit(PARTNER_SUGGESTIONS + 1);
  const exact = matches.filter((p) => p.name.toLowerCase() === text.toLowerCase());
  if (exact.length === 1 || (matches.length === 1 && exact.length === 0)) {
    return { ok: true, partner: exact[0] ?? matches[0]! };
  }
  if (matches.length === 0) return { ok: false, message: `No partner’s name contains “${text}”.` };
  const shown = matches.slice(0, PARTNER_SUGGESTIONS).map((p) => `${p.name} (#${p.id})`);
  const more = matches.length > PARTNER_SUGGESTIONS ? ', …' : '';
  return {
    ok: false,
    message: `Several partners match “${text}”: ${shown.join(', ')}${more}. Type more of the name or the number.`,
  };
}
