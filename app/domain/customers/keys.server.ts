import { sql, type SQL } from 'drizzle-orm';
import { customers } from '../../../db/schema';

function generatedExpression(column: typeof customers.nameKey | typeof customers.domainKey): SQL {
  const expression = column.generated?.as;
  if (!expression) throw new Error(`customers.${column.name} is no longer a generated column`);
  return expression as SQL;
}

/**
 * The duplicate-matching keys of a name and domain that were only typed, never saved: the very
 * expressions of the generated columns `customers.name_key` and `customers.domain_key`, taken
 * from the schema and evaluated over a one-row derived table whose columns are called `name`
 * and `domain`. There is no second copy of the normalisation to drift from the first.
 */
export function typedKeys(name: string, domain: string | null): SQL {
  return sql`(SELECT ${generatedExpression(customers.nameKey)} AS name_key,
                     ${generatedExpression(customers.domainKey)} AS domain_key
              FROM (SELECT ${name}::text AS name, ${domain}::text AS domain) AS typed)`;
}

/** The domain key of a typed string, as a scalar expression (search by domain). */
export function typedDomainKey(domain: string): SQL {
  return sql`(SELECT ${generatedExpression(customers.domainKey)}
              FROM (SELECT ${domain}::text AS domain) AS typed)`;
}
