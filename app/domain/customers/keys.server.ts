import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { customers } from '../../../db/schema';
import { asciiFormOf } from './web-domain';

function generatedExpression(column: typeof customers.nameKey | typeof customers.domainKey): SQL {
  const expression = column.generated?.as;
  if (!expression) throw new Error(`customers.${column.name} is no longer a generated column`);
  return expression as SQL;
}

/**
 * The expression of `customers.domain_key`, over a relation whose columns are called `domain`
 * and `domain_ascii`, as SQL text (it holds no parameters): for keying typed domains in bulk
 * (imports, through the postgres driver) by the very same rule.
 */
export function domainKeyExpressionText(): string {
  const { sql: text, params } = new PgDialect().sqlToQuery(generatedExpression(customers.domainKey));
  if (params.length > 0) throw new Error('customers.domain_key is expected to be plain SQL');
  return text;
}

/**
 * The duplicate-matching keys of a name and domain that were only typed, never saved: the very
 * expressions of the generated columns `customers.name_key` and `customers.domain_key`, taken
 * from the schema and evaluated over a one-row derived table whose columns are called `name`,
 * `domain` and `domain_ascii` (the ASCII form the app computes, as it does when saving). There is
 * no second copy of the normalisation to drift from the first.
 */
export function typedKeys(name: string, domain: string | null): SQL {
  return sql`(SELECT ${generatedExpression(customers.nameKey)} AS name_key,
                     ${generatedExpression(customers.domainKey)} AS domain_key
              FROM (SELECT ${name}::text AS name, ${domain}::text AS domain,
                           ${asciiFormOf(domain)}::text AS domain_ascii) AS typed)`;
}

/** The domain key of a typed string, as a scalar expression (search by domain). */
export function typedDomainKey(domain: string): SQL {
  return sql`(SELECT ${generatedExpression(customers.domainKey)}
              FROM (SELECT ${domain}::text AS domain, ${asciiFormOf(domain)}::text AS domain_ascii) AS typed)`;
}
