import { sql } from 'drizzle-orm';
import type { Executor } from '../../../db/client';
import type { PartnerScope } from '../partner-scope';
import { typedKeys } from './keys.server';
import { ownerLabel } from './owner-label';
import { customerVisibleWhere } from './visibility.server';

/** pg_trgm similarity of the name keys from which two records are likely the same company. */
export const NAME_SIMILARITY_THRESHOLD = 0.5;
export const DUPLICATES_SHOWN = 10;

export type DuplicateReason = 'same_domain' | 'same_name' | 'similar_name';

export interface LikelyDuplicate {
  id: number;
  name: string;
  domain: string | null;
  country: string;
  /** "Vendor", the viewer's own company, or "Another partner": never another partner's name. */
  owner: string;
  reason: DuplicateReason;
  /** Name similarity from 0 to 1. */
  similarity: number;
}

export interface DuplicateCheck {
  /** Records the viewer may see, most likely first. */
  duplicates: LikelyDuplicate[];
  /**
   * A record the viewer may not see has the same domain. A partner learns only that: not the
   * record, not its owner.
   */
  hiddenDomainMatch: boolean;
}

type Row = {
  id: number;
  name: string;
  domain: string | null;
  country: string;
  owner_partner_id: number | null;
  owner_partner_name: string | null;
  same_domain: boolean;
  same_name: boolean;
  similarity: number;
  visible: boolean;
};

/**
 * Likely duplicates of a company about to be saved (or of an existing record, with `excludeId`):
 * the same normalised domain, the same normalised name, or a name alike by trigram similarity.
 * Merged records are left out: their rows live on the survivor, which is matched itself.
 * Names in scripts that trigrams do not split (Persian, Chinese) are still found by equal key.
 */
export async function findLikelyDuplicates(
  db: Executor,
  input: { name: string; domain: string | null; scope: PartnerScope | null; excludeId?: number },
): Promise<DuplicateCheck> {
  const domain = input.domain?.trim() ? input.domain.trim() : null;
  const rows = (await db.execute(sql`
    SELECT c.id, c.name, c.domain, c.country::text AS country, c.owner_partner_id,
           p.name AS owner_partner_name,
           coalesce(c.domain_key = typed.domain_key, false) AS same_domain,
           (c.name_key = typed.name_key) AS same_name,
           similarity(c.name_key, typed.name_key)::float8 AS similarity,
           ${customerVisibleWhere(input.scope, sql`c.id`)} AS visible
    FROM ${typedKeys(input.name, domain)} AS typed
    JOIN customers c ON c.merged_into_id IS NULL AND (
      c.domain_key = typed.domain_key
      OR (typed.name_key <> '' AND c.name_key = typed.name_key)
      OR (typed.name_key <> '' AND c.name_key % typed.name_key
          AND similarity(c.name_key, typed.name_key) >= ${NAME_SIMILARITY_THRESHOLD}))
    LEFT JOIN partners p ON p.id = c.owner_partner_id
    WHERE c.id <> ${input.excludeId ?? 0}
    ORDER BY same_domain DESC, same_name DESC, similarity DESC, c.id
    LIMIT 100`)) as unknown as Row[];

  const duplicates = rows
    .filter((row) => row.visible)
    .slice(0, DUPLICATES_SHOWN)
    .map((row): LikelyDuplicate => ({
      id: row.id,
      name: row.name,
      domain: row.domain,
      country: row.country,
      owner: ownerLabel(
        { partnerId: row.owner_partner_id, partnerName: row.owner_partner_name },
        input.scope,
      ),
      reason: row.same_domain ? 'same_domain' : row.same_name ? 'same_name' : 'similar_name',
      similarity: Math.round(Number(row.similarity) * 100) / 100,
    }));
  return {
    duplicates,
    hiddenDomainMatch: rows.some((row) => !row.visible && row.same_domain),
  };
}

export const DUPLICATE_REASON_LABELS: Record<DuplicateReason, string> = {
  same_domain: 'Same web domain',
  same_name: 'Same name',
  similar_name: 'Similar name',
};
