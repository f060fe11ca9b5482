import type { Sql } from 'postgres';

export const COUNTRIES = [
  'DE',
  'FR',
  'GB',
  'NL',
  'BE',
  'ES',
  'IT',
  'PL',
  'SE',
  'NO',
  'DK',
  'FI',
  'AT',
  'CH',
  'IE',
  'PT',
  'CZ',
  'HU',
  'RO',
  'GR',
  'TR',
  'AE',
  'IR',
  'CN',
  'JP',
  'SG',
  'IN',
  'AU',
  'US',
  'CA',
];
export const PRODUCT_LINES = [
  'storage',
  'networking',
  'security',
  'cloud',
  'analytics',
  'collaboration',
  'servers',
  'software',
  'services',
  'iot',
];
export const INDUSTRIES = [
  'manufacturing',
  'retail',
  'finance',
  'healthcare',
  'public_sector',
  'education',
  'energy',
  'telecom',
  'logistics',
  'media',
  'hospitality',
  'construction',
];

/**
 * Set-based generation (INSERT … SELECT over generate_series, the server-side equivalent of
 * COPY): 10,000 partners and 100,000 opportunities take seconds, not minutes.
 */
export async function generateRoutingData(sql: Sql, partnerCount: number, opportunityCount: number) {
  const arr = (values: string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(',')}]`;
  await sql.unsafe(`
    INSERT INTO partners (slug, name, tier, countries, industries, size_segments, product_lines, max_open,
                          offers_answered, offers_accepted, offers_expired, response_ms_total, leads_won, leads_closed)
    SELECT 'bench-' || g, 'Bench partner ' || g,
      (ARRAY['platinum','gold','silver','registered'])[1 + g % 4],
      ARRAY[(${arr(COUNTRIES)})[1 + g % ${COUNTRIES.length}], (${arr(COUNTRIES)})[1 + (g / 7) % ${COUNTRIES.length}]],
      ARRAY[(${arr(INDUSTRIES)})[1 + g % ${INDUSTRIES.length}], (${arr(INDUSTRIES)})[1 + (g / 3) % ${INDUSTRIES.length}]],
      ARRAY[(ARRAY['enterprise','mid_market','small_business'])[1 + g % 3]],
      ARRAY[(${arr(PRODUCT_LINES)})[1 + g % ${PRODUCT_LINES.length}], (${arr(PRODUCT_LINES)})[1 + (g / 11) % ${PRODUCT_LINES.length}]],
      40 + g % 60,
      g % 50, g % 30, g % 10, (g % 50) * 3600000::bigint, g % 9, g % 20
    FROM generate_series(1, ${partnerCount}) g`);
  await sql.unsafe(`
    INSERT INTO customers (name, domain, country, industry, size_segment, revenue_potential)
    SELECT 'Bench customer ' || g, 'customer-' || g || '.example',
      (${arr(COUNTRIES)})[1 + g % ${COUNTRIES.length}], (${arr(INDUSTRIES)})[1 + g % ${INDUSTRIES.length}],
      (ARRAY['enterprise','mid_market','small_business'])[1 + g % 3], (ARRAY['A','B','C','D'])[1 + g % 4]
    FROM generate_series(1, ${Math.max(1, Math.floor(opportunityCount / 5))}) g`);
  await sql.unsafe(`
    INSERT INTO opportunities (customer_id, need, product_line, value_minor, currency, country, industry, size_segment, source, status)
    SELECT c.id, 'Bench need ' || g, (${arr(PRODUCT_LINES)})[1 + (g * 7) % ${PRODUCT_LINES.length}],
      (1000 + g % 500) * 10000, 'EUR', c.country, c.industry, c.size_segment, 'import', 'new'
    FROM generate_series(1, ${opportunityCount}) g
    JOIN customers c ON c.id = 1 + g % (SELECT count(*) FROM customers)`);
  await sql.unsafe('ANALYZE');
}
